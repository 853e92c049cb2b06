"""Fetching a web page safely (the one URL guard) and turning it into an ``Article``."""
