"""An order's items: replaced as a whole whenever an upsert or a PATCH sends ``items``."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from msgspec import UNSET
from sqlalchemy import BigInteger, delete, select, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.base import table_of
from ticketry.domain.bulk import RowsInsert
from ticketry.domain.orders.commands import OrderItemData
from ticketry.domain.orders.models import OrderItem
from ticketry.domain.tickets.commands import PriceData

_INSERT = RowsInsert(
    table_of(OrderItem),
    columns=(
        "public_id",
        "position",
        "name",
        "code",
        "ean",
        "variant",
        "amount",
        "item_type",
        "total_price_with_vat",
        "total_price_without_vat",
        "total_price_vat",
        "order_id",  # last: set once the order has its id
    ),
    const=("account_id", "created_at", "updated_at"),
)


def _part(price: PriceData | None, part: str) -> Any:
    if price is None:
        return None
    value = getattr(price, part)
    return None if value is UNSET else value


def item_rows(
    dialect: Dialect, items: Sequence[OrderItemData], public_ids: Iterable[uuid.UUID]
) -> list[list[Any]]:
    """The rows of an order's items, values as stored and the order id still unset: made
    before the transaction begins, written by ``items_replace``."""
    rows: list[list[Any]] = []
    for position, (item, public_id) in enumerate(zip(items, public_ids, strict=False)):
        price = item.total_price
        rows.append(
            [
                public_id,
                position,
                item.name,
                item.code,
                item.ean,
                item.variant,
                item.amount if item.amount is not None else 1,
                item.item_type or "PRODUCT",
                _part(price, "with_vat"),
                _part(price, "without_vat"),
                _part(price, "vat"),
                None,
            ]
        )
    return _INSERT.stored(dialect, rows)


# What an item is, as stored: the columns after public_id in an ``item_rows`` row.
_SAME = ("position", "name", "code", "ean", "variant", "amount", "item_type")
_PRICES = ("total_price_with_vat", "total_price_without_vat", "total_price_vat")


async def _unchanged(session: AsyncSession, rows_by_order: dict[int, list[list[Any]]]) -> set[int]:
    """The orders whose stored items are exactly these rows (ids and timestamps aside)."""
    table = table_of(OrderItem)
    columns = [
        # Amounts as the stored integers, as ``item_rows`` has them.
        type_coerce(table.c[name], BigInteger) if name in ("amount", *_PRICES) else table.c[name]
        for name in (*_SAME, *_PRICES)
    ]
    stored: dict[int, list[tuple[Any, ...]]] = {oid: [] for oid in rows_by_order}
    result = await session.execute(
        select(table.c.order_id, *columns)
        .where(table.c.order_id.in_(list(rows_by_order)))
        .order_by(table.c.order_id, table.c.position, table.c.id)
    )
    for order_id, *values in result:
        stored[order_id].append(tuple(values))
    return {
        oid
        for oid, rows in rows_by_order.items()
        if stored[oid] == [tuple(row[1:-1]) for row in rows]
    }


async def items_replace(
    session: AsyncSession,
    *,
    account_id: int,
    rows_by_order: dict[int, list[list[Any]]],
    new_orders: set[int],
    now: datetime,
) -> set[int]:
    """Replace the items of these orders (rows from ``item_rows``); return the orders
    whose items were replaced. Items the same as those stored are kept as they are (with
    their ids): a re-sent order costs a read instead of a delete and an insert. One read
    and one delete (none when every order is new), one insert (more only past SQLite's
    parameter limit)."""
    if not rows_by_order:
        return set()
    replace = dict(rows_by_order)
    # The ids come from this account's own upsert, so the order id alone scopes the
    # statements; adding account_id would lead SQLite to scan all the account's items.
    known = {oid: rows for oid, rows in rows_by_order.items() if oid not in new_orders}
    if known:
        for oid in await _unchanged(session, known):
            del replace[oid]
            del known[oid]
    if known:
        await session.execute(delete(OrderItem).where(OrderItem.order_id.in_(list(known))))
    rows: list[list[Any]] = []
    for order_id, items in replace.items():
        for row in items:
            row[-1] = order_id
            rows.append(row)
    await _INSERT.execute(
        session, rows, stored=True, account_id=account_id, created_at=now, updated_at=now
    )
    return set(replace)


__all__ = ["item_rows", "items_replace"]
