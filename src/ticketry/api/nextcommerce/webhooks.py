"""Next Commerce webhook deliveries: the envelope and its ``X-29Next-Signature``.

``ticket.created`` and ``ticket.updated`` carry the ticket as this face shows it, in the
vendor's envelope ``{api_version, data, event_id, event_type, object, webhook}``; the
signature is the hex HMAC-SHA256 of the exact body bytes with the subscription's secret.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass, field
from typing import Any

import msgspec

from ticketry.api.nextcommerce import schemas as s

EVENTS = ("ticket.created", "ticket.updated")
SIGNATURE_HEADER = "X-29Next-Signature"


@dataclass(frozen=True)
class WebhookTarget:
    id: int
    target: str
    secret: str
    store: str | None = None  # the account's slug
    events: list[str] = field(default_factory=lambda: list(EVENTS))
    api_version: str = "2024-04-01"


def signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_payload(
    *, event_type: str, ticket: s.TicketOut, hook: WebhookTarget, event_id: uuid.UUID | None = None
) -> tuple[bytes, dict[str, str]]:
    """The body bytes and headers of one delivery of ``event_type`` about ``ticket``."""
    if event_type not in EVENTS:
        raise ValueError(f"not a Next Commerce ticket event: {event_type}")
    envelope: dict[str, Any] = {
        "api_version": hook.api_version,
        "data": ticket,
        "event_id": str(event_id or uuid.uuid4()),
        "event_type": event_type,
        "object": "ticket",
        "webhook": {
            "events": list(hook.events),
            "id": hook.id,
            "store": hook.store,
            "target": hook.target,
        },
    }
    body = msgspec.json.encode(envelope)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature(hook.secret, body),
    }
    return body, headers
