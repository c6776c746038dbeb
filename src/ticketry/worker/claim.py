"""Claiming due deliveries, fairly across subscriptions and accounts.

A delivery is claimable when it is due (pending and ``next_attempt_at`` has come, or
claimed by a worker whose lease ran out), its subscription is enabled, and no earlier
delivery with the same ordering key to the same subscription is still open: the events of
one ticket (one order, one credit note) reach an endpoint one at a time, in order.

Fairness, so that a failing or slow endpoint delays only itself:

- **per-subscription cap**: a subscription has at most ``webhook_subscription_concurrency``
  deliveries in flight (over every worker's unexpired leases; two workers claiming at the
  same moment may briefly exceed it), so a backlog of due retries cannot take every slot;
- **least busy first**: free slots go round robin, first between accounts (the account
  with the fewest deliveries in flight first), then between that account's subscriptions
  (likewise), oldest delivery first within a subscription. ``due_in_order`` ranks the due
  deliveries so with two window functions; nothing is taken strictly by id.

That ranking reads every due delivery, so a worker does not run it on every tick: it keeps
a ``Schedule`` of the next few slots' worth and reads again only when the schedule has
nothing left to give and something may have changed. Each tick then claims the ids it
picks with one statement, ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)
RETURNING`` on PostgreSQL (concurrent workers skip each other's rows; the conditions are
checked again on the locked row), the same inside SQLite's single write transaction. A
claim takes a lease (``locked_until``) and a lease token; an attempt is recorded only while
the token still matches (``worker/record.py``). The caller commits.
"""

from __future__ import annotations

import math
import secrets
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.base import table_of
from ticketry.domain.types import UTCDateTime, utcnow
from ticketry.domain.upsert import dialect_name
from ticketry.domain.webhooks.models import (
    OPEN_STATES,
    PENDING,
    SENDING,
    WebhookDelivery,
    WebhookSubscription,
)
from ticketry.worker.deliver import Claimed


def _now() -> BindParameter[datetime]:
    return bindparam("now", type_=UTCDateTime())


def _due(d: Any) -> ColumnElement[bool]:
    now = _now()
    return or_(
        and_(d.status == PENDING, d.next_attempt_at <= now),
        and_(d.status == SENDING, d.locked_until < now),
    )


# Core tables: these statements run on every tick, the ORM layer would only add work.
_D = table_of(WebhookDelivery)
_S = table_of(WebhookSubscription)


def _unblocked(d: Any) -> ColumnElement[bool]:
    """No earlier delivery with the same ordering key to the same subscription is open."""
    earlier = _D.alias("earlier").c
    return or_(
        d.ordering_key.is_(None),
        ~exists().where(
            earlier.subscription_id == d.subscription_id,
            earlier.ordering_key == d.ordering_key,
            earlier.event_id < d.event_id,
            earlier.status.in_(OPEN_STATES),
        ),
    )


def _fair_order() -> Select[Any]:
    """Up to ``:limit`` claimable deliveries (id, subscription, that subscription's
    deliveries in flight), in the order free slots should go to them."""
    now = _now()
    d = _D.alias("d").c
    busy = _D.alias("busy").c
    in_flight = and_(busy.status == SENDING, busy.locked_until >= now)
    sub_busy = (
        select(busy.subscription_id.label("id"), func.count().label("n"))
        .where(in_flight)
        .group_by(busy.subscription_id)
        .subquery("sub_busy")
    )
    account_busy = (
        select(busy.account_id.label("id"), func.count().label("n"))
        .where(in_flight)
        .group_by(busy.account_id)
        .subquery("account_busy")
    )
    # A subscription's load if this delivery were the next one it gets.
    sub_load = func.coalesce(sub_busy.c.n, 0) + func.row_number().over(
        partition_by=d.subscription_id, order_by=d.id
    )
    due = (
        select(
            d.id,
            d.account_id,
            d.subscription_id,
            func.coalesce(sub_busy.c.n, 0).label("busy"),
            sub_load.label("sub_load"),
        )
        .join(_S, _S.c.id == d.subscription_id)
        .outerjoin(sub_busy, sub_busy.c.id == d.subscription_id)
        .where(_S.c.is_active.is_(True), _due(d), _unblocked(d))
        .subquery("due")
    )
    # Likewise for the account, its subscriptions taking turns least busy first.
    account_load = func.coalesce(account_busy.c.n, 0) + func.row_number().over(
        partition_by=due.c.account_id, order_by=(due.c.sub_load, due.c.id)
    )
    ranked = (
        select(due.c.id, due.c.subscription_id, due.c.busy, account_load.label("account_load"))
        .outerjoin(account_busy, account_busy.c.id == due.c.account_id)
        .subquery("ranked")
    )
    return (
        select(ranked.c.id, ranked.c.subscription_id, ranked.c.busy)
        .order_by(ranked.c.account_load, ranked.c.id)
        .limit(bindparam("limit", type_=Integer))
    )


