"""Upserting orders by their natural key (account, store, code), one or a hundred at once.

The database decides between insert and update (``INSERT … ON CONFLICT DO UPDATE`` on the
unique key), so identical requests racing each other make exactly one order. A batch is
checked in Python first; the valid orders are then written with a constant number of
statements (one upsert per shape of order, one delete and one insert for all items, …).
Should the batch fail in the database anyway, it is rolled back and every order is retried
in a transaction of its own, so one bad order never rejects the others.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from msgspec import UNSET
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import Account, User
from ticketry.domain.base import table_of
from ticketry.domain.errors import ValidationFailed
from ticketry.domain.events.models import Event
from ticketry.domain.orders.binding import order_bind_tickets, ticket_items_bind
from ticketry.domain.orders.checks import (
    ADDRESS_FIELDS,
    CUSTOMER_FIELDS,
    check_order,
    status_kind,
)
from ticketry.domain.orders.commands import OrderData, OrderItemData, StatusData, UpsertResult
from ticketry.domain.orders.models import Order, OrderItem, OrderStatusChange, Store
from ticketry.domain.tickets.commands import PriceData
from ticketry.domain.tickets.models import Ticket
from ticketry.domain.types import utcnow
from ticketry.domain.upsert import insert_for

log = logging.getLogger("ticketry.orders")

MAX_BATCH = 100
_KEY = ("account_id", "store_id", "code")


def store_missing_message(code: str) -> str:
    return f"Store ID '{code}' does not exist"


def _part(price: PriceData | None, part: str) -> Any:
    if price is None:
        return None
    value = getattr(price, part)
    return None if value is UNSET else value


def _mapping(value: dict[str, Any] | None, allowed: tuple[str, ...]) -> dict[str, Any] | None:
    if value is None:
        return None
    return {k: v for k, v in value.items() if k in allowed and v is not None}


def order_columns(data: OrderData) -> dict[str, Any]:
    """The order columns a request sets: only the fields it sent."""
    cols: dict[str, Any] = {}
    for name in ("remote_id", "order_date", "currency", "language"):
        value = getattr(data, name)
        if value is not UNSET:
            cols[name] = value
    if data.price is not UNSET:
        price = data.price
        cols["price_with_vat"] = _part(price, "with_vat")
        cols["price_without_vat"] = _part(price, "without_vat")
        cols["price_vat"] = _part(price, "vat")
    if data.customer is not UNSET:
        customer = _mapping(data.customer, CUSTOMER_FIELDS) or {}
        cols["customer"] = customer
        email = (customer.get("email") or "").strip().lower()
        cols["customer_email"] = email or None
    for name in ("shipping_address", "billing_address"):
        value = getattr(data, name)
        if value is not UNSET:
            cols[name] = _mapping(value, ADDRESS_FIELDS)
    return cols


def item_rows(
    account_id: int, order_id: int, items: Sequence[OrderItemData], now: datetime
) -> list[dict[str, Any]]:
    return [
        {
            "account_id": account_id,
            "order_id": order_id,
            "public_id": uuid.uuid4(),
            "position": position,
            "name": item.name,
            "code": item.code,
            "ean": item.ean,
            "variant": item.variant,
            "amount": item.amount if item.amount is not None else 1,
            "item_type": item.item_type or "PRODUCT",
            "total_price_with_vat": _part(item.total_price, "with_vat"),
            "total_price_without_vat": _part(item.total_price, "without_vat"),
            "total_price_vat": _part(item.total_price, "vat"),
            "created_at": now,
            "updated_at": now,
        }
        for position, item in enumerate(items)
    ]


async def items_replace(
    session: AsyncSession,
    *,
    account_id: int,
    items_by_order: dict[int, Sequence[OrderItemData]],
    new_orders: set[int],
    now: datetime,
) -> None:
    """Replace the items of these orders: one delete (none for new orders), one insert."""
    if not items_by_order:
        return
    # The ids come from this account's own upsert, so the order id alone scopes the
    # statement; adding account_id would lead SQLite to scan all the account's items.
    old = [oid for oid in items_by_order if oid not in new_orders]
    if old:
        await session.execute(delete(OrderItem).where(OrderItem.order_id.in_(old)))
    rows = [
        row
        for order_id, items in items_by_order.items()
        for row in item_rows(account_id, order_id, items, now)
    ]
    if rows:
        await session.execute(insert(table_of(OrderItem)), rows)


async def statuses_merge(
    session: AsyncSession,
    *,
    account_id: int,
    statuses_by_order: dict[int, Sequence[StatusData]],
    new_orders: set[int],
    now: datetime,
) -> None:
    """Add the statuses an order does not have yet (same name and time), then make the
    latest processing and payment statuses current. Constant statements for any batch."""
    if not statuses_by_order:
        return
    existing: set[tuple[int, str, datetime]] = set()
    known = [oid for oid in statuses_by_order if oid not in new_orders]
    if known:
        # Scoped by the account's own order ids (see items_replace).
        rows = await session.execute(
            select(
                OrderStatusChange.order_id, OrderStatusChange.name, OrderStatusChange.date
            ).where(OrderStatusChange.order_id.in_(known))
        )
        existing = {(oid, name, date) for oid, name, date in rows.all()}
    new_rows: list[dict[str, Any]] = []
    for order_id, statuses in statuses_by_order.items():
        for status in statuses:
            kind, name = status_kind(status.name) or ("processing", status.name)
            date = status.date or now
            key = (order_id, name, date)
            if key in existing:
                continue
            existing.add(key)
            new_rows.append(
                {
                    "account_id": account_id,
                    "order_id": order_id,
                    "public_id": uuid.uuid4(),
                    "kind": kind,
                    "name": name,
                    "date": date,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    if new_rows:
        await session.execute(insert(table_of(OrderStatusChange)), new_rows)
    await current_statuses_refresh(
        session, account_id=account_id, order_ids=list(statuses_by_order)
    )


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


async def current_statuses_refresh(
    session: AsyncSession, *, account_id: int, order_ids: list[int]
) -> None:
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


async def tickets_bind(
    session: AsyncSession,
    *,
    account_id: int,
    orders: list[tuple[int, str, str | None]],
    items_changed: set[int],
) -> None:
    """Bind tickets filed before their order arrived, and re-match the products of tickets
    bound to orders whose items changed. One probe query for the whole batch."""
    if not orders:
        return
    codes = list({code for _, code, _ in orders})
    candidates = (
        await session.execute(
            select(
                Ticket.id,
                Ticket.order_id,
                Ticket.customer_email,
                Ticket.verification_state,
                Ticket.bound_order_id,
            ).where(Ticket.account_id == account_id, Ticket.order_id.in_(codes))
        )
    ).all()
    if not candidates:
        return
    for order_id, code, email in orders:
        if email and any(
            c.order_id == code
            and c.customer_email == email
            and c.verification_state == "NOT_VERIFIED"
            for c in candidates
        ):
            probe = Order(id=order_id, account_id=account_id, code=code, customer_email=email)
            await order_bind_tickets(session, order=probe)
        if order_id in items_changed:
            for c in candidates:
                if c.bound_order_id == order_id:
                    await ticket_items_bind(session, ticket_id=c.id, order_id=order_id)


class _Planned:
    __slots__ = ("cols", "data", "index", "key", "public_id", "result")

    def __init__(self, index: int, data: OrderData, key: tuple[int, str]) -> None:
        self.index = index
        self.data = data
        self.key = key
        self.cols = order_columns(data)
        self.public_id = uuid.uuid4()


async def _stores(session: AsyncSession, account_id: int, codes: set[str]) -> dict[str, int]:
    if not codes:
        return {}
    rows = await session.execute(
        select(Store.code, Store.id).where(Store.account_id == account_id, Store.code.in_(codes))
    )
    return {code: sid for code, sid in rows.all()}


def _rounds(planned: list[_Planned]) -> list[list[_Planned]]:
    """Split so no statement touches one key twice (PostgreSQL refuses that); later
    occurrences of a key go to later rounds, so the last one sent wins."""
    seen: dict[tuple[int, str], int] = defaultdict(int)
    rounds: list[list[_Planned]] = []
    for plan in planned:
        n = seen[plan.key]
        seen[plan.key] += 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append(plan)
    return rounds


async def _write(
    session: AsyncSession,
    account_id: int,
    actor_id: int | None,
    planned: list[_Planned],
    now: datetime,
) -> list[UpsertResult]:
    """All statements of a batch of checked orders, in the caller's transaction."""
    table = table_of(Order)
    results: list[UpsertResult] = []
    written: dict[int, tuple[int, bool]] = {}  # plan index -> (order id, created)
    for batch in _rounds(planned):
        shapes: dict[tuple[str, ...], list[_Planned]] = defaultdict(list)
        for plan in batch:
            shapes[tuple(sorted(plan.cols))].append(plan)
        for shape, plans in shapes.items():
            plans.sort(key=lambda p: p.key)  # one lock order for every writer
            rows = [
                {
                    "account_id": account_id,
                    "store_id": p.key[0],
                    "code": p.key[1],
                    "public_id": p.public_id,
                    "processing_status": "NEW",
                    "customer": {},
                    "created_at": now,
                    "updated_at": now,
                    **p.cols,
                }
                for p in plans
            ]
            # One statement, many parameter sets: SQLAlchemy sends them as multi-row
            # VALUES ("insertmanyvalues") while the compiled statement stays cached.
            stmt = insert_for(session, table)
            stmt = stmt.on_conflict_do_update(
                index_elements=list(_KEY),
                set_={name: stmt.excluded[name] for name in (*shape, "updated_at")},
            ).returning(table.c.id, table.c.public_id, table.c.store_id, table.c.code)
            returned = {
                (r.store_id, r.code): (r.id, r.public_id) for r in await session.execute(stmt, rows)
            }
            for p in plans:
                order_id, public_id = returned[p.key]
                written[p.index] = (order_id, public_id == p.public_id)
                results.append(
                    UpsertResult(
                        index=p.index,
                        status="created" if public_id == p.public_id else "updated",
                        id=public_id,
                        order_id=order_id,
                    )
                )

    items_by_order: dict[int, Sequence[OrderItemData]] = {}
    statuses_by_order: dict[int, Sequence[StatusData]] = {}
    new_orders: set[int] = set()
    bind: dict[int, tuple[int, str, str | None]] = {}
    for plan in planned:
        order_id, created = written[plan.index]
        if created:
            new_orders.add(order_id)
        if plan.data.items is not UNSET:
            items_by_order[order_id] = plan.data.items or []
        if plan.data.statuses not in (UNSET, None):
            statuses_by_order.setdefault(order_id, [])
            statuses_by_order[order_id] = [*statuses_by_order[order_id], *plan.data.statuses]  # type: ignore[misc]
        bind[order_id] = (order_id, plan.key[1], plan.cols.get("customer_email", UNSET))  # type: ignore[assignment]
    await items_replace(
        session,
        account_id=account_id,
        items_by_order=items_by_order,
        new_orders=new_orders,
        now=now,
    )
    await statuses_merge(
        session,
        account_id=account_id,
        statuses_by_order=statuses_by_order,
        new_orders=new_orders,
        now=now,
    )
    # An upsert that did not send the customer keeps the stored e-mail: read it back.
    unknown_email = [oid for oid, (_, _, email) in bind.items() if email is UNSET]
    if unknown_email:
        emails = dict(
            (
                await session.execute(
                    select(Order.id, Order.customer_email).where(
                        Order.account_id == account_id, Order.id.in_(unknown_email)
                    )
                )
            ).all()
        )
        for oid in unknown_email:
            bind[oid] = (oid, bind[oid][1], emails.get(oid))
    await tickets_bind(
        session,
        account_id=account_id,
        orders=list(bind.values()),
        items_changed=set(items_by_order) - new_orders,
    )
    # The outbox rows event_record() would add, written with one multi-row insert.
    await session.execute(
        insert(table_of(Event)),
        [
            {
                "account_id": account_id,
                "event_type": f"order.{result.status}",
                "entity_type": "order",
                "entity_id": result.order_id,
                "ticket_id": None,
                "actor_user_id": actor_id,
                "data": {},
            }
            for result in results
        ],
    )
    return results


