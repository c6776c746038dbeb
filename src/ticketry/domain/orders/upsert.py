"""Upserting orders by their natural key (account, store, code), one or a hundred at once.

The database decides between insert and update (``INSERT … ON CONFLICT DO UPDATE`` on the
unique key), so identical requests racing each other make exactly one order. A batch is
checked and turned into rows in Python before its transaction begins; the valid orders
are then written with a constant number of statements, each carrying all its rows as one
parameter (``domain/bulk.py``): one upsert per shape of order, one delete and one insert
for all their items, one insert for the status history, one for the outbox events and one
probe for tickets waiting for these orders. Should the batch fail in the database anyway,
it is rolled back and every order is retried in a transaction of its own, so one bad
order never rejects the others.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from msgspec import UNSET
from sqlalchemy import select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import Account, User
from ticketry.domain.base import table_of
from ticketry.domain.bulk import SQL_NULL, RowsInsert
from ticketry.domain.errors import Code, FieldError, ValidationFailed
from ticketry.domain.events.services import events_record
from ticketry.domain.ids import uuid4_many
from ticketry.domain.orders.binding import orders_bind_tickets
from ticketry.domain.orders.checks import ADDRESS_FIELDS, CUSTOMER_FIELDS, check_order
from ticketry.domain.orders.commands import OrderData, UpsertResult
from ticketry.domain.orders.history import (
    Entry,
    current_statuses,
    status_entries,
    statuses_merge,
)
from ticketry.domain.orders.items import item_rows, items_replace
from ticketry.domain.orders.models import Order, Store
from ticketry.domain.tickets.commands import PriceData
from ticketry.domain.types import utcnow

log = logging.getLogger("ticketry.orders")

MAX_BATCH = 100
_KEY = ("account_id", "store_id", "code")
# What a request may set, in the order of an upsert's row values.
_SETTABLE = (
    "remote_id",
    "order_date",
    "currency",
    "language",
    "price_with_vat",
    "price_without_vat",
    "price_vat",
    "customer_email",
    "customer",
    "shipping_address",
    "billing_address",
)
_COLUMNS = ("store_id", "code", "public_id", *_SETTABLE, "processing_status", "payment_status")
# A new order's columns that a request did not send: as if left out of the insert.
_UNSENT = {"customer": {}, "shipping_address": SQL_NULL, "billing_address": SQL_NULL}


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


def _upsert_spec(update: tuple[str, ...]) -> RowsInsert:
    return RowsInsert(
        table_of(Order),
        columns=_COLUMNS,
        const=("account_id", "created_at", "updated_at"),
        conflict=_KEY,
        update=update,
        returning=("id", "public_id", "store_id", "code", "customer_email"),
    )


_ROWS = _upsert_spec(("updated_at",))  # converts the values of every shape's rows alike
_upserts: dict[tuple[str, ...], RowsInsert] = {}


def _upsert(shape: tuple[str, ...]) -> RowsInsert:
    """The upsert of orders that sent these columns: an update sets only them."""
    found = _upserts.get(shape)
    if found is None:
        found = _upserts[shape] = _upsert_spec((*shape, "updated_at"))
    return found


class _Planned:
    """One checked order, turned into the rows it writes (all but the database ids)."""

    __slots__ = ("code", "cols", "entries", "index", "items", "key", "public_id", "row", "store")

    def __init__(
        self,
        index: int,
        data: OrderData,
        public_ids: Iterator[uuid.UUID],
        dialect: Dialect,
        now: datetime,
    ) -> None:
        self.index = index
        self.store = str(data.store_id)
        self.code = str(data.code)
        self.key: tuple[int, str] = (0, self.code)  # the store's id comes with the lookup
        self.public_id = next(public_ids)
        self.cols = order_columns(data)
        self.items = None
        if data.items is not UNSET:
            self.items = item_rows(dialect, data.items or [], public_ids)
        self.entries: list[Entry] | None = None
        if data.statuses not in (UNSET, None):
            self.entries = status_entries(data.statuses, now)  # type: ignore[arg-type]
        # A new order's row; an existing order's update sets only ``cols``.
        cols = self.cols
        row: list[Any] = [None, self.code, self.public_id]
        row.extend([cols.get(name, _UNSENT.get(name)) for name in _SETTABLE])
        row.extend(current_statuses(self.entries or ()))
        (self.row,) = _ROWS.stored(dialect, [row])

    def place(self, store_id: int) -> None:
        self.key = (store_id, self.code)
        self.row[0] = store_id


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
    results: list[UpsertResult] = []
    # plan index -> (order id, created, customer e-mail as stored)
    written: dict[int, tuple[int, bool, str | None]] = {}
    for batch in _rounds(planned):
        shapes: dict[tuple[str, ...], list[_Planned]] = defaultdict(list)
        for plan in batch:
            shapes[tuple(sorted(plan.cols))].append(plan)
        for shape, plans in shapes.items():
            plans.sort(key=lambda p: p.key)  # one lock order for every writer
            returned = {
                (store_id, code): (order_id, public_id, email)
                for order_id, public_id, store_id, code, email in await _upsert(shape).execute(
                    session,
                    [p.row for p in plans],
                    stored=True,
                    account_id=account_id,
                    created_at=now,
                    updated_at=now,
                )
            }
            for p in plans:
                order_id, public_id, email = returned[p.key]
                created = public_id == p.public_id
                written[p.index] = (order_id, created, email)
                results.append(
                    UpsertResult(
                        index=p.index,
                        status="created" if created else "updated",
                        id=public_id,
                        order_id=order_id,
                    )
                )

    items: dict[int, list[list[Any]]] = {}
    entries: dict[int, list[Entry]] = {}
    new_orders: set[int] = set()
    plans_of = Counter(order_id for order_id, _, _ in written.values())
    bind: dict[int, tuple[int, str, str | None]] = {}
    for plan in planned:
        order_id, created, email = written[plan.index]
        if created:
            new_orders.add(order_id)
        if plan.items is not None:
            items[order_id] = plan.items  # the last one sent wins
        if plan.entries is not None:
            entries.setdefault(order_id, []).extend(plan.entries)
        bind[order_id] = (order_id, plan.code, email)
    replaced = await items_replace(
        session, account_id=account_id, rows_by_order=items, new_orders=new_orders, now=now
    )
    await statuses_merge(
        session,
        account_id=account_id,
        entries_by_order=entries,
        new_orders=new_orders,
        # A new order sent once was inserted with its current statuses already.
        current_written={oid for oid in new_orders if plans_of[oid] == 1},
        now=now,
    )
    await orders_bind_tickets(
        session,
        account_id=account_id,
        orders=list(bind.values()),
        items_changed=replaced - new_orders,
        now=now,
    )
    await events_record(
        session,
        account_id=account_id,
        entity_type="order",
        events=[(f"order.{r.status}", r.order_id) for r in results if r.order_id is not None],
        actor_user_id=actor_id,
        now=now,
    )
    return results


async def orders_upsert(
    session: AsyncSession,
    *,
    account: Account,
    actor: User | None,
    orders: Sequence[OrderData],
    one_by_one: bool = False,
) -> list[UpsertResult]:
    """Create or update each order by (store, code); report each by its position. The
    writes join the caller's transaction; the caller commits.

    Checked orders are written together, in as many statements as one order needs. If the
    database rejects the batch, the caller's transaction is spoiled (PostgreSQL refuses
    anything further in it), so ``OrdersBatchRejected`` says so: the caller rolls back and
    calls again with ``one_by_one``, which writes each order in a savepoint of its own, so
    one order the database refuses fails alone. The happy path pays no savepoint. Checking
    the orders and building their rows happens before the first statement (on SQLite that
    takes the one write lock), so the lock is held for the statements only.
    """
    # Plain ids: a rollback expires ORM objects, and reloading them here would need IO.
    account_id, actor_id = account.id, (actor.id if actor else None)
    if len(orders) > MAX_BATCH:
        raise ValidationFailed.single("non_field_errors", Code.TOO_MANY, max=MAX_BATCH)
    now = utcnow()
    results: dict[int, UpsertResult] = {}
    checked: list[tuple[int, OrderData]] = []
    for index, data in enumerate(orders):
        errors = check_order(data)
        for field in ("code", "store_id"):
            if getattr(data, field) is UNSET:
                errors.setdefault(field, [FieldError(Code.REQUIRED)])
        if errors:
            results[index] = UpsertResult(index=index, status="failed", errors=errors)
        else:
            checked.append((index, data))
    # One id for each order and each item, from one read of the random source.
    public_ids = iter(
        uuid4_many(
            sum(1 + (len(data.items) if data.items else 0) for _, data in checked)  # type: ignore[arg-type]
        )
    )
    dialect = session.get_bind().dialect
    plans = [_Planned(index, data, public_ids, dialect, now) for index, data in checked]
    stores = await _stores(session, account_id, {p.store for p in plans})
    planned: list[_Planned] = []
    for plan in plans:
        if plan.store not in stores:
            results[plan.index] = UpsertResult(
                index=plan.index,
                status="failed",
                errors={"store_id": [FieldError(Code.INVALID_REF, {"value": plan.store})]},
            )
        else:
            plan.place(stores[plan.store])
            planned.append(plan)
    if planned and not one_by_one:
        try:
            for r in await _write(session, account_id, actor_id, planned, now):
                results[r.index] = r
        except DBAPIError as exc:
            if len(planned) == 1:
                raise
            log.warning("bulk order upsert failed as a batch; retrying order by order")
            raise OrdersBatchRejected() from exc
    elif planned:
        for plan in planned:
            try:
                async with session.begin_nested():
                    (r,) = await _write(session, account_id, actor_id, [plan], now)
                results[r.index] = r
            except DBAPIError as exc:
                results[plan.index] = UpsertResult(
                    index=plan.index,
                    status="failed",
                    errors={"non_field_errors": [_db_message(exc)]},
                )
    return [results[i] for i in range(len(orders))]


class OrdersBatchRejected(Exception):
    """The database refused a batch of orders as a whole (a race on a natural key, say);
    the caller rolls back and calls ``orders_upsert(..., one_by_one=True)``."""


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
    "OrdersBatchRejected",
    "order_columns",
    "order_upsert",
    "orders_upsert",
]
