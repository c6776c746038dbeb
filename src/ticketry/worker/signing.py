"""Ticketry's webhook signature: ``X-Ticketry-Signature: t=<unix>,v1=<hex>`` where
``hex = HMAC-SHA256(secret, f"{t}.".encode() + body)`` (docs/webhooks.md)."""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Ticketry-Signature"
EVENT_ID_HEADER = "X-Ticketry-Event-Id"
EVENT_TYPE_HEADER = "X-Ticketry-Event"
DELIVERY_HEADER = "X-Ticketry-Delivery"


def signature(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def signature_verify(
    secret: str, body: bytes, header: str, *, tolerance: int = 300, now: float | None = None
) -> bool:
    """What a receiver does: recompute, compare in constant time, reject stale stamps."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = signature(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))