async def orders_upsert(
    session: AsyncSession,
    *,
    account: Account,
    actor: User | None,
    orders: Sequence[OrderData],
) -> list[UpsertResult]:
    """Create or update each order by (store, code); report each by its position.

    Checked orders are written together in one transaction; if the database rejects the
    batch, each order is retried in its own transaction.
    """
    # Plain ids: a rollback expires ORM objects, and reloading them here would need IO.
    account_id, actor_id = account.id, (actor.id if actor else None)
    if len(orders) > MAX_BATCH:
        raise ValidationFailed.single(
            "non_field_errors", f"Ensure this list has no more than {MAX_BATCH} elements."
        )
    results: dict[int, UpsertResult] = {}
    checked: list[tuple[int, OrderData]] = []
    for index, data in enumerate(orders):
        errors = check_order(data)
        for field in ("code", "store_id"):
            if getattr(data, field) is UNSET:
                errors.setdefault(field, ["This field is required."])
        if errors:
            results[index] = UpsertResult(index=index, status="failed", errors=errors)
        else:
            checked.append((index, data))
    stores = await _stores(session, account_id, {str(d.store_id) for _, d in checked})
    planned: list[_Planned] = []
    for index, data in checked:
        store_code = str(data.store_id)
        if store_code not in stores:
            results[index] = UpsertResult(
                index=index,
                status="failed",
                errors={"store_id": [store_missing_message(store_code)]},
            )
        else:
            planned.append(_Planned(index, data, (stores[store_code], str(data.code))))
    now = utcnow()
    if planned:
        try:
            for r in await _write(session, account_id, actor_id, planned, now):
                results[r.index] = r
            await session.commit()
        except DBAPIError:
            await session.rollback()
            if len(planned) == 1:
                raise
            log.warning("bulk order upsert failed as a batch; retrying order by order")
            for plan in planned:
                try:
                    (r,) = await _write(session, account_id, actor_id, [plan], now)
                    await session.commit()
                    results[r.index] = r
                except DBAPIError as exc:
                    await session.rollback()
                    results[plan.index] = UpsertResult(
                        index=plan.index,
                        status="failed",
                        errors={"non_field_errors": [_db_message(exc)]},
                    )
    return [results[i] for i in range(len(orders))]


def _db_message(exc: DBAPIError) -> str:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    return f"The order could not be stored: {text.splitlines()[0][:200]}"


async def order_upsert(
    session: AsyncSession, *, account: Account, actor: User | None, data: OrderData
) -> UpsertResult:
    """One order: created or updated, or ValidationFailed with every problem."""
    (result,) = await orders_upsert(session, account=account, actor=actor, orders=[data])
    if result.status == "failed":
        raise ValidationFailed(result.errors or {})
    return result


__all__ = [
    "MAX_BATCH",
    "current_statuses_refresh",
    "items_replace",
    "order_columns",
    "order_upsert",
    "orders_upsert",
    "statuses_merge",
    "store_missing_message",
    "tickets_bind",
]
