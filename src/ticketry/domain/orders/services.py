"""Writing orders and stores: partial updates, status changes, store ids.

Upserts by natural key live in ``upsert.py``. Each call here is one transaction.
"""

from __future__ import annotations

from typing import Any

from msgspec import UNSET
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import Account, User
from ticketry.domain.base import table_of
from ticketry.domain.errors import Code, ErrorCollector, FieldError, ValidationFailed
from ticketry.domain.events.services import event_record
from ticketry.domain.ids import uuid4_many
from ticketry.domain.orders.binding import orders_bind_tickets
from ticketry.domain.orders.checks import (
    ADDRESS_FIELDS,
    CUSTOMER_FIELDS,
    check_order,
    status_choices,
    status_kind,
)
from ticketry.domain.orders.commands import OrderData
from ticketry.domain.orders.history import status_entries, statuses_merge
from ticketry.domain.orders.items import item_rows, items_replace
from ticketry.domain.orders.models import Order, OrderStatusChange, Store
from ticketry.domain.orders.upsert import order_columns
from ticketry.domain.refs import Ref, ref_get_or_404
from ticketry.domain.types import utcnow
from ticketry.domain.upsert import insert_for
from ticketry.domain.validation import check_text


async def store_create(
    session: AsyncSession, *, account: Account, code: str, name: str = ""
) -> Store:
    """A new store id of the account; an existing one is a validation error."""
    code = code.strip()
    errors = ErrorCollector()
    if not code:
        errors.add("store_id", Code.BLANK)
    check_text(errors, "store_id", code, Store.code)
    check_text(errors, "name", name, Store.name)
    errors.raise_if_any()
    table = table_of(Store)
    now = utcnow()
    stmt = (
        insert_for(session, table)
        .values(account_id=account.id, code=code, name=name or code, created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=["account_id", "code"])
        .returning(table.c.id)
    )
    store_id = await session.scalar(stmt)
    if store_id is None:
        raise ValidationFailed.single("store_id", Code.UNIQUE, value=code)
    await session.flush()
    store = await session.get(Store, store_id)
    assert store is not None
    return store


def _merged(
    current: dict[str, Any] | None, sent: dict[str, Any] | None, allowed: tuple[str, ...]
) -> dict[str, Any] | None:
    """Field-by-field merge of a nested object; a ``null`` value removes the field."""
    if sent is None:
        return None
    out = dict(current or {})
    for key, value in sent.items():
        if key not in allowed:
            continue
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


async def order_update(
    session: AsyncSession, *, account: Account, actor: User | None, ref: Ref, data: OrderData
) -> Order:
    """PATCH: change only what was sent; customer and addresses merge field by field."""
    order = await ref_get_or_404(session, Order, account_id=account.id, ref=ref, for_update=True)
    errors = check_order(data)
    if data.store_id is not UNSET:
        store_code = await session.scalar(select(Store.code).where(Store.id == order.store_id))
        if data.store_id != store_code:
            errors.setdefault("store_id", []).append(FieldError(Code.IMMUTABLE))
    if data.code is not UNSET and data.code != order.code and "code" not in errors:
        taken = await session.scalar(
            select(Order.id).where(
                Order.account_id == account.id,
                Order.store_id == order.store_id,
                Order.code == data.code,
            )
        )
        if taken is not None:
            errors.setdefault("code", []).append(FieldError(Code.UNIQUE, {"value": data.code}))
    if errors:
        raise ValidationFailed(errors)

    merged = OrderData(
        remote_id=data.remote_id,
        order_date=data.order_date,
        currency=data.currency,
        language=data.language,
        price=data.price,
    )
    if data.customer is not UNSET:
        merged.customer = _merged(order.customer, data.customer, CUSTOMER_FIELDS) or {}
    if data.shipping_address is not UNSET:
        merged.shipping_address = _merged(
            order.shipping_address, data.shipping_address, ADDRESS_FIELDS
        )
    if data.billing_address is not UNSET:
        merged.billing_address = _merged(
            order.billing_address, data.billing_address, ADDRESS_FIELDS
        )
    columns = order_columns(merged)
    if data.code is not UNSET:
        columns["code"] = data.code
    changed = sorted(k for k, v in columns.items() if getattr(order, k) != v)
    for key, value in columns.items():
        setattr(order, key, value)
    now = utcnow()
    order.updated_at = now
    await session.flush()
    replaced: set[int] = set()
    if data.items is not UNSET:
        items = data.items or []
        replaced = await items_replace(
            session,
            account_id=account.id,
            rows_by_order={
                order.id: item_rows(session.get_bind().dialect, items, uuid4_many(len(items)))
            },
            new_orders=set(),
            now=now,
        )
        changed.append("items")
    if data.statuses not in (UNSET, None):
        await statuses_merge(
            session,
            account_id=account.id,
            entries_by_order={order.id: status_entries(data.statuses, now)},  # type: ignore[arg-type]
            new_orders=set(),
            now=now,
        )
        changed.append("statuses")
    await orders_bind_tickets(
        session,
        account_id=account.id,
        orders=[(order.id, order.code, order.customer_email)],
        items_changed=replaced,
        now=now,
    )
    event_record(
        session,
        account_id=account.id,
        event_type="order.updated",
        entity_type="order",
        entity_id=order.id,
        actor_user_id=actor.id if actor else None,
        data={"fields": changed},
    )
    await session.flush()
    return order


async def order_set_status(
    session: AsyncSession, *, account: Account, actor: User | None, ref: Ref, value: str | None
) -> Order:
    """Set the processing or payment status (the value says which) and record it in the
    history. Setting the status the order already has changes nothing."""
    if value is None or not value.strip():
        raise ValidationFailed.single("status_value", Code.REQUIRED)
    found = status_kind(value)
    if found is None:
        raise ValidationFailed.single(
            "status_value", Code.INVALID_CHOICE, value=value, choices=status_choices()
        )
    kind, name = found
    order = await ref_get_or_404(session, Order, account_id=account.id, ref=ref, for_update=True)
    column = f"{kind}_status"
    previous = getattr(order, column)
    if previous == name:
        return order
    now = utcnow()
    setattr(order, column, name)
    order.updated_at = now
    session.add(
        OrderStatusChange(account_id=account.id, order_id=order.id, kind=kind, name=name, date=now)
    )
    event_record(
        session,
        account_id=account.id,
        event_type="order.status_changed",
        entity_type="order",
        entity_id=order.id,
        actor_user_id=actor.id if actor else None,
        data={"kind": kind, "from": previous, "to": name},
    )
    await session.flush()
    return order
