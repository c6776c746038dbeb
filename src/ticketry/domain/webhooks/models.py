"""Webhooks are data: subscriptions, one delivery per (event, subscription), one row per
attempt, and the fan-out bookkeeping of the outbox worker."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from ticketry.domain.base import AccountOwned, Base, IntPK
from ticketry.domain.types import JSONType, UTCDateTime, utcnow

# Delivery states. A delivery is "pending" until a worker claims it ("sending", with a
# lease); it ends "succeeded" or "failed" (given up). Only pending/sending ones block the
# later events of the same ticket to the same endpoint.
PENDING = "pending"
SENDING = "sending"
SUCCEEDED = "succeeded"
FAILED = "failed"
OPEN_STATES = (PENDING, SENDING)


def subscription_key(flavour: str, url: str, events: list[str]) -> str:
    """What makes two subscriptions the same: the payload format, the URL as given, and the
    set of events (order and repeats aside). A second such subscription would only deliver
    every event twice."""
    same = "\n".join([flavour, url, ",".join(sorted(set(events)))])
    return hashlib.sha256(same.encode()).hexdigest()


def _key_default(context: Any) -> str:
    """An insert that does not give the key (the services do) gets the one its row has."""
    row = context.get_current_parameters()
    events = row.get("events") or []
    if isinstance(events, str):  # already serialised by the JSON type
        events = json.loads(events)
    return subscription_key(row.get("flavour") or "retino", row["url"], list(events))


class WebhookSubscription(AccountOwned, Base):
    __tablename__ = "webhook_subscriptions"
    # A unique index, not a constraint: SQLite adds one without rebuilding the table.
    __table_args__ = (
        Index("ix_webhook_subscriptions_same", "account_id", "same_key", unique=True),
    )

    url: Mapped[str] = mapped_column(String(2000), nullable=False)
    # ``subscription_key`` of (flavour, url, events), unique in the account. Duplicates
    # found by migration 0017 were disabled and keep ``<key>#<id>``.
    same_key: Mapped[str] = mapped_column(String(80), nullable=False, default=_key_default)
    # Kept in clear: it is sent as X-Retino-Secret and keys the HMAC signature.
    secret: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    # Which wire format the payloads use ("retino"; later "nextcommerce", …).
    flavour: Mapped[str] = mapped_column(String(30), nullable=False, default="retino")
    # Event names in the flavour's vocabulary (e.g. "ticket.created").
    events: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    disabled_reason: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    consecutive_failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class WebhookDelivery(AccountOwned, Base):
    """One event (or test ping) to one subscription; retried until it succeeds or expires."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_order", "subscription_id", "ordering_key", "event_id"),
        Index("ix_webhook_deliveries_history", "subscription_id", "id"),
    )

    subscription_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), nullable=False
    )
    # The outbox row it came from (None for test pings); its order is the delivery order.
    event_id: Mapped[int | None] = mapped_column(
        IntPK, ForeignKey("events.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # The id the receiver sees (payload "event_id", header X-Ticketry-Event-Id): the same
    # for every attempt and every redelivery of one event, so receivers can dedupe.
    event_public_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    event_type: Mapped[str] = mapped_column(String(60), nullable=False)
    # Deliveries with the same key go to the endpoint in event order ("ticket:<id>").
    ordering_key: Mapped[str | None] = mapped_column(String(60), nullable=True)
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    lease: Mapped[str | None] = mapped_column(String(32), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    is_test: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_redelivery: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class WebhookAttempt(AccountOwned, Base):
    """One HTTP POST: when, how long, what came back."""

    __tablename__ = "webhook_attempts"

    delivery_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), nullable=False, index=True
    )
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    response_excerpt: Mapped[str] = mapped_column(Text, nullable=False, default="")
    error: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    success: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class WebhookFanout(Base):
    """Events already turned into deliveries, above the fan-out cursor.

    Bookkeeping of the worker, not business data: no account, no public id. Rows at or
    below the cursor are deleted as the cursor moves on.
    """

    __tablename__ = "webhook_fanout"

    event_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class WorkerCursor(Base):
    """``events.id`` up to which every event has been fanned out (one row per consumer)."""

    __tablename__ = "worker_cursors"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