def _claim_statement(dialect: str) -> Any:
    d = _D.c
    locked_table = _D.alias("locked")
    locked = locked_table.c
    later = _D.alias("later").c
    picked = select(locked.id).where(
        locked.id.in_(bindparam("ids", expanding=True)),
        # As the rows are now (PostgreSQL checks the locked row again).
        _due(locked),
        _unblocked(locked),
        exists().where(_S.c.id == locked.subscription_id, _S.c.is_active.is_(True)),
    )
    if dialect == "postgresql":
        picked = picked.with_for_update(skip_locked=True, of=locked_table)
    # Whether a later delivery waits for this one (its result may unblock it).
    waiting = (
        exists()
        .where(
            d.ordering_key.is_not(None),
            later.subscription_id == d.subscription_id,
            later.ordering_key == d.ordering_key,
            later.event_id > d.event_id,
            later.status == PENDING,
        )
        .label("waiting")
    )
    return (
        update(_D)
        .where(d.id.in_(picked.scalar_subquery()))
        .values(
            status=SENDING,
            lease=bindparam("lease", type_=String()),
            locked_until=bindparam("locked_until", type_=UTCDateTime()),
            attempts=d.attempts + 1,
            updated_at=_now(),
        )
        .returning(
            d.id,
            d.public_id,
            d.account_id,
            d.subscription_id,
            d.event_public_id,
            d.event_type,
            d.payload,
            d.attempts,
            d.created_at,
            d.is_test,
            waiting,
            *(  # the subscription's, in the same round trip
                select(column).where(_S.c.id == d.subscription_id).scalar_subquery().label(name)
                for name, column in (
                    ("url", _S.c.url),
                    ("secret", _S.c.secret),
                    ("flavour", _S.c.flavour),
                )
            ),
        )
    )


# Built once per dialect: a read or a claim binds its values instead of building the SQL.
_STATEMENTS: dict[str, Any] = {}


def _statement(name: str, dialect: str) -> Any:
    key = f"{name}:{dialect}"
    if key not in _STATEMENTS:
        _STATEMENTS[key] = _claim_statement(dialect) if name == "claim" else _fair_order()
    return _STATEMENTS[key]


@dataclass
class Due:
    id: int
    subscription_id: int


async def due_in_order(session: AsyncSession, *, limit: int) -> tuple[list[Due], dict[int, int]]:
    """Up to ``limit`` claimable deliveries in the order free slots should go to them,
    and the deliveries each of their subscriptions has in flight (a read: on SQLite it
    takes no write lock)."""
    conn = await session.connection()
    rows = (
        await conn.execute(
            _statement("order", dialect_name(session)), {"now": utcnow(), "limit": limit}
        )
    ).all()
    return [Due(r.id, r.subscription_id) for r in rows], {r.subscription_id: r.busy for r in rows}


STALE_READS = 10  # a schedule with work left is read again after this many max_age


