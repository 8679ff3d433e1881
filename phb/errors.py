"""Domain errors shared by every package. None carries an HTTP status: the web layer maps them."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """Base of errors a user can understand and act on."""


class NotFoundError(DomainError):
    """The record does not exist, or the user may not know that it does."""

    def __init__(self, entity: str, identifier: object) -> None:
        super().__init__(f"{entity} {identifier} not found")
        self.entity = entity
        self.identifier = identifier


class ForbiddenError(DomainError):
    """The user may see the record but may not do this to it."""


class ValidationFailedError(DomainError):
    """Input that breaks a rule; ``errors`` maps each field name to a message for that field."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


class ConflictError(DomainError):
    """Someone else changed the record first; ``current`` describes what it holds now."""

    def __init__(self, message: str, current: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.current = dict(current or {})
