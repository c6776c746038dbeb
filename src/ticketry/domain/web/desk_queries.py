"""What the agent desk reads: a keyset-paginated ticket list and a ticket's whole page.

The list uses the same search as the APIs (``tickets.queries``) and pages by the sort key
and the ticket id ("newer"/"older" links), so a page costs the same at the millionth
ticket as at the first; there is no COUNT(*) of the whole result.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import User
from ticketry.domain.catalog.models import CustomField, Tag, TicketState, TicketType
from ticketry.domain.conversations.queries import MessageRecord, messages_of_tickets
from ticketry.domain.errors import NotFound
from ticketry.domain.files.models import StoredFile
from ticketry.domain.orders.lookup import OrderDetail, order_detail
from ticketry.domain.tickets.filters import Sort, TicketFilter
from ticketry.domain.tickets.history import history_entry
from ticketry.domain.tickets.history_labels import ChangeLine, change_lines
from ticketry.domain.tickets.models import HistoryItem, Ticket
from ticketry.domain.tickets.queries import ticket_get, ticket_keyset
from ticketry.domain.tickets.records import FLAT, TicketRecord

SORTS = {
    "-created_at": ("created_at", True),
    "created_at": ("created_at", False),
    "-updated_at": ("updated_at", True),
    "updated_at": ("updated_at", False),
}


@dataclass
class DeskFilter:
    search: str = ""
    status: str = ""  # lifecycle status
    state_id: int | None = None
    type_id: int | None = None
    tag_id: int | None = None
    assignee_id: int | None = None  # 0: nobody
    priority: str = ""
    is_closed: bool | None = None
    created_from: date | None = None  # inclusive days, as the domain filter takes them
    created_to: date | None = None
    sort: str = "-created_at"


@dataclass
class DeskPage:
    items: list[TicketRecord]
    newer: str | None  # cursor of the page before (towards the sort's start)
    older: str | None  # cursor of the page after


def cursor_encode(value: datetime, ticket_id: int) -> str:
    raw = f"{value.isoformat()}|{ticket_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor or len(cursor) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, ident = raw.partition("|")
        return datetime.fromisoformat(stamp), int(ident)
    except ValueError:
        return None


def _ticket_filter(flt: DeskFilter) -> TicketFilter:
    """The desk's form as the domain's ticket filter: the API's search and filters."""
    column_name, descending = SORTS.get(flt.sort, SORTS["-created_at"])
    return TicketFilter(
        search=flt.search or None,
        is_closed=flt.is_closed,
        statuses=[flt.status] if flt.status else None,
        state_id=flt.state_id,
        type_id=flt.type_id,
        tag_ids=[flt.tag_id] if flt.tag_id is not None else None,
        assignee_id=flt.assignee_id or None,
        unassigned=flt.assignee_id == 0,
        priorities=[flt.priority] if flt.priority else None,
        created_from=flt.created_from,
        created_to=flt.created_to,
        ordering=[Sort(column_name, descending=descending)],
    )


async def desk_ticket_page(
    session: AsyncSession,
    *,
    account_id: int,
    flt: DeskFilter,
    limit: int,
    after: str | None = None,
    before: str | None = None,
) -> DeskPage:
    """One page of tickets. ``after``: the page following a cursor; ``before``: preceding."""
    column_name, _ = SORTS.get(flt.sort, SORTS["-created_at"])
    key_after, key_before = cursor_decode(after), cursor_decode(before)
    backwards = key_before is not None and key_after is None
    key = key_before if backwards else key_after
    page = await ticket_keyset(
        session,
        account_id=account_id,
        flt=_ticket_filter(flt),
        limit=limit,
        after=None if backwards else key,
        before=key if backwards else None,
        projection=FLAT,
    )
    rows = page.items
    newer = older = None
    if rows:
        first, last = rows[0], rows[-1]
        has_before = page.has_more if backwards else key is not None
        has_after = key is not None if backwards else page.has_more
        if has_before:
            newer = cursor_encode(getattr(first, column_name), first.id)
        if has_after:
            older = cursor_encode(getattr(last, column_name), last.id)
    return DeskPage(items=rows, newer=newer, older=older)


