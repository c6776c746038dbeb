"""The one error hierarchy of the domain; each adapter renders it in its vendor's shape.

Field errors are codes with parameters (``FieldError(Code.TOO_LONG, {"max": 254})``), never
sentences: the face that shows them owns the wording (DRF's for Retino and Next Commerce,
Laravel's for Paymenter, problem details for PORTOS, the desk's own for the web pages)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# field -> [FieldError | str] or nested FieldErrors (a nested list per index, or a dict keyed
# by index or sub-field). A ``str`` leaf is a message a face already worded itself.
FieldErrors = dict[str, Any]


class Code(StrEnum):
    """What is wrong with a field; the parameters a face may use are listed with each."""

    REQUIRED = "required"  # the command needs the field
    NULL = "null"  # the field may not be null
    BLANK = "blank"  # the field may not be empty text
    TOO_LONG = "too_long"  # {max}: characters
    NUL_CHARACTER = "nul_character"  # text containing U+0000
    INVALID_CHOICE = "invalid_choice"  # {value}: not one of the field's fixed choices
    NOT_ALLOWED = "not_allowed"  # {value}: not one the account allows (its configuration)
    INVALID_REF = "invalid_ref"  # {value}: no such object in the account
    INVALID_EMAIL = "invalid_email"
    INVALID_CURRENCY = "invalid_currency"  # {value}: not an ISO 4217 code
    INVALID_COUNTRY = "invalid_country"  # {value}: not an ISO 3166-1 alpha-2 code
    INVALID_LANGUAGE = "invalid_language"  # {value}: not an ISO 639-1 code
    DATETIME_OUT_OF_RANGE = "datetime_out_of_range"  # a date-time not representable in UTC
    OUT_OF_RANGE = "out_of_range"  # {min, max}: a number outside [min, max]
    INVALID_NUMBER = "invalid_number"  # not a finite number
    MAX_DIGITS = "max_digits"  # {max}: digits in total
    MAX_DECIMAL_PLACES = "max_decimal_places"  # {max}
    TOO_MANY = "too_many"  # {max}: list elements
    EMPTY_LIST = "empty_list"
    NOT_A_STRING = "not_a_string"
    UNIQUE = "unique"  # {value}: another object already has this value
    IMMUTABLE = "immutable"  # the field cannot change once the object exists


@dataclass(slots=True)
class FieldError:
    """One problem with one field: a code and the parameters its wording needs. A ``part``
    parameter names the part of the field at fault (a language of a localized name, an
    option's number), which a face shows before its sentence."""

    code: Code
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:  # for logs and tracebacks; faces word errors themselves
        if not self.params:
            return str(self.code)
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.code}({args})"


def field_error(code: Code, **params: Any) -> FieldError:
    return FieldError(code, params)


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


class RightMissing(Forbidden):
    """The actor (its role, or the credential it came with) lacks ``right``; a policy's
    refusal (``domain/tickets/policy.py``), worded by each face as its vendor does."""

    def __init__(self, right: str) -> None:
        super().__init__()
        self.right = right


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
    """Field errors: ``{"field": [FieldError], "nested": {"field": [FieldError]}}``."""

    def __init__(self, errors: FieldErrors, message: str = "Invalid input.") -> None:
        super().__init__(message)
        self.errors = errors

    @classmethod
    def single(cls, field: str, code: Code | str, **params: Any) -> ValidationFailed:
        """One field's error: a ``Code`` (with its parameters), or a face's own message."""
        return cls({field: [_entry(code, params)]})


def _entry(code: Code | str, params: dict[str, Any]) -> FieldError | str:
    if isinstance(code, Code):
        return FieldError(code, params)
    assert not params, "parameters go with a Code"
    return code


class ErrorCollector:
    """Collects every failing field before raising, so a client sees all problems at once."""

    def __init__(self) -> None:
        self.errors: FieldErrors = {}

    def add(self, field: str, code: Code | str, **params: Any) -> None:
        """``field`` fails with ``code`` (a ``Code`` with its parameters; a plain ``str`` is
        a message its face has already worded)."""
        self.errors.setdefault(field, []).append(_entry(code, params))

    def nest(self, field: str, errors: FieldErrors) -> None:
        if errors:
            self.errors[field] = errors

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)

    def __bool__(self) -> bool:
        return bool(self.errors)


def codes_of(errors: Any) -> Any:
    """The tree with each ``FieldError`` as ``code`` or ``code{k=v}`` text (tests, logs)."""
    if isinstance(errors, Mapping):
        return {k: codes_of(v) for k, v in errors.items()}
    if isinstance(errors, list):
        return [codes_of(v) for v in errors]
    if isinstance(errors, FieldError):
        if not errors.params:
            return str(errors.code)
        return f"{errors.code}{{{','.join(f'{k}={v}' for k, v in errors.params.items())}}}"
    return errors


def worded(
    errors: Any, word: Callable[[FieldError, tuple[str, ...]], str], path: tuple[str, ...] = ()
) -> Any:
    """The tree with each ``FieldError`` replaced by ``word(error, path)``, the face's
    sentence for it (``path``: the keys down to the field); ``str`` leaves stay as they are."""
    if isinstance(errors, Mapping):
        return {k: worded(v, word, (*path, str(k))) for k, v in errors.items()}
    if isinstance(errors, list):
        return [
            worded(v, word, (*path, str(i)) if isinstance(v, Mapping) else path)
            for i, v in enumerate(errors)
        ]
    if isinstance(errors, FieldError):
        return word(errors, path)
    return errors
