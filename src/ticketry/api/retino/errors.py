"""Retino (Django REST framework) error shapes: ``{"field": [..]}`` and ``{"detail": ..}``."""

from __future__ import annotations

from ticketry.api.common.drf_errors import drf_exception_handlers
from ticketry.api.retino.serializers import rename_fields

EXCEPTION_HANDLERS = drf_exception_handlers(
    logger_name="ticketry.api.retino", authenticate_header="Token", rename=rename_fields
)
