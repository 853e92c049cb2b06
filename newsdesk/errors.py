"""Errors that a user can act on; front ends show their message as one line."""


class NewsdeskError(Exception):
    """A problem the user can fix; the message says how."""
