"""Tickets meet orders: a ticket naming an order of the account is bound and verified."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.base import table_of
from ticketry.domain.orders.models import Order, OrderItem
from ticketry.domain.statements import built
from ticketry.domain.tickets.models import Ticket, TicketItem


async def _matching_order(session: AsyncSession, ticket: Ticket) -> Order | None:
    # The e-mail proves the customer owns the order; an order without one cannot verify.
    if not ticket.order_id or not ticket.customer_email:
        return None
    params = {"a": ticket.account_id, "c": ticket.order_id, "e": ticket.customer_email.lower()}
    return await session.scalar(built(session, _order_of_customer), params)


def _order_of_customer(_dialect: str) -> Any:
    return (
        select(Order)
        .where(
            Order.account_id == bindparam("a"),
            Order.code == bindparam("c"),
            Order.customer_email == bindparam("e"),
        )
        .order_by(Order.order_date.desc(), Order.id.desc())
        .limit(1)
    )


async def ticket_bind_order(session: AsyncSession, *, ticket: Ticket) -> None:
    """(Re)match the ticket and its products to a synchronised order.

    A manual verification by an agent is never undone automatically.
    """
    if ticket.verification_state == "VERIFIED_MANUALLY":
        return
    order = await _matching_order(session, ticket)
    if order is None:
        if ticket.verification_state == "VERIFIED_AUTOMATICALLY" or ticket.bound_order_id:
            ticket.bound_order_id = None
            ticket.verification_state = "NOT_VERIFIED"
            await session.execute(
                update(TicketItem)
                .where(TicketItem.ticket_id == ticket.id)
                .values(bound_order_item_id=None)
            )
        return
    ticket.bound_order_id = order.id
    ticket.verification_state = "VERIFIED_AUTOMATICALLY"
    if not ticket.order_date and order.order_date:
        ticket.order_date = order.order_date
    await ticket_items_bind(session, ticket_id=ticket.id, order_id=order.id)


def _product_lines(rows: Any) -> dict[str, int]:
    """Order item ids by product code and by EAN: the first line of each wins."""
    by_code: dict[str, int] = {}
    for oid, code, ean in rows:
        if code:
            by_code.setdefault(code, oid)
        if ean:
            by_code.setdefault(ean, oid)
    return by_code


def _match(by_code: dict[str, int], product_id: str | None, ean: str | None) -> int | None:
    return (by_code.get(product_id) if product_id else None) or (by_code.get(ean) if ean else None)


async def ticket_items_bind(session: AsyncSession, *, ticket_id: int, order_id: int) -> None:
    order_items = (
        await session.execute(
            select(OrderItem.id, OrderItem.code, OrderItem.ean)
            .where(OrderItem.order_id == order_id, OrderItem.item_type == "PRODUCT")
            .order_by(OrderItem.position, OrderItem.id)
        )
    ).all()
    by_code = _product_lines(order_items)
    items = (
        await session.scalars(select(TicketItem).where(TicketItem.ticket_id == ticket_id))
    ).all()
    for item in items:
        match = _match(by_code, item.product_id, item.ean)
        if item.bound_order_item_id != match:
            item.bound_order_item_id = match


async def orders_bind_tickets(
    session: AsyncSession,
    *,
    account_id: int,
    orders: Sequence[tuple[int, str, str | None]],
    items_changed: Collection[int],
    now: datetime,
) -> None:
    """After orders were written, as (order id, code, customer e-mail): bind the tickets
    that were filed before their order arrived (same order number and e-mail, not yet
    verified), and re-match the products of the tickets bound to an order whose items
    were replaced. One probe for all the orders; when tickets are concerned, at most four
    statements more, however many there are."""
    if not orders:
        return
    tickets = table_of(Ticket)
    candidates = (
        await session.execute(
            select(
                tickets.c.id,
                tickets.c.order_id,
                tickets.c.customer_email,
                tickets.c.verification_state,
                tickets.c.bound_order_id,
            ).where(
                tickets.c.account_id == account_id,
                tickets.c.order_id.in_(sorted({code for _, code, _ in orders})),
            )
        )
    ).all()
    if not candidates:
        return
    bind: dict[int, int] = {}  # ticket id -> order id; a later order of the batch wins
    for order_id, code, email in orders:
        if not email:
            continue
        email = email.lower()
        for c in candidates:
            if (
                c.order_id == code
                and c.customer_email == email
                and c.verification_state == "NOT_VERIFIED"
            ):
                bind[c.id] = order_id
    rematch = {c.id: c.bound_order_id for c in candidates if c.bound_order_id in items_changed}
    if bind:
        await session.execute(
            update(tickets)
            .where(tickets.c.id == bindparam("ticket"))
            .values(
                bound_order_id=bindparam("order"),
                verification_state="VERIFIED_AUTOMATICALLY",
                updated_at=now,
            ),
            [{"ticket": t, "order": o} for t, o in sorted(bind.items())],
        )
    await _tickets_items_bind(session, pairs={**rematch, **bind}, now=now)


async def _tickets_items_bind(
    session: AsyncSession, *, pairs: dict[int, int], now: datetime
) -> None:
    """``ticket_items_bind`` for many (ticket id -> order id) pairs: three statements."""
    if not pairs:
        return
    lines: dict[int, list[Any]] = defaultdict(list)
    for oid, order_id, code, ean in (
        await session.execute(
            select(OrderItem.id, OrderItem.order_id, OrderItem.code, OrderItem.ean)
            .where(OrderItem.order_id.in_(sorted(set(pairs.values()))))
            .where(OrderItem.item_type == "PRODUCT")
            .order_by(OrderItem.order_id, OrderItem.position, OrderItem.id)
        )
    ).all():
        lines[order_id].append((oid, code, ean))
    by_order = {order_id: _product_lines(rows) for order_id, rows in lines.items()}
    items = table_of(TicketItem)
    changes = []
    for item_id, ticket_id, product_id, ean, bound in (
        await session.execute(
            select(
                items.c.id,
                items.c.ticket_id,
                items.c.product_id,
                items.c.ean,
                items.c.bound_order_item_id,
            ).where(items.c.ticket_id.in_(sorted(pairs)))
        )
    ).all():
        match = _match(by_order.get(pairs[ticket_id], {}), product_id, ean)
        if bound != match:
            changes.append({"item": item_id, "match": match})
    if changes:
        await session.execute(
            update(items)
            .where(items.c.id == bindparam("item"))
            .values(bound_order_item_id=bindparam("match"), updated_at=now),
            changes,
        )
