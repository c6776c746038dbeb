"""Recording finished attempts in batches: a few statements for any number of results.

For a batch of results, in the caller's transaction: one ``SELECT … FOR UPDATE`` of the
deliveries (in id order) to see which leases still hold, one executemany ``UPDATE`` of
their state, one multi-row ``INSERT`` of the attempts, and one locked read (in id order)
of the subscriptions whose health changes (usually none: a busy healthy endpoint's row is
written at most once a minute) with an ``UPDATE`` for each that does. A result whose
lease was lost (another worker took the delivery over after the lease ran out) is
dropped: the other worker's record wins.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.base import table_of
from ticketry.domain.types import UTCDateTime, utcnow
from ticketry.domain.upsert import dialect_name
from ticketry.domain.webhooks.models import (
    FAILED,
    PENDING,
    SUCCEEDED,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from ticketry.settings import Settings
from ticketry.worker.deliver import Claimed, Outcome

GONE = 410


def retry_delay(attempts: int, settings: Settings) -> float:
    """Seconds before attempt ``attempts + 1``: base, doubling, capped."""
    base = settings.webhook_retry_base_seconds
    return float(min(base * (2 ** max(attempts - 1, 0)), settings.webhook_retry_cap_seconds))


def _next_state(
    item: Claimed, outcome: Outcome, settings: Settings, now: datetime
) -> dict[str, Any]:
    state: dict[str, Any] = {
        "b_id": item.id,
        "b_status_code": outcome.status_code,
        "b_error": outcome.error[:500],
        "b_next": None,
        "b_delivered": None,
    }
    if outcome.success:
        state.update(b_status=SUCCEEDED, b_delivered=now)
    elif outcome.status_code == GONE or item.is_test:
        state.update(b_status=FAILED)
    else:
        next_at = now + timedelta(seconds=retry_delay(item.attempts, settings))
        if next_at > item.created_at + timedelta(seconds=settings.webhook_give_up_seconds):
            state.update(b_status=FAILED)
        else:
            state.update(b_status=PENDING, b_next=next_at)
    return state


_d = table_of(WebhookDelivery)
_UPDATE = (
    update(_d)
    .where(_d.c.id == bindparam("b_id"))
    .values(
        status=bindparam("b_status", type_=String()),
        lease=None,
        locked_until=None,
        last_status_code=bindparam("b_status_code", type_=Integer()),
        last_error=bindparam("b_error", type_=String()),
        next_attempt_at=func.coalesce(
            bindparam("b_next", type_=UTCDateTime()), _d.c.next_attempt_at
        ),
        delivered_at=func.coalesce(
            bindparam("b_delivered", type_=UTCDateTime()), _d.c.delivered_at
        ),
        updated_at=bindparam("b_now", type_=UTCDateTime()),
    )
)


# Which results still hold their lease; on PostgreSQL the rows are locked in id order.
_HELD = (
    select(_d.c.id, _d.c.lease)
    .where(_d.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(_d.c.id)
)
_HELD_FOR_UPDATE = _HELD.with_for_update()
_s = table_of(WebhookSubscription)


async def record(
    session: AsyncSession, results: Sequence[tuple[Claimed, Outcome]], settings: Settings
) -> int:
    """Store ``results`` (in the order the attempts finished) and decide what comes next
    for each delivery, in the caller's transaction. Returns the successes recorded."""
    if not results:
        return 0
    now = utcnow()
    conn = await session.connection()
    held_stmt = _HELD_FOR_UPDATE if dialect_name(session) == "postgresql" else _HELD
    ids = sorted({item.id for item, _ in results})
    held = {row.id: row.lease for row in (await conn.execute(held_stmt, {"ids": ids})).all()}
    kept = [(item, out) for item, out in results if held.get(item.id) == item.lease]
    if not kept:
        return 0
    await conn.execute(
        _UPDATE, [{**_next_state(item, out, settings, now), "b_now": now} for item, out in kept]
    )
    await conn.execute(
        insert(table_of(WebhookAttempt)),
        [
            {
                "public_id": uuid.uuid4(),
                "account_id": item.account_id,
                "delivery_id": item.id,
                "status_code": out.status_code,
                "duration_ms": out.duration_ms,
                "response_excerpt": out.excerpt,
                "error": out.error[:500],
                "success": out.success,
                "created_at": now,
                "updated_at": now,
            }
            for item, out in kept
        ],
    )
    by_subscription: dict[int, list[Outcome]] = {}
    for item, out in kept:
        if not item.is_test:  # test events do not count towards disabling
            by_subscription.setdefault(item.subscription_id, []).append(out)
    await _subscription_health(session, by_subscription, settings, now)
    return sum(1 for _, out in kept if out.success)


