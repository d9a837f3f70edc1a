"""Domain errors. `api/errors.py` maps each to the contract's JSON error, in one place."""

from __future__ import annotations


class DomainError(Exception):
    """Base class; `message` is a sentence a person can read."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidTransition(DomainError):
    """The action is not allowed from the work order's current status (409)."""


class StaleVersion(DomainError):
    """The client changed an older version of the record than the current one (409)."""


class Conflict(DomainError):
    """The request clashes with the current state in another way (409)."""


class NotPermitted(DomainError):
    """The actor's role may not do this (403)."""


class NotFound(DomainError):
    """The thing does not exist, or the actor may not know that it does (404)."""


class Gone(DomainError):
    """The thing existed but may no longer be used: a used or expired link (410). `reason` says
    which (used, expired, moot), for a page that explains it in the reader's language."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


class ValidationFailed(DomainError):
    """Input broke a rule of the trade; `fields` says which field and why (422)."""

    def __init__(self, fields: dict[str, list[str]], message: str = "The request has invalid fields."):
        super().__init__(message)
        self.fields = fields
