"""PORTOS error shapes: RFC 7807 problem details (``application/problem+json``) with
PORTOS's ``errorCode``; validation problems add ``errors: [{memberName, message, code}]``."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException

from ticketry.api.common.decoding import MalformedBody, UnsupportedMediaType
from ticketry.api.common.drf_errors import DRF_WORDING
from ticketry.domain.accounts.throttle import SigninThrottled
from ticketry.domain.errors import (
    Code,
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    NotFound,
    RightMissing,
    StorageUnavailable,
    Unauthenticated,
    ValidationFailed,
)
from ticketry.domain.tickets.errors import VersionMismatch

log = logging.getLogger("ticketry.api.portos")

MEDIA_TYPE = "application/problem+json"

# PORTOS errorCode values.
UNAUTHENTICATED = 1
UNAUTHORIZED = 2
VALIDATION_FAILED = 3
LICENSE_EXPIRED = 4
RESOURCE_LOCKED = 5
RESOURCE_VERSION_MISMATCH = 6
# Validation error ``code`` values (0: any other rule, PORTOS lists only 1 and 2).
CODE_INVALID = 0
CODE_REQUIRED = 1
CODE_UNIQUE = 2

_TYPES = {
    400: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
    401: "https://tools.ietf.org/html/rfc9110#section-15.5.2",
    403: "https://tools.ietf.org/html/rfc9110#section-15.5.4",
    404: "https://tools.ietf.org/html/rfc9110#section-15.5.5",
    405: "https://tools.ietf.org/html/rfc9110#section-15.5.6",
    409: "https://tools.ietf.org/html/rfc9110#section-15.5.10",
    413: "https://tools.ietf.org/html/rfc9110#section-15.5.14",
    415: "https://tools.ietf.org/html/rfc9110#section-15.5.16",
    423: "https://tools.ietf.org/html/rfc4918#section-11.3",
    429: "https://tools.ietf.org/html/rfc6585#section-4",
    500: "https://tools.ietf.org/html/rfc9110#section-15.6.1",
}
_TITLES = {
    400: "One or more validation errors occurred.",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "An error occurred while processing your request.",
}


# PORTOS's sentences for the domain's error codes: Django REST framework's (the tills' API
# answers in its English), but for these.
_WORDING: dict[Code, str] = {
    **DRF_WORDING,
    Code.OUT_OF_RANGE: "Must be between {min} and {max}.",
    Code.UNIQUE: "A {entity} with this {field} already exists.",
}
# The validation ``code`` of each domain code (CODE_INVALID for the rest).
_CODES = {Code.REQUIRED: CODE_REQUIRED, Code.UNIQUE: CODE_UNIQUE}


def _validation_error(member: str, error: FieldError | str) -> dict[str, Any]:
    if isinstance(error, FieldError):
        params = {"entity": "value", "field": member.rsplit(".", 1)[-1], **error.params}
        text = _WORDING[error.code]
        if error.code is Code.OUT_OF_RANGE and params.get("exclusive"):
            text = "Must be greater than {min} and below {max}."
        message = text.format(**params)
        if "part" in params:
            message = f"{params['part']}: {message}"
        return {"memberName": member, "message": message, "code": _CODES.get(error.code, 0)}
    # A message this face worded itself.
    code = CODE_REQUIRED if "required" in error.lower() else CODE_INVALID
    if "already exists" in error:
        code = CODE_UNIQUE
    return {"memberName": member, "message": error, "code": code}


def camel(name: str) -> str:
    if "_" not in name.strip("_"):
        return name
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


# Domain field names whose PORTOS member name is not simply their camelCase.
MEMBER_NAMES = {
    "subject": "name",
    "currency": "currency.label",
    "employee": "employee.userName",
    "plu_code": "plu.code",
    "plu_stock_name": "plu.stockName",
    "vat_rate": "plu.vatInfo.rate",
    "quantity": "quantity.amount",
    "unit": "quantity.unit",
    "item_type": "type",
    "location_table_name": "location.table.name",
    "location_zone_name": "location.zone.name",
    "customer_card_serial_number": "customer.card.serialNumber",
    "customer_discount_rate": "customer.discountRate",
}


def flatten(errors: Any, prefix: str = "") -> list[dict[str, Any]]:
    """``{"items": {"0": {"vat_rate": ["…"]}}}`` → ``[{"memberName":
    "items[0].plu.vatInfo.rate", …}]``."""
    out: list[dict[str, Any]] = []
    if isinstance(errors, list) and any(isinstance(e, dict) for e in errors):
        for index, sub in enumerate(errors):
            if sub:
                out.extend(flatten(sub, f"{prefix}[{index}]"))
        return out
    if isinstance(errors, list):
        for message in errors:
            if isinstance(message, dict):
                out.extend(flatten(message, prefix))
                continue
            out.append(_validation_error(prefix, message))
        return out
    for key, value in errors.items():
        if key.isdigit():
            name = f"{prefix}[{key}]"
        elif key.startswith("$") or key[:1].isupper():
            name = key  # a query parameter, as the client wrote it
        else:
            member = MEMBER_NAMES.get(key) or camel(key)
            name = f"{prefix}.{member}" if prefix else member
        if key == "non_field_errors":
            name = prefix
        out.extend(flatten(value, name))
    return out


def problem(
    request: Request,
    status: int,
    detail: str | None,
    error_code: int | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": _TYPES.get(status, _TYPES[500] if status >= 500 else _TYPES[400]),
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "traceId": request.headers.get("x-request-id") or uuid.uuid4().hex,
    }
    if error_code is not None:
        body["errorCode"] = error_code
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return Response(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def throttled(request: Request, exc: SigninThrottled) -> Response[dict[str, Any]]:
    """Too many failed sign-ins: 429 with ``Retry-After`` (errorCode 1, Unauthenticated)."""
    response = problem(request, 429, exc.message, UNAUTHENTICATED)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def domain_error(request: Request, exc: Exception) -> Response[dict[str, Any]]:
    if isinstance(exc, SigninThrottled):
        return throttled(request, exc)
    if isinstance(exc, ValidationFailed):
        return problem(
            request,
            400,
            exc.message,
            VALIDATION_FAILED,
            errors=flatten(exc.errors),
        )
    if isinstance(exc, NotFound):
        return problem(request, 404, exc.message)
    if isinstance(exc, Unauthenticated):
        return problem(request, 401, exc.message, UNAUTHENTICATED)
    if isinstance(exc, RightMissing):  # a till right (policy.py), named as PORTOS does
        return problem(request, 403, f"The right {exc.right} is required.", UNAUTHORIZED)
    if isinstance(exc, Forbidden):
        return problem(request, 403, exc.message, UNAUTHORIZED)
    if isinstance(exc, VersionMismatch):
        resource = {"name": exc.name, "id": exc.id, "version": exc.version}
        return problem(request, 400, exc.message, RESOURCE_VERSION_MISMATCH, resource=resource)
    if isinstance(exc, Conflict):
        return problem(request, 400, exc.message, RESOURCE_VERSION_MISMATCH)
    if isinstance(exc, StorageUnavailable):
        return problem(request, 503, exc.message)
    assert isinstance(exc, DomainError)
    return problem(request, 400, exc.message or "Bad request.")


def malformed(request: Request, exc: Exception) -> Response[dict[str, Any]]:
    return problem(
        request,
        400,
        "The request body is not valid JSON.",
        VALIDATION_FAILED,
        errors=[{"memberName": "", "message": str(exc), "code": CODE_INVALID}],
    )


def unsupported(request: Request, exc: Exception) -> Response[dict[str, Any]]:
    assert isinstance(exc, UnsupportedMediaType)
    return problem(request, 415, f"Unsupported media type '{exc.content_type}'.")


def http_error(request: Request, exc: Exception) -> Response[dict[str, Any]]:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if status >= 500:
        log.error("server error on %s %s: %s", request.method, request.url.path, exc.detail)
        return problem(request, 500, None)
    if status == 400:
        return problem(request, 400, str(exc.detail), VALIDATION_FAILED, errors=[])
    return problem(request, status, str(exc.detail))


def server_error(request: Request, exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(request, 500, None)


EXCEPTION_HANDLERS = {
    DomainError: domain_error,
    MalformedBody: malformed,
    UnsupportedMediaType: unsupported,
    HTTPException: http_error,
    Exception: server_error,
}
