"""The seed articles: the default corpus that newsdesk indexes on first use."""
