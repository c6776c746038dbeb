"""An order's items: replaced as a whole whenever an upsert or a PATCH sends ``items``."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from msgspec import UNSET
from sqlalchemy import delete
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


async def items_replace(
    session: AsyncSession,
    *,
    account_id: int,
    rows_by_order: dict[int, list[list[Any]]],
    new_orders: set[int],
    now: datetime,
) -> None:
    """Replace the items of these orders (rows from ``item_rows``): one delete (none when
    every order is new), one insert (more only past SQLite's parameter limit)."""
    if not rows_by_order:
        return
    # The ids come from this account's own upsert, so the order id alone scopes the
    # statement; adding account_id would lead SQLite to scan all the account's items.
    old = [oid for oid in rows_by_order if oid not in new_orders]
    if old:
        await session.execute(delete(OrderItem).where(OrderItem.order_id.in_(old)))
    rows: list[list[Any]] = []
    for order_id, items in rows_by_order.items():
        for row in items:
            row[-1] = order_id
            rows.append(row)
    await _INSERT.execute(
        session, rows, stored=True, account_id=account_id, created_at=now, updated_at=now
    )


__all__ = ["item_rows", "items_replace"]
