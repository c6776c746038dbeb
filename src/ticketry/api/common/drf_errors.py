"""Django REST framework error shapes, shared by the faces that imitate DRF services
(Retino, Next Commerce): ``{"field": ["msg"]}`` for bad input, ``{"detail": "msg"}`` else."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from ticketry.api.common.decoding import MalformedBody, UnsupportedMediaType
from ticketry.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    StorageUnavailable,
    Unauthenticated,
    ValidationFailed,
)

Handler = Callable[[Request, Exception], Response]

_HTTP_DETAIL = {
    401: "Authentication credentials were not provided.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    413: "Request body is too large.",
    429: "Request was throttled.",
}


def detail_response(status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    return Response({"detail": detail}, status_code=status, headers=headers)


def drf_exception_handlers(
    *,
    logger_name: str,
    authenticate_header: str,
    rename: Callable[[dict[str, Any]], dict[str, Any]] = lambda errors: errors,
    extra: dict[type[Exception], Handler] | None = None,
) -> dict[type[Exception], Handler]:
    """Exception handlers for one DRF-like face.

    ``rename`` maps domain field names to the face's wire names in 400 bodies;
    ``authenticate_header`` is the face's ``WWW-Authenticate`` challenge.
    """
    log = logging.getLogger(logger_name)

    def domain_error(_: Request, exc: Exception) -> Response:
        if isinstance(exc, ValidationFailed):
            return Response(rename(exc.errors), status_code=400)
        if isinstance(exc, NotFound):
            return detail_response(404, exc.message or "Not found.")
        if isinstance(exc, Unauthenticated):
            return detail_response(401, exc.message, {"WWW-Authenticate": authenticate_header})
        if isinstance(exc, Forbidden):
            return detail_response(403, exc.message)
        if isinstance(exc, Conflict):
            return detail_response(409, exc.message)
        if isinstance(exc, StorageUnavailable):
            return detail_response(503, exc.message, {"Retry-After": "30"})
        assert isinstance(exc, DomainError)
        return detail_response(400, exc.message or "Bad request.")

    def malformed(_: Request, exc: Exception) -> Response:
        return detail_response(400, f"JSON parse error - {exc}")

    def unsupported(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, UnsupportedMediaType)
        return detail_response(415, f'Unsupported media type "{exc.content_type}" in request.')

    def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        status = exc.status_code
        if isinstance(exc, ValidationException):
            return detail_response(400, str(exc.detail))
        if status == 405:
            return detail_response(405, f'Method "{request.method}" not allowed.', exc.headers)
        if status >= 500:
            log.error("server error on %s %s: %s", request.method, request.url.path, exc.detail)
            return detail_response(500, "A server error occurred.")
        return detail_response(status, _HTTP_DETAIL.get(status, str(exc.detail)), exc.headers)

    def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return detail_response(500, "A server error occurred.")

    return {
        DomainError: domain_error,
        **(extra or {}),
        MalformedBody: malformed,
        UnsupportedMediaType: unsupported,
        HTTPException: http_error,
        Exception: server_error,
    }
