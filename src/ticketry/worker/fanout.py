"""Outbox → deliveries: each new event becomes one delivery per matching subscription.

Events are read in id order above this worker's *horizon* (kept in memory, starting at the
persisted cursor), so a pass reads only what is new. Ids are handed out before commit, so
an event with a lower id can become visible after one with a higher id: the ids a pass
steps over are remembered as *gaps* (ranges) and looked at again on every pass until their
events turn up or ``GRACE`` has passed (no transaction stays open that long). Every event
processed is marked in ``webhook_fanout``; several workers may fan out at once: on
PostgreSQL they skip each other's locked events, and the mark is inserted with ``ON
CONFLICT DO NOTHING`` so only one of them queues deliveries. The persisted cursor moves
(``cursor_advance``, now and then) only past ids the worker had looked at ``GRACE`` ago,
after which their marks are deleted; every read is bounded below by it, in the same
statement, so an event whose mark is gone is never taken again.

Payloads are built for a whole batch at once (each flavour loads the batch's tickets
together). On SQLite, where a writing transaction blocks every other writer, they are built
in a read-only session and only the marks and deliveries are written, in a short
transaction.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from bisect import bisect_left, bisect_right
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, NamedTuple

import msgspec
from sqlalchemy import ScalarSelect, delete, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.events.models import Event
from ticketry.domain.types import utcnow
from ticketry.domain.upsert import dialect_name, insert_for
from ticketry.domain.webhooks.flavours import Flavour, Flavours
from ticketry.domain.webhooks.models import (
    PENDING,
    WebhookDelivery,
    WebhookFanout,
    WebhookSubscription,
    WorkerCursor,
)

CURSOR = "webhooks"
GRACE = timedelta(minutes=5)
BATCH = 500  # events whose payloads are built and written per pass
SCAN = 4 * BATCH  # ids looked at per pass (events already marked are only skipped)
MAX_GAPS = 256  # gap ranges kept; beyond that the oldest are merged


@dataclass
class Gap:
    """Ids ``lo``..``hi`` stepped over while not (yet) visible, first missed at ``since``."""

    lo: int
    hi: int
    since: float


@dataclass
class Horizon:
    """What one worker has looked at: every id up to ``seen`` except the ``gaps``."""

    seen: int | None = None
    gaps: list[Gap] = field(default_factory=list)
    # (monotonic time, seen): once GRACE old, everything up to ``seen`` is settled.
    checkpoints: deque[tuple[float, int]] = field(default_factory=deque)

    def looked_at(self, top: int, above: list[int], in_gaps: list[int], now: float) -> None:
        """A pass read the ids above ``seen`` up to ``top`` (``above``: those it found, in
        order) and found ``in_gaps`` inside the gaps: remember what it stepped over, forget
        what turned up, give up on gaps older than GRACE."""
        assert self.seen is not None
        found = sorted(in_gaps)
        gaps: list[Gap] = []
        for gap in self.gaps:
            if gap.since <= now - GRACE.total_seconds():
                continue  # given up (what turned up in it is handled all the same)
            lo = gap.lo
            for i in found[bisect_left(found, gap.lo) : bisect_right(found, gap.hi)]:
                if i > lo:
                    gaps.append(Gap(lo, i - 1, gap.since))
                lo = i + 1
            if lo <= gap.hi:
                gaps.append(Gap(lo, gap.hi, gap.since))
        lo = self.seen + 1
        for i in above:
            if i > top:
                break
            if i > lo:
                gaps.append(Gap(lo, i - 1, now))
            lo = i + 1
        if lo <= top:
            gaps.append(Gap(lo, top, now))
        while len(gaps) > MAX_GAPS:  # merge the two lowest (rechecking more, for longer)
            first, second = gaps[0], gaps[1]
            gaps[0:2] = [Gap(first.lo, second.hi, max(first.since, second.since))]
        self.gaps = gaps
        if top > self.seen:
            self.seen = top
            if not self.checkpoints or self.checkpoints[-1][0] < now - 1.0:
                self.checkpoints.append((now, top))

    def settled(self, now: float) -> int | None:
        """The highest id every event up to which has been handled or given up on."""
        value = None
        while self.checkpoints and self.checkpoints[0][0] <= now - GRACE.total_seconds():
            value = self.checkpoints.popleft()[1]
        return value


def _cursor_value() -> ScalarSelect[Any]:
    return (
        select(func.coalesce(func.max(WorkerCursor.last_event_id), 0))
        .where(WorkerCursor.name == CURSOR)
        .scalar_subquery()
    )


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


async def _build(
    session: AsyncSession, events: list[Event], registry: Flavours
) -> list[dict[str, Any]]:
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


class Fanned(NamedTuple):
    events: int  # handled by the pass
    deliveries: list[tuple[int, int]]  # queued: (id, subscription id)


@dataclass
class _Looked:
    events: list[Event]  # not marked yet: to fan out (locked on PostgreSQL)
    top: int  # the highest id looked at
    above: list[int]  # ids found above the horizon, up to ``top``, in order
    in_gaps: list[int]  # ids found inside the gaps


async def _candidates(session: AsyncSession, horizon: Horizon, batch: int) -> _Looked:
    """One read above the horizon (and one of the gaps, if any): the events with whether
    each is marked already. On PostgreSQL the rows are locked, skipping those another
    worker holds (they look like gaps, and are looked at again)."""
    assert horizon.seen is not None
    cursor = _cursor_value()
    marked = exists().where(WebhookFanout.event_id == Event.id).label("marked")
    pg = dialect_name(session) == "postgresql"

    async def read(*where: Any, limit: int | None = None) -> list[tuple[Event, bool]]:
        stmt = select(Event, marked).where(*where, Event.id > cursor).order_by(Event.id)
        if limit is not None:
            stmt = stmt.limit(limit)
        if pg:
            stmt = stmt.with_for_update(skip_locked=True, of=Event)
        return [(event, bool(done)) for event, done in (await session.execute(stmt)).all()]

    above = await read(Event.id > horizon.seen, limit=SCAN)
    again: list[tuple[Event, bool]] = []
    if horizon.gaps:
        again = await read(or_(*(Event.id.between(g.lo, g.hi) for g in horizon.gaps)))
    top = above[-1][0].id if len(above) else horizon.seen
    events = [event for event, done in again if not done]
    taken = 0
    for event, done in above:
        if done:
            continue
        if taken >= batch:
            top = event.id - 1  # the rest is looked at next pass
            break
        events.append(event)
        taken += 1
    return _Looked(
        events=events,
        top=top,
        above=[e.id for e, _ in above if e.id <= top],
        in_gaps=[e.id for e, _ in again],
    )


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
    session: AsyncSession,
    *,
    flavours: Flavours,
    read_session: AsyncSession | None = None,
    horizon: Horizon | None = None,
    batch: int = BATCH,
    write_lock: contextlib.AbstractAsyncContextManager[Any] | None = None,
) -> Fanned:
    """Fan out up to ``batch`` new events: the events handled and the deliveries queued.

    On PostgreSQL everything happens in ``session``'s transaction, the events locked
    (``SKIP LOCKED``) so concurrent workers take different ones. On SQLite payloads are
    built in ``read_session`` (no write lock) and only the marks and deliveries are
    written, inside ``write_lock`` (the worker's own writers take turns instead of
    waiting on SQLite's busy timeout). ``horizon`` carries what was looked at from one
    pass to the next; without one, the pass starts from the cursor."""
    reader = read_session or session
    horizon = horizon if horizon is not None else Horizon()
    lock = write_lock or contextlib.nullcontext()
    if horizon.seen is None:
        async with lock:
            horizon.seen = await _cursor(reader, session)
        if read_session is not None:
            await read_session.rollback()
    looked = await _candidates(reader, horizon, batch)
    rows = await _build(reader, looked.events, flavours) if looked.events else []
    found = [e.id for e in looked.events]
    if read_session is not None:
        await read_session.rollback()  # end the read snapshot before writing (expires events)
    async with lock:
        claimed = await _mark(session, found)
        rows = [r for r in rows if r["event_id"] in claimed]
        queued: list[tuple[int, int]] = []
        if rows:
            d = WebhookDelivery
            result = await session.execute(
                insert(d).returning(d.id, d.subscription_id, sort_by_parameter_order=True), rows
            )
            queued = [(r.id, r.subscription_id) for r in result]
        await session.commit()
    horizon.looked_at(looked.top, looked.above, looked.in_gaps, time.monotonic())
    return Fanned(len(claimed), queued)


async def cursor_advance(session: AsyncSession, horizon: Horizon) -> int | None:
    """Move the persisted cursor up to what ``horizon`` settled and delete the marks below
    it, in the caller's transaction; returns the new cursor, or None when it stays."""
    settled = horizon.settled(time.monotonic())
    if settled is None:
        return None
    await session.execute(
        update(WorkerCursor)
        .where(WorkerCursor.name == CURSOR, WorkerCursor.last_event_id < settled)
        .values(last_event_id=settled, updated_at=utcnow())
    )
    await session.execute(delete(WebhookFanout).where(WebhookFanout.event_id <= settled))
    return settled
