"""Laravel's error shapes: ``{"message": ...}``, 422 ``{"message", "errors"}``, and the
middleware's ``{"error": ...}`` for a missing bearer token."""

from __future__ import annotations

import logging

from litestar import Request, Response
from litestar.exceptions import HTTPException

from ticketry.api.paymenter.auth import MissingBearer
from ticketry.api.paymenter.query import QueryNotAllowed
from ticketry.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    StorageUnavailable,
    Unauthenticated,
    ValidationFailed,
)

log = logging.getLogger("ticketry.api.paymenter")

_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _message(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response({"message": message}, status_code=status, headers=headers)


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
        errors = {
            k: [str(m) for m in v] if isinstance(v, list) else [str(v)]
            for k, v in exc.errors.items()
        }
        return Response({"message": validation_summary(errors), "errors": errors}, status_code=422)
    if isinstance(exc, MissingBearer):
        return Response({"error": exc.message}, status_code=401)
    if isinstance(exc, Unauthenticated):
        return _message(401, exc.message)
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
