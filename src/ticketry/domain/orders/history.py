"""An order's status history, and its current processing and payment status (the latest
entry of each kind: by date, then by the order the entries were added)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.base import table_of
from ticketry.domain.bulk import RowsInsert
from ticketry.domain.ids import uuid4_many
from ticketry.domain.orders.checks import status_kind
from ticketry.domain.orders.commands import StatusData
from ticketry.domain.orders.models import Order, OrderStatusChange

# (kind, canonical name, date): one entry as stored.
Entry = tuple[str, str, datetime]

_INSERT = RowsInsert(
    table_of(OrderStatusChange),
    columns=("order_id", "public_id", "kind", "name", "date"),
    const=("account_id", "created_at", "updated_at"),
)


def status_entries(statuses: Sequence[StatusData], now: datetime) -> list[Entry]:
    """The entries a request sends, as stored: canonical names, a missing date is ``now``,
    a date without a zone is UTC (as the column stores it)."""
    entries: list[Entry] = []
    for status in statuses:
        kind, name = status_kind(status.name) or ("processing", status.name)
        date = status.date or now
        if date.tzinfo is None:
            date = date.replace(tzinfo=UTC)
        entries.append((kind, name, date))
    return entries


def current_statuses(entries: Iterable[Entry]) -> tuple[str, str | None]:
    """The (processing, payment) status of a new order with this history: the latest entry
    of each kind, a later one winning a tie, as ``current_statuses_refresh`` reads it."""
    latest: dict[str, tuple[datetime, str]] = {}
    for kind, name, date in entries:
        seen = latest.get(kind)
        if seen is None or date >= seen[0]:
            latest[kind] = (date, name)
    processing = latest.get("processing")
    payment = latest.get("payment")
    return (processing[1] if processing else "NEW", payment[1] if payment else None)


async def statuses_merge(
    session: AsyncSession,
    *,
    account_id: int,
    entries_by_order: dict[int, list[Entry]],
    new_orders: set[int],
    current_written: Collection[int] = (),
    now: datetime,
) -> None:
    """Add the entries an order does not have yet (same name and date), then make the
    latest processing and payment entries current, except for ``current_written`` orders
    (new ones whose upsert already stored ``current_statuses``). At most three statements
    for any number of orders."""
    if not entries_by_order:
        return
    existing: set[tuple[int, str, datetime]] = set()
    known = [oid for oid in entries_by_order if oid not in new_orders]
    if known:
        # Scoped by the account's own order ids (see items_replace).
        rows = await session.execute(
            select(
                OrderStatusChange.order_id, OrderStatusChange.name, OrderStatusChange.date
            ).where(OrderStatusChange.order_id.in_(known))
        )
        existing = {(oid, name, date) for oid, name, date in rows.all()}
    new_rows: list[list[Any]] = []
    for order_id, entries in entries_by_order.items():
        for kind, name, date in entries:
            key = (order_id, name, date)
            if key in existing:
                continue
            existing.add(key)
            new_rows.append([order_id, None, kind, name, date])
    if not new_rows:
        return
    for row, public_id in zip(new_rows, uuid4_many(len(new_rows)), strict=True):
        row[1] = public_id
    await _INSERT.execute(session, new_rows, account_id=account_id, created_at=now, updated_at=now)
    changed = {row[0] for row in new_rows}.difference(current_written)
    if changed:
        await current_statuses_refresh(session, order_ids=sorted(changed))


def _latest(kind: str) -> Any:
    osc = table_of(OrderStatusChange)
    orders = table_of(Order)
    return (
        select(osc.c.name)
        .where(osc.c.order_id == orders.c.id, osc.c.kind == kind)
        .order_by(osc.c.date.desc(), osc.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


async def current_statuses_refresh(session: AsyncSession, *, order_ids: list[int]) -> None:
    orders = table_of(Order)
    await session.execute(
        update(orders)
        # By primary key only: the ids are the account's own (from its upsert or a locked
        # row), and an account_id term lets a planner prefer scanning the account's orders.
        .where(orders.c.id.in_(order_ids))
        .values(
            processing_status=func.coalesce(_latest("processing"), orders.c.processing_status),
            payment_status=func.coalesce(_latest("payment"), orders.c.payment_status),
        )
    )


__all__ = [
    "Entry",
    "current_statuses",
    "current_statuses_refresh",
    "status_entries",
    "statuses_merge",
]
