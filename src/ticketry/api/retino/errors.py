"""Retino (Django REST framework) error shapes: ``{"field": [..]}`` and ``{"detail": ..}``."""

from __future__ import annotations

from typing import Any

from ticketry.api.common.drf_errors import drf_errors, drf_exception_handlers
from ticketry.api.retino.serializers import rename_fields
from ticketry.domain.errors import Code, FieldErrors

# Retino's own sentences where its service words a field's error itself.
OVERRIDES = {
    ("store_id", Code.UNIQUE): "Store ID '{value}' already exists",
    ("store_id", Code.INVALID_REF): "Store ID '{value}' does not exist",
    ("store_id", Code.IMMUTABLE): "Store ID cannot be changed after an order is created.",
    ("code", Code.UNIQUE): "An order with this code already exists in this store.",
    # The same URL, format and events as another subscription (subscription_key).
    ("url", Code.UNIQUE): "A webhook with this url and these events already exists.",
}


def retino_errors(errors: FieldErrors) -> dict[str, Any]:
    """Field errors as Retino sends them (a 400 body, a bulk result's ``errors``)."""
    return rename_fields(drf_errors(errors, OVERRIDES))


EXCEPTION_HANDLERS = drf_exception_handlers(
    logger_name="ticketry.api.retino",
    authenticate_header="Token",
    rename=rename_fields,
    overrides=OVERRIDES,
)
