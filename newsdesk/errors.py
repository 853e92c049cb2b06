"""Errors that a user can act on; front ends show their message as one line."""


class NewsdeskError(Exception):
    """A problem the user can fix; the message says how (the CLI exits with 1)."""


class InvalidInput(NewsdeskError, ValueError):
    """Something the user gave is wrong or names nothing (a file, an article id, a version): the
    CLI exits with 1. Also a ValueError, which is what callers that pass input expect."""


class UsageError(InvalidInput):
    """The command was called wrongly (an empty question, a bad option value): the CLI exits with 2."""


class FetchError(NewsdeskError):
    """A URL could not be fetched. ``str()`` is one generic line; ``reason`` is for the log."""

    def __init__(self, reason: str):
        super().__init__("could not fetch that link")
        self.reason = reason


class UrlRefused(FetchError):
    """The URL (or a redirect) points somewhere newsdesk does not fetch from."""


class FeedError(NewsdeskError):
    """A feed cannot be followed, found or read; the message says why."""


class IndexProblem(NewsdeskError):
    """An index the user must act on; the message says what to run."""


class IndexMissing(IndexProblem):
    """No index in the home yet."""


class IndexDamaged(IndexProblem):
    """A version fails its checksums or counts; ``newsdesk rollback`` is the way back."""


class IndexMismatch(IndexProblem):
    """The index was built with another model, chunker settings or format; the message says what to run."""


class DiskFull(NewsdeskError):
    """The disk holding the index has no room for the next version."""
