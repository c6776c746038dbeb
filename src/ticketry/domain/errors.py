"""The one error hierarchy of the domain; each adapter renders it in its vendor's shape."""

from __future__ import annotations

from typing import Any

FieldErrors = dict[str, Any]  # field -> [messages] or nested FieldErrors


class DomainError(Exception):
    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message)


class Conflict(DomainError):
    pass


class Forbidden(DomainError):
    def __init__(self, message: str = "You do not have permission to perform this action.") -> None:
        super().__init__(message)


class StorageUnavailable(DomainError):
    """The file store (disk or bucket) cannot be used right now: a 503, nothing is written."""

    def __init__(
        self, message: str = "File storage is unavailable; please try again later."
    ) -> None:
        super().__init__(message)


class Unauthenticated(DomainError):
    def __init__(self, message: str = "Invalid token.") -> None:
        super().__init__(message)


class ValidationFailed(DomainError):
    """Field errors: ``{"field": ["why"], "nested": {"field": ["why"]}}``."""

    def __init__(self, errors: FieldErrors, message: str = "Invalid input.") -> None:
        super().__init__(message)
        self.errors = errors

    @classmethod
    def single(cls, field: str, message: str) -> ValidationFailed:
        return cls({field: [message]})


class ErrorCollector:
    """Collects every failing field before raising, so a client sees all problems at once."""

    def __init__(self) -> None:
        self.errors: FieldErrors = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def nest(self, field: str, errors: FieldErrors) -> None:
        if errors:
            self.errors[field] = errors

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)

    def __bool__(self) -> bool:
        return bool(self.errors)