@dataclass
class Lookups:
    """The account's states, types, tags, agents: names for ids, choices for forms."""

    states: list[TicketState]
    types: list[TicketType]
    tags: list[Tag]
    users: list[User]

    def state(self, ident: int | None) -> TicketState | None:
        return next((s for s in self.states if s.id == ident), None)

    def type(self, ident: int | None) -> TicketType | None:
        return next((t for t in self.types if t.id == ident), None)

    def user(self, ident: int | None) -> User | None:
        return next((u for u in self.users if u.id == ident), None)

    def tags_by_public_id(self, ids: list[Any]) -> list[Tag]:
        wanted = set(ids)
        return [t for t in self.tags if t.public_id in wanted]


async def desk_lookups(session: AsyncSession, *, account_id: int) -> Lookups:
    states = await session.scalars(
        select(TicketState)
        .where(TicketState.account_id == account_id)
        .order_by(TicketState.position, TicketState.id)
    )
    types = await session.scalars(
        select(TicketType)
        .where(TicketType.account_id == account_id)
        .order_by(TicketType.position, TicketType.id)
    )
    tags = await session.scalars(
        select(Tag).where(Tag.account_id == account_id).order_by(Tag.label, Tag.id)
    )
    users = await session.scalars(
        select(User).where(User.account_id == account_id).order_by(User.email, User.id)
    )
    return Lookups(list(states), list(types), list(tags), list(users))


@dataclass
class HistoryView:
    """One history entry as the desk lists it (labels are the desk catalog's keys)."""

    created_at: datetime
    kind: str
    actor_kind: str
    actor_name: str | None  # a person's or credential's name; else the kind says who
    via_kind: str | None
    via_name: str | None
    changes: list[ChangeLine]
    text: str | None
    product: str | None
    attachments: list[str]


# The desk lists a ticket's latest entries; older ones stay in the database.
DESK_HISTORY_LIMIT = 200


def _history_view(row: RowMapping, lang: str) -> HistoryView:
    entry = history_entry(row["item_type"], row["data"], user_name=row["user_email"])
    found = entry.by.get("via")
    via: dict[str, Any] = found if isinstance(found, dict) else {}
    return HistoryView(
        created_at=row["created_at"],
        kind=entry.kind,
        actor_kind=str(entry.by.get("kind") or "system"),
        actor_name=entry.by.get("name") or None,
        via_kind=via.get("kind"),
        via_name=via.get("name"),
        changes=change_lines(entry, lang),
        text=entry.text,
        product=entry.product,
        attachments=entry.attachments,
    )


@dataclass
class TicketPage:
    view: TicketRecord
    order: OrderDetail | None
    conversation: list[MessageRecord]
    history: list[HistoryView]
    custom_fields: list[CustomField]


async def desk_ticket_page_data(
    session: AsyncSession, *, account_id: int, code: str, lang: str = "en"
) -> TicketPage:
    """``lang``: the language of the names of states, types and tags in the history."""
    ticket_id = await session.scalar(
        select(Ticket.id).where(Ticket.account_id == account_id, Ticket.code == code)
    )
    if ticket_id is None:
        raise NotFound()
    view = await ticket_get(session, account_id=account_id, ref=int(ticket_id))
    order = None
    if view.bound_order_id:
        order = await order_detail(session, account_id=account_id, order_id=view.bound_order_id)
    messages = await messages_of_tickets(session, account_id=account_id, ticket_ids=[ticket_id])
    history = await session.execute(
        select(HistoryItem.__table__, User.email.label("user_email"))
        .outerjoin(User, User.id == HistoryItem.user_id)
        .where(HistoryItem.ticket_id == ticket_id, HistoryItem.account_id == account_id)
        .order_by(HistoryItem.id.desc())
        .limit(DESK_HISTORY_LIMIT)
    )
    fields = await session.scalars(
        select(CustomField)
        .where(CustomField.account_id == account_id, CustomField.target == "ticket")
        .order_by(CustomField.position, CustomField.id)
    )
    return TicketPage(
        view=view,
        order=order,
        conversation=messages[ticket_id],
        history=[_history_view(row, lang) for row in history.mappings()],
        custom_fields=list(fields),
    )


async def desk_file_get(
    session: AsyncSession, *, account_id: int, public_id: Any
) -> StoredFile | None:
    return await session.scalar(
        select(StoredFile).where(
            StoredFile.public_id == public_id, StoredFile.account_id == account_id
        )
    )
