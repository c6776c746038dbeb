"""Retino's webhook payloads: event names and bodies (docs/webhooks.md).

Ticket events carry the full ticket as the API returns it (products, shipping, bound
order), built with the same serialiser as ``GET /tickets/{id}``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.api.retino.serializers import LIST, item_out, ticket_out
from ticketry.api.retino.times import iso_ms, iso_ms_or_none
from ticketry.domain.events.models import Event
from ticketry.domain.orders.models import Order, Store
from ticketry.domain.refunds.models import CreditNote
from ticketry.domain.tickets.models import Ticket
from ticketry.domain.tickets.queries import TicketRecord, ticket_get_many
from ticketry.domain.webhooks.flavours import Built, Flavours

# Domain event type → Retino event name. Closing is a ticket update for Retino; reopening
# already comes with a ticket.updated event of its own; notes and messages are not
# published (Retino's documents name no such events).
EVENT_NAMES: dict[str, str] = {
    "ticket.created": "ticket.created",
    "ticket.updated": "ticket.updated",
    "ticket.closed": "ticket.updated",
    "ticket.product_added": "ticket.product.created",
    "ticket.product_updated": "ticket.product.updated",
    "ticket.product_removed": "ticket.product.deleted",
    "credit_note.created": "retino_credit_note.created",
    "credit_note.updated": "retino_credit_note.updated",
    "order.created": "order.created",
    "order.updated": "order.updated",
    "order.status_changed": "order.status_changed",
}
TEST_EVENT = "webhook.test"


def _plain(value: Any) -> Any:
    return msgspec.to_builtins(value)


def _iso_ms_text(value: str) -> str:
    """A date-time given as ISO text (the caller's encoding) in Retino's form."""
    try:
        return iso_ms(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return value


class RetinoFlavour:
    name = "retino"
    event_names: tuple[str, ...] = tuple(dict.fromkeys(EVENT_NAMES.values()))

    def event_name(self, event: Event) -> str | None:
        return EVENT_NAMES.get(event.event_type)

    async def build(self, session: AsyncSession, events: list[Event]) -> dict[int, Built]:
        tickets = await self._prefetch_tickets(session, events)
        notes = await self._prefetch_credit_notes(session, events)
        orders = await self._prefetch_orders(session, events)
        out: dict[int, Built] = {}
        for event in events:
            name = self.event_name(event)
            if name is None:
                continue
            head: dict[str, Any] = {
                "event_id": str(event.public_id),
                "event_type": name,
                "created_at": iso_ms(event.created_at),
            }
            body: dict[str, Any] | None
            if event.entity_type in ("ticket", "ticket_item"):
                body = await self._ticket_body(session, event, tickets)
            elif event.entity_type == "credit_note":
                body = self._credit_note_body(event, notes)
            elif event.entity_type == "order":
                body = self._order_body(event, orders)
            else:
                body = None
            if body is not None:
                out[event.id] = Built(event_type=name, payload={**head, **body})
        return out

    async def _prefetch_tickets(
        self, session: AsyncSession, events: list[Event]
    ) -> dict[int, TicketRecord | None]:
        """Every ticket the batch's ticket events need, a few queries per account rather
        than per ticket; deleted tickets map to None."""
        wanted: dict[int, set[int]] = {}
        for event in events:
            if event.entity_type in ("ticket", "ticket_item") and event.ticket_id is not None:
                if self.event_name(event) is not None:
                    wanted.setdefault(event.account_id, set()).add(event.ticket_id)
        found: dict[int, TicketRecord | None] = {}
        for account_id, ids in wanted.items():
            views = await ticket_get_many(
                session, account_id=account_id, ids=list(ids), projection=LIST
            )
            found.update({ticket_id: views.get(ticket_id) for ticket_id in ids})
        return found

    async def _ticket_body(
        self, session: AsyncSession, event: Event, cache: dict[int, TicketRecord | None]
    ) -> dict[str, Any] | None:
        if event.ticket_id is None:
            return None
        view = cache.get(event.ticket_id)
        if view is None:
            return None
        body: dict[str, Any] = {"ticket": _plain(ticket_out(view))}
        if event.entity_type == "ticket_item":
            item_id = event.data.get("item_public_id")
            product = next((p for p in view.items if str(p.public_id) == item_id), None)
            body["product"] = _plain(item_out(product)) if product is not None else {"id": item_id}
        return body

    def _wanted(self, events: list[Event], entity_type: str) -> tuple[set[int], set[int]]:
        """Entity ids and accounts of the batch's published events of one entity type."""
        mine = [e for e in events if e.entity_type == entity_type and self.event_name(e)]
        return {e.entity_id for e in mine}, {e.account_id for e in mine}

    async def _prefetch_credit_notes(
        self, session: AsyncSession, events: list[Event]
    ) -> dict[tuple[int, int], tuple[CreditNote, Any, Any]]:
        """(account, credit note id) → the note with its ticket's public id and order id,
        for the whole batch in one query."""
        ids, accounts = self._wanted(events, "credit_note")
        if not ids:
            return {}
        rows = await session.execute(
            select(CreditNote, Ticket.public_id, Ticket.order_id)
            .outerjoin(Ticket, Ticket.id == CreditNote.ticket_id)
            .where(CreditNote.id.in_(ids), CreditNote.account_id.in_(accounts))
        )
        return {
            (note.account_id, note.id): (note, ticket_id, order_id)
            for note, ticket_id, order_id in rows
        }

    def _credit_note_body(
        self, event: Event, notes: dict[tuple[int, int], tuple[CreditNote, Any, Any]]
    ) -> dict[str, Any] | None:
        found = notes.get((event.account_id, event.entity_id))
        if found is None:
            return None
        note, ticket_public_id, order_id = found
        return {
            "credit_note": {
                "id": str(note.public_id),
                "ticket_id": str(ticket_public_id) if ticket_public_id else None,
                "stock": note.stock,
                "currency": note.currency,
                "language": note.language,
                "order_id": order_id if ticket_public_id else None,
                "variable_symbol": note.variable_symbol,
                "bank_account": note.bank_account,
                "customer": note.customer,
                "lines": note.lines,
            }
        }

    async def _prefetch_orders(
        self, session: AsyncSession, events: list[Event]
    ) -> dict[tuple[int, int], tuple[Order, str]]:
        """(account, order id) → the order and its store's code, for the batch at once."""
        ids, accounts = self._wanted(events, "order")
        if not ids:
            return {}
        rows = await session.execute(
            select(Order, Store.code)
            .join(Store, Store.id == Order.store_id)
            .where(Order.id.in_(ids), Order.account_id.in_(accounts))
        )
        return {(order.account_id, order.id): (order, code) for order, code in rows}

    def _order_body(
        self, event: Event, orders: dict[tuple[int, int], tuple[Order, str]]
    ) -> dict[str, Any] | None:
        found = orders.get((event.account_id, event.entity_id))
        if found is None:
            return None
        order, store_code = found
        return {
            "order": {
                "id": str(order.public_id),
                "code": order.code,
                "store_id": store_code,
                "remote_id": order.remote_id,
                "order_date": iso_ms_or_none(order.order_date),
                "currency": order.currency,
                "processing_status": order.processing_status,
                "payment_status": order.payment_status,
            }
        }

    def test_payload(self, event_public_id: str, created_at: str) -> Built:
        return Built(
            event_type=TEST_EVENT,
            payload={
                "event_id": event_public_id,
                "event_type": TEST_EVENT,
                "created_at": _iso_ms_text(created_at),
                "test": True,
            },
        )

    def headers(self, *, secret: str, body: bytes) -> dict[str, str]:
        return {"X-Retino-Secret": secret}


RETINO = RetinoFlavour()


def register(registry: Flavours) -> None:
    registry.register(RETINO)


__all__ = ["EVENT_NAMES", "RETINO", "TEST_EVENT", "RetinoFlavour", "register"]
