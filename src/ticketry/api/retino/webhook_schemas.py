"""Wire shapes of ``/api/v2/webhooks`` (Django REST framework style)."""

from __future__ import annotations

import uuid

import msgspec
from msgspec import UNSET, Struct, UnsetType

from ticketry.api.retino.times import DateTimeText


class WebhookCreate(Struct, forbid_unknown_fields=False):
    url: str
    events: list[str]
    secret: str | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET


class WebhookPut(Struct, forbid_unknown_fields=False):
    url: str
    events: list[str]
    secret: str | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET


class WebhookPatch(Struct, forbid_unknown_fields=False):
    url: str | UnsetType = UNSET
    events: list[str] | UnsetType = UNSET
    secret: str | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET


class WebhookOut(Struct):
    id: uuid.UUID
    url: str
    events: list[str]
    secret: str
    is_active: bool
    disabled_at: DateTimeText | None
    disabled_reason: str
    consecutive_failures: int
    last_success_at: DateTimeText | None
    created_at: DateTimeText
    updated_at: DateTimeText


class AttemptOut(Struct):
    id: uuid.UUID
    created_at: DateTimeText
    success: bool
    status_code: int | None
    duration_ms: int
    response_body: str
    error: str


class DeliveryOut(Struct):
    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    status: str
    is_test: bool
    is_redelivery: bool
    attempt_count: int
    next_attempt_at: DateTimeText | None
    delivered_at: DateTimeText | None
    created_at: DateTimeText
    payload: msgspec.Raw
    attempts: list[AttemptOut]


class WebhookTestOut(Struct):
    delivery_id: uuid.UUID
    event_id: uuid.UUID
    status: str
