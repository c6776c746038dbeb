"""Tickets meet orders: a ticket naming an order of the account is bound and verified."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.orders.models import Order, OrderItem
from ticketry.domain.tickets.models import Ticket, TicketItem


async def _matching_order(session: AsyncSession, ticket: Ticket) -> Order | None:
    if not ticket.order_id:
        return None
    stmt = select(Order).where(Order.account_id == ticket.account_id, Order.code == ticket.order_id)
    if ticket.customer_email:
        # The e-mail proves the customer owns the order; an order without one cannot verify.
        stmt = stmt.where(Order.customer_email == ticket.customer_email.lower())
    else:
        return None
    return await session.scalar(stmt.order_by(Order.order_date.desc(), Order.id.desc()).limit(1))


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


async def ticket_items_bind(session: AsyncSession, *, ticket_id: int, order_id: int) -> None:
    order_items = (
        await session.execute(
            select(OrderItem.id, OrderItem.code, OrderItem.ean)
            .where(OrderItem.order_id == order_id, OrderItem.item_type == "PRODUCT")
            .order_by(OrderItem.position, OrderItem.id)
        )
    ).all()
    by_code: dict[str, int] = {}
    for oid, code, ean in order_items:
        if code:
            by_code.setdefault(code, oid)
        if ean:
            by_code.setdefault(ean, oid)
    items = (
        await session.scalars(select(TicketItem).where(TicketItem.ticket_id == ticket_id))
    ).all()
    for item in items:
        match = by_code.get(item.product_id) or (by_code.get(item.ean) if item.ean else None)
        if item.bound_order_item_id != match:
            item.bound_order_item_id = match


async def order_bind_tickets(session: AsyncSession, *, order: Order) -> list[int]:
    """Bind tickets filed before their order was synchronised; return their ids."""
    if not order.customer_email:
        return []
    tickets = (
        await session.scalars(
            select(Ticket).where(
                Ticket.account_id == order.account_id,
                Ticket.order_id == order.code,
                Ticket.customer_email == order.customer_email.lower(),
                Ticket.verification_state == "NOT_VERIFIED",
            )
        )
    ).all()
    for ticket in tickets:
        ticket.bound_order_id = order.id
        ticket.verification_state = "VERIFIED_AUTOMATICALLY"
        await ticket_items_bind(session, ticket_id=ticket.id, order_id=order.id)
    return [t.id for t in tickets]
