"""Keeping a ticket's search text current: customer, code, order, products, tracking."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.search import search_document
from ticketry.domain.tickets.models import Shipment, Ticket, TicketItem, TicketSearchKey
from ticketry.domain.tickets.searchkeys import ticket_keys, ticket_keys_replace


def ticket_search_parts(ticket: Ticket) -> list[str | None]:
    return [
        ticket.code,
        ticket.customer_name,
        ticket.customer_email,
        ticket.customer_phone,
        ticket.order_id,
        ticket.subject,
        ticket.company,
    ]


ItemParts = tuple[str | None, str | None, str | None, str | None]  # name, product id, EAN, serial


def ticket_search_values(
    ticket: Ticket, items: Iterable[ItemParts], tracking: Iterable[str]
) -> tuple[str, set[str]]:
    """The ticket's search text and its exact keys (``searchkeys``)."""
    parts = ticket_search_parts(ticket)
    identifiers = [
        ticket.code,
        ticket.customer_email,
        ticket.customer_phone,
        ticket.from_email,
        ticket.order_id,
    ]
    for item in items:
        parts.extend(item)
        identifiers.append(item[3])
    for number in tracking:
        parts.append(number)
        identifiers.append(number)
    return search_document(parts), ticket_keys(identifiers)


async def ticket_search_refresh(
    session: AsyncSession,
    *,
    ticket: Ticket,
    new: bool = False,
    items: list[ItemParts] | None = None,
) -> None:
    """The ticket's search text and its exact keys, from what it holds now. ``new``: the
    ticket is being created (it has no keys and no shipments yet); ``items``: its products
    when the caller knows them (no need to read them back)."""
    if items is None:
        rows = await session.execute(
            select(TicketItem.name, TicketItem.product_id, TicketItem.ean, TicketItem.serial).where(
                TicketItem.ticket_id == ticket.id
            )
        )
        items = [tuple(row) for row in rows]  # type: ignore[misc]
    tracking: list[str] = []
    if not new:
        tracking = list(
            await session.scalars(
                select(Shipment.tracking_number).where(Shipment.ticket_id == ticket.id)
            )
        )
    text, keys = ticket_search_values(ticket, items, tracking)
    if text != ticket.search_text:
        ticket.search_text = text
    if new:
        if keys:
            await ticket_keys_replace(
                session, account_id=ticket.account_id, ticket_id=ticket.id, keys=keys, new=True
            )
        return
    held = set(
        await session.scalars(
            select(TicketSearchKey.key).where(TicketSearchKey.ticket_id == ticket.id)
        )
    )
    if held != keys:
        await ticket_keys_replace(
            session, account_id=ticket.account_id, ticket_id=ticket.id, keys=keys, new=False
        )
