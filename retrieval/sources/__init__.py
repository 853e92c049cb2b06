"""Where articles come from: files, web pages, feeds, a watched folder, the seeds. Each becomes
``Article``s (newsdesk.types); nothing here imports the index or answering."""
