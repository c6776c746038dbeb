"""Outbox → deliveries: each new event becomes one delivery per matching subscription.

Events are read above a cursor. Ids are handed out before commit, so an event with a
lower id can become visible after one with a higher id; every event processed is marked
in ``webhook_fanout``, and the cursor only moves past events older than ``GRACE`` (no
transaction stays open that long), after which their marks are deleted. Several workers
may fan out at once: on PostgreSQL they skip each other's locked events, and the mark is
inserted with ``ON CONFLICT DO NOTHING`` so only one of them queues deliveries.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import msgspec
from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.events.models import Event
from ticketry.domain.types import utcnow
from ticketry.domain.upsert import dialect_name, insert_for
from ticketry.domain.webhooks.models import (
    PENDING,
    WebhookDelivery,
    WebhookFanout,
    WebhookSubscription,
    WorkerCursor,
)
from ticketry.worker.flavours import Flavour, flavours

CURSOR = "webhooks"
GRACE = timedelta(minutes=5)
BATCH = 500


async def _cursor(reader: AsyncSession, writer: AsyncSession) -> int:
    stmt = select(WorkerCursor.last_event_id).where(WorkerCursor.name == CURSOR)
    value = await reader.scalar(stmt)
    if value is not None:
        return int(value)
    start = int(await writer.scalar(select(func.coalesce(func.max(Event.id), 0))) or 0)
    await writer.execute(
        insert_for(writer, WorkerCursor)
        .values(name=CURSOR, last_event_id=start, updated_at=utcnow())
        .on_conflict_do_nothing()
    )
    value = await writer.scalar(stmt)
    await writer.commit()
    return int(value or 0)


def ordering_key(event: Event) -> str | None:
    if event.ticket_id is not None:
        return f"ticket:{event.ticket_id}"
    return f"{event.entity_type}:{event.entity_id}"


async def _build(session: AsyncSession, events: list[Event]) -> list[dict[str, Any]]:
    """The delivery rows for ``events`` (nothing is written here)."""
    accounts = {e.account_id for e in events}
    subs = list(
        await session.scalars(
            select(WebhookSubscription)
            .where(
                WebhookSubscription.account_id.in_(accounts),
                WebhookSubscription.is_active.is_(True),
            )
            .order_by(WebhookSubscription.id)
        )
    )
    if not subs:
        return []
    registry = flavours()
    rows: list[dict[str, Any]] = []
    now = utcnow()
    by_flavour: dict[str, list[WebhookSubscription]] = {}
    for sub in subs:
        if sub.flavour in registry:
            by_flavour.setdefault(sub.flavour, []).append(sub)
    for name, flavour_subs in by_flavour.items():
        flavour: Flavour = registry[name]
        wanted = {
            e.id: e
            for e in events
            if (wire := flavour.event_name(e)) is not None
            and any(s.account_id == e.account_id and wire in s.events for s in flavour_subs)
        }
        if not wanted:
            continue
        built = await flavour.build(session, list(wanted.values()))
        for event_id, b in built.items():
            event = wanted[event_id]
            body = msgspec.json.encode(b.payload).decode()
            for sub in flavour_subs:
                if (
                    sub.account_id == event.account_id
                    and b.event_type in sub.events
                    and sub.created_at <= event.created_at
                ):
                    rows.append(
                        {
                            "public_id": uuid.uuid4(),
                            "account_id": event.account_id,
                            "subscription_id": sub.id,
                            "event_id": event.id,
                            "event_public_id": event.public_id,
                            "event_type": b.event_type,
                            "ordering_key": ordering_key(event),
                            "payload": body,
                            "status": PENDING,
                            "attempts": 0,
                            "next_attempt_at": now,
                            "last_error": "",
                            "is_test": False,
                            "is_redelivery": False,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
    rows.sort(key=lambda r: (r["event_id"], r["subscription_id"]))
    return rows


async def _candidates(session: AsyncSession, cursor: int, batch: int) -> list[Event]:
    marked = exists().where(WebhookFanout.event_id == Event.id)
    stmt = select(Event).where(Event.id > cursor, ~marked).order_by(Event.id).limit(batch)
    if dialect_name(session) == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=Event)
    return list(await session.scalars(stmt))


async def _mark(session: AsyncSession, event_ids: list[int]) -> set[int]:
    if not event_ids:
        return set()
    now = utcnow()
    return set(
        await session.scalars(
            insert_for(session, WebhookFanout)
            .values([{"event_id": i, "created_at": now} for i in event_ids])
            .on_conflict_do_nothing()
            .returning(WebhookFanout.event_id)
        )
    )


async def fanout_pass(
    session: AsyncSession, *, read_session: AsyncSession | None = None, batch: int = BATCH
) -> tuple[int, int]:
    """Fan out up to ``batch`` events; returns (events handled, deliveries queued).

    On PostgreSQL everything happens in ``session``'s transaction, the events locked
    (``SKIP LOCKED``) so concurrent workers take different ones. On SQLite, where a
    writing transaction blocks every other writer, payloads are built in
    ``read_session`` (no write lock) and only the marks and deliveries are written."""
    reader = read_session or session
    cursor = await _cursor(reader, session)
    found = await _candidates(reader, cursor, batch)
    rows = await _build(reader, found) if found else []
    found_ids = [e.id for e in found]
    if read_session is not None:
        await read_session.rollback()  # end the read snapshot before writing
    claimed = await _mark(session, found_ids)
    rows = [r for r in rows if r["event_id"] in claimed]
    if rows:
        await session.execute(insert(WebhookDelivery), rows)
    await _advance(session, cursor, found_ids, batch)
    await session.commit()
    return len(claimed), len(rows)


async def _advance(session: AsyncSession, cursor: int, found: list[int], batch: int) -> None:
    settled = await session.scalar(
        select(func.max(Event.id)).where(Event.id > cursor, Event.created_at < utcnow() - GRACE)
    )
    if settled is None:
        return
    new = int(settled)
    if len(found) >= batch:
        new = min(new, found[-1])
    if new <= cursor:
        return
    await session.execute(
        update(WorkerCursor)
        .where(WorkerCursor.name == CURSOR, WorkerCursor.last_event_id < new)
        .values(last_event_id=new, updated_at=utcnow())
    )
    await session.execute(delete(WebhookFanout).where(WebhookFanout.event_id <= new))
