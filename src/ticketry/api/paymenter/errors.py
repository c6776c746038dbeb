"""Laravel's error shapes: ``{"message": ...}``, 422 ``{"message", "errors"}``, and the
middleware's ``{"error": ...}`` for a missing bearer token."""

from __future__ import annotations

import logging

from litestar import Request, Response
from litestar.exceptions import HTTPException

from ticketry.api.paymenter.auth import UNAUTHORIZED_ACTION, MissingBearer
from ticketry.api.paymenter.query import QueryNotAllowed
from ticketry.domain.errors import (
    Code,
    Conflict,
    DomainError,
    FieldError,
    FieldErrors,
    Forbidden,
    NotFound,
    RightMissing,
    StorageUnavailable,
    Unauthenticated,
    ValidationFailed,
)

log = logging.getLogger("ticketry.api.paymenter")

_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _message(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response({"message": message}, status_code=status, headers=headers)


# The domain's field names as this face's requests name them.
WIRE_NAMES = {
    "requester": "user_id",
    "assignee": "assigned_to",
    "ticket": "ticket_id",
    "body": "message",
}
# Laravel lists failures in the order of the FormRequest's rules.
RULE_ORDER = ("subject", "message", "user_id", "ticket_id", "department", "priority", "status")

# Laravel's validation sentences for the domain's codes (``:attribute`` is ``{label}``).
_WORDING: dict[Code, str] = {
    Code.REQUIRED: "The {label} field is required.",
    Code.NULL: "The {label} field is required.",
    Code.BLANK: "The {label} field is required.",
    Code.EMPTY_LIST: "The {label} field is required.",
    Code.NOT_A_STRING: "The {label} field must be a string.",
    Code.TOO_LONG: "The {label} field must not be greater than {max} characters.",
    Code.NUL_CHARACTER: "The {label} field must not contain null characters.",
    Code.INVALID_CHOICE: "The selected {label} is invalid.",
    Code.NOT_ALLOWED: "The selected {label} is invalid.",
    Code.INVALID_REF: "The selected {label} is invalid.",
    Code.INVALID_EMAIL: "The {label} field must be a valid email address.",
    Code.INVALID_CURRENCY: "The selected {label} is invalid.",
    Code.INVALID_COUNTRY: "The selected {label} is invalid.",
    Code.INVALID_LANGUAGE: "The selected {label} is invalid.",
    Code.DATETIME_OUT_OF_RANGE: "The {label} field must be a valid date.",
    Code.OUT_OF_RANGE: "The {label} field must be between {min} and {max}.",
    Code.INVALID_NUMBER: "The {label} field must be a number.",
    Code.MAX_DIGITS: "The {label} field must not have more than {max} digits.",
    Code.MAX_DECIMAL_PLACES: "The {label} field must have at most {max} decimal places.",
    Code.TOO_MANY: "The {label} field must not have more than {max} items.",
    Code.UNIQUE: "The {label} has already been taken.",
    Code.IMMUTABLE: "The {label} field is prohibited.",
}


def laravel_message(name: str, error: FieldError | str) -> str:
    if not isinstance(error, FieldError):
        return str(error)
    label = name.replace("_", " ")
    return _WORDING[error.code].format(label=label, **error.params)


def laravel_errors(errors: FieldErrors, prefix: str = "") -> dict[str, list[str]]:
    """``{"field": ["sentence"]}`` with nested fields dotted (``customer.email``), as
    Laravel names them, in the order of the face's rules."""
    out: dict[str, list[str]] = {}
    for key, value in errors.items():
        name = f"{prefix}{WIRE_NAMES.get(key, key)}"
        if isinstance(value, dict):
            for sub, messages in laravel_errors(value, f"{name}.").items():
                out.setdefault(sub, []).extend(messages)
        elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    for sub, messages in laravel_errors(item, f"{name}.{index}.").items():
                        out.setdefault(sub, []).extend(messages)
        else:
            items = value if isinstance(value, list) else [value]
            out.setdefault(name, []).extend(laravel_message(name, e) for e in items)
    rank = {name: i for i, name in enumerate(RULE_ORDER)}
    return dict(sorted(out.items(), key=lambda kv: rank.get(kv[0], len(rank))))


def validation_summary(errors: dict[str, list[str]]) -> str:
    """``The subject field is required. (and 1 more error)``."""
    messages = [m for field_messages in errors.values() for m in field_messages]
    if not messages:
        return "The given data was invalid."
    rest = len(messages) - 1
    if rest == 0:
        return messages[0]
    return f"{messages[0]} (and {rest} more error{'s' if rest > 1 else ''})"


def domain_error(_: Request, exc: Exception) -> Response:
    if isinstance(exc, ValidationFailed):
        errors = laravel_errors(exc.errors)
        return Response({"message": validation_summary(errors), "errors": errors}, status_code=422)
    if isinstance(exc, MissingBearer):
        return Response({"error": exc.message}, status_code=401)
    if isinstance(exc, Unauthenticated):
        return _message(401, exc.message)
    if isinstance(exc, RightMissing):  # a policy's refusal: FormRequest's sentence
        return _message(403, UNAUTHORIZED_ACTION)
    if isinstance(exc, Forbidden):
        return _message(403, exc.message)
    if isinstance(exc, NotFound):
        return _message(404, exc.message)
    if isinstance(exc, Conflict):
        return _message(409, exc.message)
    if isinstance(exc, StorageUnavailable):
        return _message(503, exc.message)
    assert isinstance(exc, DomainError)
    return _message(400, exc.message or "Bad Request")


def query_not_allowed(_: Request, exc: Exception) -> Response:
    return _message(400, str(exc))


def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    path = request.url.path.lstrip("/")
    if status == 404:
        return _message(404, f"The route {path} could not be found.")
    if status == 405:
        allowed = {m.strip().upper() for m in (exc.headers or {}).get("allow", "").split(",")}
        if "GET" in allowed:
            allowed.add("HEAD")
        methods = ", ".join(m for m in _METHOD_ORDER if m in allowed)
        return _message(
            405,
            f"The {request.method} method is not supported for route {path}. "
            f"Supported methods: {methods}.",
            exc.headers,
        )
    if status == 413:
        return _message(413, "Content Too Large")
    if status >= 500:
        log.error("server error on %s %s: %s", request.method, request.url.path, exc.detail)
        return _message(500, "Server Error")
    return _message(status, str(exc.detail))


def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _message(500, "Server Error")


EXCEPTION_HANDLERS = {
    DomainError: domain_error,
    QueryNotAllowed: query_not_allowed,
    HTTPException: http_error,
    Exception: server_error,
}