# Health rows that change: those with failures, and healthy ones whose record is not
# already clean and fresh. Only they are read, locked in id order (concurrent workers
# cannot deadlock), FOR NO KEY UPDATE (the fan-out's inserts of deliveries, a foreign key
# to the row, go on), so a busy healthy endpoint's row is written at most once a minute.
_CHANGING = (
    select(_s.c.id, _s.c.consecutive_failures, _s.c.failing_since, _s.c.is_active)
    .where(
        or_(
            and_(
                _s.c.id.in_(bindparam("healthy", expanding=True)),
                or_(
                    _s.c.consecutive_failures != 0,
                    _s.c.failing_since.is_not(None),
                    _s.c.last_success_at.is_(None),
                    _s.c.last_success_at < bindparam("fresh", type_=UTCDateTime()),
                ),
            ),
            _s.c.id.in_(bindparam("failing", expanding=True)),
        )
    )
    .order_by(_s.c.id)
)
_CHANGING_FOR_UPDATE = _CHANGING.with_for_update(key_share=True)


async def _subscription_health(
    session: AsyncSession,
    outcomes: dict[int, list[Outcome]],
    settings: Settings,
    now: datetime,
) -> None:
    """Success resets a subscription's failure count; failures add to it and may disable
    it (410 at once; otherwise after enough failures over enough time). ``outcomes`` are
    each subscription's, in the order they finished."""
    if not outcomes:
        return
    c = _s.c
    healthy = [sub_id for sub_id, outs in outcomes.items() if all(o.success for o in outs)]
    failing = [sub_id for sub_id in outcomes if sub_id not in set(healthy)]
    stmt = _CHANGING_FOR_UPDATE if dialect_name(session) == "postgresql" else _CHANGING
    params = {"healthy": healthy, "failing": failing, "fresh": now - timedelta(seconds=60)}
    rows = await (await session.connection()).execute(stmt, params)
    for sub_id, consecutive, failing_since, is_active in rows.all():
        outs = outcomes[sub_id]
        values: dict[str, Any] = {}
        last_success = max((i for i, o in enumerate(outs) if o.success), default=None)
        if last_success is not None:
            consecutive, failing_since = 0, None
            values.update(last_success_at=now)
        failures = len(outs) - (last_success + 1 if last_success is not None else 0)
        consecutive += failures
        if failing_since is None and failures:
            failing_since = now
        values.update(consecutive_failures=consecutive, failing_since=failing_since)
        reason = ""
        if any(o.status_code == GONE for o in outs):
            reason = "The endpoint answered 410 Gone."
        elif (
            failing_since is not None
            and consecutive >= settings.webhook_disable_after_failures
            and now - failing_since >= timedelta(seconds=settings.webhook_disable_after_seconds)
        ):
            reason = (
                f"Every attempt failed for {settings.webhook_disable_after_seconds / 3600:g} h "
                f"({consecutive} attempts)."
            )
        if reason and is_active:
            values.update(is_active=False, disabled_at=now, disabled_reason=reason[:200])
        await session.execute(update(_s).where(c.id == sub_id).values(**values))


_RELEASE = (
    update(_d)
    .where(_d.c.id == bindparam("b_id"), _d.c.lease == bindparam("b_lease"))
    .values(
        status=PENDING,
        lease=None,
        locked_until=None,
        # The attempt was cut short before it had an answer: it does not count.
        attempts=_d.c.attempts - 1,  # the claim counted it
        next_attempt_at=bindparam("b_now", type_=UTCDateTime()),
        updated_at=bindparam("b_now", type_=UTCDateTime()),
    )
)


async def release(session: AsyncSession, items: Sequence[Claimed]) -> None:
    """Hand back deliveries claimed but not sent to the end (a worker stopping), in the
    caller's transaction: due at once, for any worker, as if never claimed. A lease that
    is no longer this worker's is left alone."""
    if not items:
        return
    now = utcnow()
    conn = await session.connection()
    await conn.execute(
        _RELEASE, [{"b_id": item.id, "b_lease": item.lease, "b_now": now} for item in items]
    )
