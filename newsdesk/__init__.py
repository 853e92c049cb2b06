"""newsdesk: ask news articles a question, get a cited extractive answer."""

__version__ = "0.1.0"
