"""The people-facing edges: the command line and the Telegram bot."""
