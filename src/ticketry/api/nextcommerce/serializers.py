"""Domain reads → Next Commerce wire structs; Next Commerce writes → domain commands."""

from __future__ import annotations

from typing import Any

from litestar import Request
from msgspec import UNSET
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.api.nextcommerce import schemas as s
from ticketry.domain.catalog.tags import tag_ids_for_labels
from ticketry.domain.conversations.queries import MessageRecord, messages_of_tickets
from ticketry.domain.errors import Code, ErrorCollector
from ticketry.domain.tickets.commands import TicketData
from ticketry.domain.tickets.records import Projection, TicketRecord
from ticketry.http.params import MAX_ID

# Ticketry's values that Next Commerce does not know, shown as its nearest one; a filter
# for a shown value finds every ticket shown with it, and a write of the value a ticket
# already shows keeps what it is (an urgent ticket PUT back with "high" stays urgent).
PRIORITY_OUT = {"urgent": "high"}
CHANNEL_OUT = {"portal": "customer_account", "pos": "dashboard"}


def shown_as(shown: str | None, out: dict[str, str]) -> list[str] | None:
    """The domain values a filter for ``shown`` matches (None: no filter)."""
    if shown is None:
        return None
    return [shown, *(value for value, wire in out.items() if wire == shown)]


FILES_PATH = "/api/admin/tickets/attachments/"
# What a Next Commerce ticket shows: its products as ids, its tags (as labels).
PROJECTION = Projection(items="ids", tags=True, shipments=False, bound_order=False)


def files_base(request: Request) -> str:
    return f"{str(request.base_url).rstrip('/')}{FILES_PATH}"


def comment_out(message: MessageRecord, base: str) -> s.TicketCommentOut:
    return s.TicketCommentOut(
        id=message.id,
        author=message.author_user_id,
        body=message.body,
        from_email=message.from_email or None,
        is_public=message.is_public,
        created_at=message.created_at,
        attachments=[
            s.AttachmentOut(id=a.id, file=f"{base}{a.id}/", file_name=a.filename)
            for a in message.attachments
        ],
    )


async def tickets_out(
    request: Request | str, db: AsyncSession, account_id: int, tickets: list[TicketRecord]
) -> list[s.TicketOut]:
    """Serialise tickets read with ``PROJECTION``, and their comments (one more read for a
    page). ``request`` gives the base of file URLs (or is that base itself, outside a
    request)."""
    messages = await messages_of_tickets(
        db, account_id=account_id, ticket_ids=[t.id for t in tickets]
    )
    base = request if isinstance(request, str) else files_base(request)
    return [
        s.TicketOut(
            id=t.id,
            subject=t.subject,
            status=t.status,
            priority=PRIORITY_OUT.get(t.priority, t.priority),
            channel=CHANNEL_OUT.get(t.channel, t.channel),
            requester=t.requester_id,
            assignee=t.assignee_id,
            # The address it came from, else its person's: one person behind every ticket.
            from_email=t.from_email or t.customer_email or None,
            order=t.order_id or "",
            products=t.item_ids,
            tags=sorted(tag.label for tag in t.tags),
            ticket_type=t.type_id,
            comments=[comment_out(m, base) for m in messages[t.id]],
            created_at=t.created_at,
            updated_at=t.updated_at,
        )
        for t in tickets
    ]


def _choice(errors: ErrorCollector, field: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        errors.add(field, f'"{value}" is not a valid choice.')


def _ref(errors: ErrorCollector, field: str, value: int | None) -> None:
    if value is not None and not 0 < value <= MAX_ID:
        errors.add(field, Code.INVALID_REF, value=value)


async def ticket_data(
    db: AsyncSession, account_id: int, body: s.TicketWrite, errors: ErrorCollector
) -> TicketData:
    """The domain command for a ticket write; wire-level problems go into ``errors``."""
    values: dict[str, Any] = {}
    if body.subject is not UNSET:
        values["subject"] = body.subject
    if body.status is not UNSET:
        _choice(errors, "status", body.status, s.STATUSES)
        values["status"] = body.status
    if body.priority is not UNSET:
        _choice(errors, "priority", body.priority, s.PRIORITIES)
        values["priority"] = body.priority
    if body.from_email is not UNSET:
        values["from_email"] = body.from_email or None
    if body.order is not UNSET:
        values["order_id"] = body.order or None
    for wire, domain in (("assignee", "assignee"), ("requester", "requester")):
        value = getattr(body, wire)
        if value is not UNSET:
            _ref(errors, wire, value)
            values[domain] = value
    if body.ticket_type is not UNSET:
        _ref(errors, "ticket_type", body.ticket_type)
        values["type"] = body.ticket_type
    if body.products is not UNSET:
        for item_id in body.products:
            _ref(errors, "products", item_id)
        values["item_ids"] = list(dict.fromkeys(body.products))
    if body.tags is not UNSET and not errors:
        labels = [t for t in body.tags if t is not None]
        values["tags"] = await tag_ids_for_labels(db, account_id=account_id, labels=labels)
    return TicketData(**values)
