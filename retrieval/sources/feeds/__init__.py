"""Followed RSS/Atom feeds: the records and their pure decisions, the store, polling, following."""
