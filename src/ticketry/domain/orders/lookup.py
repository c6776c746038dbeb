"""Finding an order the way a customer names it (order number + e-mail), and reading one
order with its items and status history for a ticket page."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.orders.models import Order, OrderItem, OrderStatusChange


async def order_find_for_customer(
    session: AsyncSession, *, account_id: int, code: str, email: str
) -> Order | None:
    """The account's order with this number whose customer has this e-mail, else None.

    Both must match; the caller cannot tell which one did not (the portal shows one message).
    """
    code, email = code.strip(), email.strip().lower()
    if not code or not email or len(code) > 100 or len(email) > 254:
        return None
    return await session.scalar(
        select(Order)
        .where(Order.account_id == account_id, Order.code == code, Order.customer_email == email)
        .order_by(Order.order_date.desc(), Order.id.desc())
        .limit(1)
    )


async def order_product_items(
    session: AsyncSession, *, account_id: int, order_id: int
) -> list[OrderItem]:
    """The order's product lines (not shipping, billing or discounts), in order."""
    rows = await session.scalars(
        select(OrderItem)
        .where(
            OrderItem.order_id == order_id,
            OrderItem.account_id == account_id,
            OrderItem.item_type == "PRODUCT",
        )
        .order_by(OrderItem.position, OrderItem.id)
    )
    return list(rows)


@dataclass
class OrderDetail:
    order: Order
    items: list[OrderItem] = field(default_factory=list)
    status_changes: list[OrderStatusChange] = field(default_factory=list)


async def order_detail(
    session: AsyncSession, *, account_id: int, order_id: int
) -> OrderDetail | None:
    """One order with every item and its status history: three queries."""
    order = await session.scalar(
        select(Order).where(Order.id == order_id, Order.account_id == account_id)
    )
    if order is None:
        return None
    items = await session.scalars(
        select(OrderItem)
        .where(OrderItem.order_id == order_id, OrderItem.account_id == account_id)
        .order_by(OrderItem.position, OrderItem.id)
    )
    changes = await session.scalars(
        select(OrderStatusChange)
        .where(OrderStatusChange.order_id == order_id, OrderStatusChange.account_id == account_id)
        .order_by(OrderStatusChange.date, OrderStatusChange.id)
    )
    return OrderDetail(order=order, items=list(items), status_changes=list(changes))
