"""The Telegram front end: python-telegram-bot v22 handlers around one ``Newsdesk``.

``app.build_application(settings, desk)`` wires the handlers onto an ``Application`` (tests call
it directly, pointed at a fake Bot API server); ``run.run_bot(args, settings)`` reads the
environment, builds it and polls (or serves a webhook) until stopped. See docs/telegram.md.

Modules, bottom to top: settings, topics (alert terms, pure), chat_store (what is kept per chat
under the home), state, sending, access, chat_settings, commands, uploads, questions, search,
sources, alerts, feeds, app, run.
Each imports only those before it (and the service's public API). ``app.COMMANDS`` declares
every command once: its handler, its line in /help and its entry in the menu.
"""
