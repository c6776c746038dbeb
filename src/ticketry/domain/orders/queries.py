"""Reading orders and stores. Items and status history are batch-loaded, never per order."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.errors import NotFound
from ticketry.domain.orders.models import Order, OrderItem, OrderStatusChange, Store
from ticketry.domain.pagination import (
    Page,
    PageRequest,
    ordering_clauses,
    ordering_parse,
    paginate_rows,
)
from ticketry.domain.refs import Ref, ref_clause, ref_id_or_404

ORDERING_FIELDS = ("created_at", "updated_at", "order_date")


@dataclass
class OrderFilter:
    store_id: str | None = None
    code: str | None = None
    updated_at_from: datetime | None = None
    created_at_from: datetime | None = None
    processing_status: str | None = None
    payment_status: str | None = None
    status: str | None = None  # either kind
    # Default: most recently changed first, served by the (account, updated_at, id) index.
    ordering: list[str] = field(default_factory=lambda: ["-updated_at"])


def parse_ordering(raw: str | None) -> list[str]:
    return ordering_parse(raw, fields=ORDERING_FIELDS, default="-updated_at")


@dataclass
class OrderView:
    order: RowMapping
    items: list[RowMapping] = field(default_factory=list)
    statuses: list[RowMapping] = field(default_factory=list)


def _base_select(account_id: int) -> Select[Any]:
    return (
        select(Order.__table__, Store.code.label("store_code"))
        .join(Store, Store.id == Order.store_id)
        .where(Order.account_id == account_id)
    )


def _conditions(account_id: int, flt: OrderFilter) -> list[Any]:
    where: list[Any] = [Order.account_id == account_id]
    if flt.store_id is not None:
        where.append(
            Order.store_id.in_(
                select(Store.id).where(Store.account_id == account_id, Store.code == flt.store_id)
            )
        )
    if flt.code is not None:
        where.append(Order.code == flt.code)
    if flt.updated_at_from is not None:
        where.append(Order.updated_at >= flt.updated_at_from)
    if flt.created_at_from is not None:
        where.append(Order.created_at >= flt.created_at_from)
    if flt.processing_status is not None:
        where.append(Order.processing_status == flt.processing_status)
    if flt.payment_status is not None:
        where.append(Order.payment_status == flt.payment_status)
    if flt.status is not None:
        where.append(or_(Order.processing_status == flt.status, Order.payment_status == flt.status))
    return where


async def order_views(
    session: AsyncSession, account_id: int, rows: list[RowMapping]
) -> list[OrderView]:
    """Attach items and status history: two queries for any page size."""
    views = [OrderView(order=row) for row in rows]
    if not views:
        return views
    by_id = {v.order["id"]: v for v in views}
    ids = list(by_id)
    items = await session.execute(
        select(OrderItem.__table__)
        .where(OrderItem.order_id.in_(ids), OrderItem.account_id == account_id)
        .order_by(OrderItem.order_id, OrderItem.position, OrderItem.id)
    )
    for irow in items.mappings():
        by_id[irow["order_id"]].items.append(irow)
    history = await session.execute(
        select(
            OrderStatusChange.order_id,
            OrderStatusChange.kind,
            OrderStatusChange.name,
            OrderStatusChange.date,
        )
        .where(OrderStatusChange.order_id.in_(ids), OrderStatusChange.account_id == account_id)
        .order_by(OrderStatusChange.order_id, OrderStatusChange.date, OrderStatusChange.id)
    )
    for hrow in history.mappings():
        by_id[hrow["order_id"]].statuses.append(hrow)
    return views


async def order_list(
    session: AsyncSession, *, account_id: int, flt: OrderFilter, page: PageRequest
) -> Page[OrderView]:
    where = _conditions(account_id, flt)
    stmt = _base_select(account_id).where(*where).order_by(*ordering_clauses(Order, flt.ordering))
    # Counting needs no join: the store filter is a subquery on the order's own column.
    count_stmt = select(func.count()).select_from(Order).where(*where)
    result = await paginate_rows(session, stmt, page, count_stmt=count_stmt)
    views = await order_views(session, account_id, [r._mapping for r in result.items])
    return Page(items=views, count=result.count, page=result.page, page_size=result.page_size)


async def order_get(session: AsyncSession, *, account_id: int, ref: Ref) -> OrderView:
    row = (await session.execute(_base_select(account_id).where(ref_clause(Order, ref)))).first()
    if row is None:
        raise NotFound()
    (view,) = await order_views(session, account_id, [row._mapping])
    return view


async def order_id_for(session: AsyncSession, *, account_id: int, ref: Ref) -> int:
    """The order's integer id, or NotFound: a 404 comes before any body validation."""
    return await ref_id_or_404(session, Order, account_id=account_id, ref=ref)


async def store_list(
    session: AsyncSession, *, account_id: int, page: PageRequest
) -> Page[RowMapping]:
    stmt = (
        select(Store.__table__).where(Store.account_id == account_id).order_by(Store.code, Store.id)
    )
    result = await paginate_rows(session, stmt, page)
    return Page(
        items=[r._mapping for r in result.items],
        count=result.count,
        page=result.page,
        page_size=result.page_size,
    )