class Schedule:
    """What this worker claims next: a read of ``due_in_order`` (``size`` deliveries),
    handed out to free slots in its order while each subscription stays under
    ``per_subscription`` deliveries in flight.

    It is read again when it has nothing left to hand out and something may have changed:
    ``changed()`` (an attempt that later ones waited for, a lost claim), the last read was
    cut off at ``size``, or ``max_age`` seconds passed (retries come due, other workers).
    The worker's own new deliveries are ``add``-ed without a read. While it still has work
    it is read again at most every ``max_age`` after a change (or every ``STALE_READS *
    max_age``), so newcomers are not kept behind a long backlog for more than that."""

    def __init__(self, *, per_subscription: int, size: int, max_age: float) -> None:
        self.per_subscription = per_subscription
        self.size = size
        self.max_age = max_age
        self._queue: deque[Due] = deque()
        self._others: dict[int, int] = {}  # subscription → in flight at other workers
        self._read_at = -math.inf
        self._complete = False
        self._changed = True

    def changed(self) -> None:
        self._changed = True

    def add(self, dues: list[Due]) -> None:
        """New deliveries (this worker's fan-out): they take their turn after the rest."""
        self._queue.extend(dues)

    def _room(self, sub_id: int, own: Mapping[int, int]) -> int:
        return self.per_subscription - self._others.get(sub_id, 0) - own.get(sub_id, 0)

    def wants_read(self, own: Mapping[int, int], now: float) -> bool:
        age = now - self._read_at
        if any(self._room(due.subscription_id, own) > 0 for due in self._queue):
            # Work is left: read early only so that others (new deliveries, retries come
            # due) get their turn behind a long backlog.
            return age >= self.max_age and (self._changed or age >= STALE_READS * self.max_age)
        return self._changed or age >= self.max_age or (not self._queue and not self._complete)

    def replace(
        self, dues: list[Due], busy: dict[int, int], own: Mapping[int, int], now: float
    ) -> None:
        self._queue = deque(dues)
        self._others = {sub: max(n - own.get(sub, 0), 0) for sub, n in busy.items()}
        self._read_at = now
        self._complete = len(dues) < self.size
        self._changed = False

    def pick(self, free: int, own: Mapping[int, int]) -> list[int]:
        """Ids for up to ``free`` slots, taken out of the schedule."""
        picked: list[int] = []
        taken: dict[int, int] = {}
        kept: deque[Due] = deque()
        while self._queue and len(picked) < free:
            due = self._queue.popleft()
            if due.id in picked:
                continue  # read back and added by the fan-out both
            if self._room(due.subscription_id, own) - taken.get(due.subscription_id, 0) > 0:
                picked.append(due.id)
                taken[due.subscription_id] = taken.get(due.subscription_id, 0) + 1
            else:
                kept.append(due)
        kept.extend(self._queue)
        self._queue = kept
        return picked


async def claim(session: AsyncSession, *, ids: list[int], lease_seconds: float) -> list[Claimed]:
    """Claim the deliveries ``ids`` that are still claimable, in the caller's transaction."""
    if not ids:
        return []
    now = utcnow()
    lease = secrets.token_hex(16)
    params = {
        "ids": ids,
        "now": now,
        "lease": lease,
        "locked_until": now + timedelta(seconds=lease_seconds),
    }
    conn = await session.connection()
    rows = (await conn.execute(_statement("claim", dialect_name(session)), params)).all()
    claimed: list[Claimed] = []
    for r in sorted(rows, key=lambda r: r.id):
        claimed.append(
            Claimed(
                id=r.id,
                public_id=str(r.public_id),
                account_id=r.account_id,
                subscription_id=r.subscription_id,
                event_public_id=str(r.event_public_id),
                event_type=r.event_type,
                payload=r.payload,
                attempts=r.attempts,
                lease=lease,
                created_at=r.created_at,
                is_test=r.is_test,
                url=r.url,
                secret=r.secret,
                flavour=r.flavour,
                waited_for=bool(r.waiting),
            )
        )
    return claimed
