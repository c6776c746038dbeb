"""Next Commerce (Django REST framework) error shapes: ``{"field": ["msg"]}`` for bad input,
``{"detail": "msg"}`` for everything else."""

from __future__ import annotations

import logging

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from ticketry.api.common.decoding import MalformedBody, UnsupportedMediaType
from ticketry.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    Unauthenticated,
    ValidationFailed,
)

log = logging.getLogger("ticketry.api.nextcommerce")

_HTTP_DETAIL = {
    401: "Authentication credentials were not provided.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    413: "Request body is too large.",
}


class BadVersion(Exception):
    pass


def _detail(status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    return Response({"detail": detail}, status_code=status, headers=headers)


def domain_error(_: Request, exc: Exception) -> Response:
    if isinstance(exc, ValidationFailed):
        return Response(exc.errors, status_code=400)
    if isinstance(exc, NotFound):
        return _detail(404, exc.message or "Not found.")
    if isinstance(exc, Unauthenticated):
        return _detail(401, exc.message, {"WWW-Authenticate": 'Bearer realm="api"'})
    if isinstance(exc, Forbidden):
        return _detail(403, exc.message)
    if isinstance(exc, Conflict):
        return _detail(409, exc.message)
    assert isinstance(exc, DomainError)
    return _detail(400, exc.message or "Bad request.")


def bad_version(_: Request, exc: Exception) -> Response:
    return _detail(400, str(exc))


def malformed(_: Request, exc: Exception) -> Response:
    return _detail(400, f"JSON parse error - {exc}")


def unsupported(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, UnsupportedMediaType)
    return _detail(415, f'Unsupported media type "{exc.content_type}" in request.')


def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if isinstance(exc, ValidationException):
        return _detail(400, str(exc.detail))
    if status == 405:
        return _detail(405, f'Method "{request.method}" not allowed.', exc.headers)
    if status >= 500:
        log.error("server error on %s %s: %s", request.method, request.url.path, exc.detail)
        return _detail(500, "A server error occurred.")
    return _detail(status, _HTTP_DETAIL.get(status, str(exc.detail)), exc.headers)


def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _detail(500, "A server error occurred.")


EXCEPTION_HANDLERS = {
    DomainError: domain_error,
    BadVersion: bad_version,
    MalformedBody: malformed,
    UnsupportedMediaType: unsupported,
    HTTPException: http_error,
    Exception: server_error,
}
