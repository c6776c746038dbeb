"""Django REST framework error shapes, shared by the faces that imitate DRF services
(Retino, Next Commerce): ``{"field": ["msg"]}`` for bad input, ``{"detail": "msg"}`` else."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from ticketry.api.common.decoding import MalformedBody, UnsupportedMediaType
from ticketry.domain.errors import (
    Code,
    Conflict,
    DomainError,
    FieldError,
    FieldErrors,
    Forbidden,
    NotFound,
    StorageUnavailable,
    Unauthenticated,
    ValidationFailed,
    worded,
)

Handler = Callable[[Request, Exception], Response]

_HTTP_DETAIL = {
    401: "Authentication credentials were not provided.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    413: "Request body is too large.",
    429: "Request was throttled.",
}


# Django REST framework's sentences for the domain's error codes (its field validators',
# where DRF has one; the ISO-code ones are the services' own).
DRF_WORDING: dict[Code, str] = {
    Code.REQUIRED: "This field is required.",
    Code.NULL: "This field may not be null.",
    Code.BLANK: "This field may not be blank.",
    Code.TOO_LONG: "Ensure this field has no more than {max} characters.",
    Code.NUL_CHARACTER: "Null characters are not allowed.",
    Code.INVALID_CHOICE: '"{value}" is not a valid choice.',
    Code.NOT_ALLOWED: '"{value}" is not a valid choice.',
    Code.INVALID_REF: 'Invalid pk "{value}" - object does not exist.',
    Code.INVALID_EMAIL: "Enter a valid email address.",
    Code.INVALID_CURRENCY: '"{value}" is not a valid ISO 4217 currency code.',
    Code.INVALID_COUNTRY: '"{value}" is not a valid ISO 3166-1 alpha-2 country code.',
    Code.INVALID_LANGUAGE: '"{value}" is not a valid ISO 639-1 language code.',
    Code.DATETIME_OUT_OF_RANGE: "Datetime value out of range.",
    Code.OUT_OF_RANGE: "Ensure this value is between {min} and {max}.",
    Code.INVALID_NUMBER: "A valid number is required.",
    Code.MAX_DIGITS: "Ensure that there are no more than {max} digits in total.",
    Code.MAX_DECIMAL_PLACES: "Ensure that there are no more than {max} decimal places.",
    Code.TOO_MANY: "Ensure this field has no more than {max} elements.",
    Code.EMPTY_LIST: "This list may not be empty.",
    Code.NOT_A_STRING: "Not a valid string.",
    Code.UNIQUE: "This field must be unique.",
    Code.IMMUTABLE: "This field cannot be changed.",
}

# A face's own sentence for one field's code: ``{("store_id", Code.UNIQUE): "…{value}…"}``.
Overrides = Mapping[tuple[str, Code], str]


def drf_message(error: FieldError, path: tuple[str, ...] = (), overrides: Overrides = {}) -> str:  # noqa: B006
    """One field error as Django REST framework words it (or as ``overrides`` say for
    that field)."""
    params = error.params
    text = overrides.get((path[-1], error.code)) if path else None
    if text is None:
        if error.code is Code.OUT_OF_RANGE and params.get("exclusive"):
            text = "Ensure this value is greater than {min} and below {max}."
        else:
            text = DRF_WORDING[error.code]
            if error.code is Code.INVALID_CHOICE and "choices" in params:
                text += " Use {choices}."
    message = text.format(**params)
    return f"{params['part']}: {message}" if "part" in params else message


def drf_errors(errors: FieldErrors, overrides: Overrides = {}) -> dict[str, Any]:  # noqa: B006
    """The 400 body: ``{"field": ["sentence"], "nested": {"field": [..]}}``."""
    result: dict[str, Any] = worded(errors, lambda error, path: drf_message(error, path, overrides))
    return result


def detail_response(status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    return Response({"detail": detail}, status_code=status, headers=headers)


def drf_exception_handlers(
    *,
    logger_name: str,
    authenticate_header: str,
    rename: Callable[[dict[str, Any]], dict[str, Any]] = lambda errors: errors,
    overrides: Overrides = {},  # noqa: B006
    extra: dict[type[Exception], Handler] | None = None,
) -> dict[type[Exception], Handler]:
    """Exception handlers for one DRF-like face.

    ``rename`` maps domain field names to the face's wire names in 400 bodies;
    ``overrides`` are the face's own sentences for some fields' codes;
    ``authenticate_header`` is the face's ``WWW-Authenticate`` challenge.
    """
    log = logging.getLogger(logger_name)

    def domain_error(_: Request, exc: Exception) -> Response:
        if isinstance(exc, ValidationFailed):
            return Response(rename(drf_errors(exc.errors, overrides)), status_code=400)
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
