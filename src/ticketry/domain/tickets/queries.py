"""Reading tickets: list, search, detail. Related rows are batch-loaded, never per ticket."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter

from ticketry.domain.accounts.models import User
from ticketry.domain.catalog.models import Tag, TicketState, TicketType
from ticketry.domain.errors import NotFound
from ticketry.domain.orders.models import Order, OrderItem
from ticketry.domain.pagination import (
    Page,
    PageRequest,
    keyset_beyond,
    ordering_clauses,
    ordering_parse,
    paginate_rows,
)
from ticketry.domain.refs import Ref, ref_clause, ref_id_or_404
from ticketry.domain.search import like_pattern, search_terms
from ticketry.domain.sql_hints import likely
from ticketry.domain.tickets.models import Shipment, Ticket, TicketItem, ticket_tags
from ticketry.domain.tickets.search_sql import ticket_text_contains

ORDERING_FIELDS = ("created_at", "updated_at", "closed_at")


@dataclass
class TicketFilter:
    created_at_from: datetime | None = None
    updated_at_from: datetime | None = None
    closed_at_from: datetime | None = None
    is_closed: bool | None = None
    search: str | None = None
    ordering: list[str] = field(default_factory=lambda: ["-created_at"])
    # Field filters (Next Commerce and any face that wants them); None: no filter.
    id: int | None = None
    statuses: list[str] | None = None
    subject: str | None = None  # contains, case-insensitive
    requester_id: int | None = None
    assignee_id: int | None = None
    order_number: str | None = None
    item_ids: list[int] | None = None  # any of the ticket's products (TicketItem ids)
    tag_ids: list[int] | None = None  # any of
    type_id: int | None = None
    priority: str | None = None
    channel: str | None = None
    created_from: date | None = None  # inclusive, whole days in UTC
    created_to: date | None = None  # inclusive
    filter_text: str | None = None  # ticket id, subject or requester e-mail
    state_id: int | None = None
    unassigned: bool = False  # only tickets nobody is assigned to


@dataclass
class TicketView:
    ticket: RowMapping
    products: list[RowMapping] = field(default_factory=list)
    tags: list[uuid.UUID] = field(default_factory=list)
    shipments: list[RowMapping] = field(default_factory=list)
    bound_order: RowMapping | None = None


_state = aliased(TicketState)
_type = aliased(TicketType)
_owner = aliased(User)


def _base_select(account_id: int) -> Select[Any]:
    return (
        select(
            Ticket.__table__,
            _state.public_id.label("state_public_id"),
            _type.public_id.label("type_public_id"),
            _owner.public_id.label("assignee_public_id"),
        )
        .join(_state, _state.id == Ticket.state_id)
        .outerjoin(_type, _type.id == Ticket.type_id)
        .outerjoin(_owner, _owner.id == Ticket.assignee_id)
        .where(Ticket.account_id == account_id)
    )


def parse_ordering(raw: str | None) -> list[str]:
    return ordering_parse(raw, fields=ORDERING_FIELDS, default="-created_at")


def _apply_filter(stmt: Select[Any], flt: TicketFilter) -> Select[Any]:
    if flt.created_at_from is not None:
        stmt = stmt.where(Ticket.created_at >= flt.created_at_from)
    if flt.updated_at_from is not None:
        stmt = stmt.where(Ticket.updated_at >= flt.updated_at_from)
    if flt.closed_at_from is not None:
        stmt = stmt.where(Ticket.closed_at >= flt.closed_at_from)
    if flt.is_closed is True:
        stmt = stmt.where(Ticket.closed_at.is_not(None))
    elif flt.is_closed is False:
        # Most of an account's tickets may be open: see sql_hints.
        stmt = stmt.where(likely(Ticket.closed_at.is_(None)))
    if flt.search:
        terms = search_terms(flt.search)
        for term in terms:
            stmt = stmt.where(ticket_text_contains(term))
    return _apply_field_filters(stmt, flt)


def _apply_field_filters(stmt: Select[Any], flt: TicketFilter) -> Select[Any]:
    if flt.id is not None:
        stmt = stmt.where(Ticket.id == flt.id)
    if flt.statuses:
        stmt = stmt.where(Ticket.status.in_(flt.statuses))
    if flt.subject:
        pattern = like_pattern(flt.subject.lower())
        stmt = stmt.where(func.lower(Ticket.subject).like(pattern, escape="\\"))
    for column, value in (
        (Ticket.requester_id, flt.requester_id),
        (Ticket.assignee_id, flt.assignee_id),
        (Ticket.order_id, flt.order_number),
        (Ticket.type_id, flt.type_id),
        (Ticket.priority, flt.priority),
        (Ticket.channel, flt.channel),
        (Ticket.state_id, flt.state_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if flt.unassigned:
        stmt = stmt.where(Ticket.assignee_id.is_(None))
    if flt.item_ids:
        stmt = stmt.where(
            Ticket.id.in_(select(TicketItem.ticket_id).where(TicketItem.id.in_(flt.item_ids)))
        )
    if flt.tag_ids:
        stmt = stmt.where(
            Ticket.id.in_(
                select(ticket_tags.c.ticket_id).where(ticket_tags.c.tag_id.in_(flt.tag_ids))
            )
        )
    if flt.created_from is not None:
        stmt = stmt.where(Ticket.created_at >= datetime.combine(flt.created_from, time.min, UTC))
    if flt.created_to is not None and flt.created_to < date.max:
        end = datetime.combine(flt.created_to + timedelta(days=1), time.min, UTC)
        stmt = stmt.where(Ticket.created_at < end)
    if flt.filter_text and flt.filter_text.strip():
        text = flt.filter_text.strip()
        pattern = like_pattern(text.lower())
        either: list[Any] = [
            func.lower(Ticket.subject).like(pattern, escape="\\"),
            Ticket.customer_email.like(pattern, escape="\\"),
        ]
        if text.isdigit() and len(text) < 18:
            either.append(Ticket.id == int(text))
        stmt = stmt.where(or_(*either))
    return stmt


def _related_statements() -> dict[str, Select[Any]]:
    """The four selects of ``ticket_views``, built once: a page's ids and account go in as
    bound parameters (``ids`` expanding), so a request only binds values instead of
    building SQL expression trees again."""
    ids: BindParameter[Any] = bindparam("ids", expanding=True)
    account: BindParameter[Any] = bindparam("account_id")
    bound_item = aliased(OrderItem)
    return {
        "products": select(
            TicketItem.__table__, bound_item.public_id.label("bound_order_item_public_id")
        )
        .outerjoin(bound_item, bound_item.id == TicketItem.bound_order_item_id)
        .where(TicketItem.ticket_id.in_(ids), TicketItem.account_id == account)
        .order_by(TicketItem.ticket_id, TicketItem.position, TicketItem.id),
        "tags": select(ticket_tags.c.ticket_id, Tag.public_id)
        .join(Tag, Tag.id == ticket_tags.c.tag_id)
        .where(ticket_tags.c.ticket_id.in_(ids), ticket_tags.c.account_id == account)
        .order_by(ticket_tags.c.ticket_id, Tag.id),
        "shipments": select(Shipment.__table__)
        .where(Shipment.ticket_id.in_(ids), Shipment.account_id == account)
        .order_by(Shipment.ticket_id, Shipment.id),
        "orders": select(
            Order.id, Order.public_id, Order.code, Order.remote_id, Order.order_date, Order.currency
        ).where(Order.id.in_(ids), Order.account_id == account),
    }


_RELATED: dict[str, Select[Any]] = {}


async def ticket_views(
    session: AsyncSession, account_id: int, rows: list[RowMapping]
) -> list[TicketView]:
    """Attach products, tags, shipments and bound orders: four queries for any page size."""
    views = [TicketView(ticket=row) for row in rows]
    if not views:
        return views
    if not _RELATED:
        _RELATED.update(_related_statements())
    # Plain Core selects: executing them on the connection skips the ORM's result layer.
    conn = await session.connection()
    ids = [v.ticket["id"] for v in views]
    by_id = {v.ticket["id"]: v for v in views}
    params = {"ids": ids, "account_id": account_id}
    products = await conn.execute(_RELATED["products"], params)
    for prow in products.mappings():
        by_id[prow["ticket_id"]].products.append(prow)
    tags = await conn.execute(_RELATED["tags"], params)
    for ticket_id, tag_public_id in tags:
        by_id[ticket_id].tags.append(tag_public_id)
    shipments = await conn.execute(_RELATED["shipments"], params)
    for srow in shipments.mappings():
        by_id[srow["ticket_id"]].shipments.append(srow)
    order_ids = sorted({v.ticket["bound_order_id"] for v in views if v.ticket["bound_order_id"]})
    if order_ids:
        orders = await conn.execute(
            _RELATED["orders"], {"ids": order_ids, "account_id": account_id}
        )
        order_map: dict[int, RowMapping] = {o["id"]: o for o in orders.mappings()}
        for view in views:
            view.bound_order = order_map.get(view.ticket["bound_order_id"])
    return views


def ticket_select(account_id: int, flt: TicketFilter) -> Select[Any]:
    """The account's tickets matching ``flt``, with the columns every ticket view reads;
    callers add their own ordering and paging."""
    return _apply_filter(_base_select(account_id), flt)


async def ticket_list(
    session: AsyncSession, *, account_id: int, flt: TicketFilter, page: PageRequest
) -> Page[TicketView]:
    stmt = _apply_filter(_base_select(account_id), flt).order_by(
        *ordering_clauses(Ticket, flt.ordering)
    )
    # The joins of the page add no rows (state is required, type and owner are outer).
    count_stmt = _apply_filter(
        select(func.count(Ticket.id)).where(Ticket.account_id == account_id), flt
    )
    result = await paginate_rows(session, stmt, page, count_stmt)
    rows = [r._mapping for r in result.items]
    views = await ticket_views(session, account_id, rows)
    return Page(items=views, count=result.count, page=result.page, page_size=result.page_size)


async def ticket_get(session: AsyncSession, *, account_id: int, ref: Ref) -> TicketView:
    row = (await session.execute(_base_select(account_id).where(ref_clause(Ticket, ref)))).first()
    if row is None:
        raise NotFound()
    (view,) = await ticket_views(session, account_id, [row._mapping])
    return view


async def ticket_get_many(
    session: AsyncSession, *, account_id: int, ids: list[int]
) -> dict[int, TicketView]:
    """Several tickets by integer id, with the same five queries as one list page; ids that
    are gone (or another account's) are simply absent."""
    if not ids:
        return {}
    rows = (
        await session.execute(_base_select(account_id).where(Ticket.id.in_(sorted(set(ids)))))
    ).all()
    views = await ticket_views(session, account_id, [row._mapping for row in rows])
    return {view.ticket["id"]: view for view in views}


async def ticket_id_for(session: AsyncSession, *, account_id: int, ref: Ref) -> int:
    """The ticket's integer id, or NotFound: a 404 comes before any body validation."""
    return await ref_id_or_404(session, Ticket, account_id=account_id, ref=ref)


async def ticket_items_list(
    session: AsyncSession, *, account_id: int, ticket_ref: Ref
) -> list[RowMapping]:
    ticket_id = await ticket_id_for(session, account_id=account_id, ref=ticket_ref)
    bound_item = aliased(OrderItem)
    rows = await session.execute(
        select(TicketItem.__table__, bound_item.public_id.label("bound_order_item_public_id"))
        .outerjoin(bound_item, bound_item.id == TicketItem.bound_order_item_id)
        .where(TicketItem.ticket_id == ticket_id, TicketItem.account_id == account_id)
        .order_by(TicketItem.position, TicketItem.id)
    )
    return list(rows.mappings())


async def ticket_item_view(
    session: AsyncSession, *, account_id: int, ticket_ref: Ref, ref: Ref
) -> RowMapping:
    bound_item = aliased(OrderItem)
    row = (
        await session.execute(
            select(TicketItem.__table__, bound_item.public_id.label("bound_order_item_public_id"))
            .join(Ticket, Ticket.id == TicketItem.ticket_id)
            .outerjoin(bound_item, bound_item.id == TicketItem.bound_order_item_id)
            .where(
                and_(ref_clause(Ticket, ticket_ref), Ticket.account_id == account_id),
                ref_clause(TicketItem, ref),
                TicketItem.account_id == account_id,
            )
        )
    ).first()
    if row is None:
        raise NotFound()
    return row._mapping


# A keyset position in the newest-first order: (created_at, id) of a ticket.
Position = tuple[datetime, int]


@dataclass
class KeysetPage:
    rows: list[RowMapping]
    has_more: bool  # more rows lie beyond this page in the direction read


async def ticket_list_keyset(
    session: AsyncSession,
    *,
    account_id: int,
    flt: TicketFilter,
    limit: int,
    after: Position | None = None,
    before: Position | None = None,
) -> KeysetPage:
    """Tickets newest first, ``limit`` of them, strictly after (older than) ``after`` or
    strictly before (newer than) ``before``. No count and no offset: pages stay stable
    while tickets are added, and the cost of a page does not grow with its depth."""
    stmt = _apply_filter(select(Ticket.__table__).where(Ticket.account_id == account_id), flt)
    if before is not None:
        at, ticket_id = before
        stmt = stmt.where(
            keyset_beyond(Ticket.created_at, Ticket.id, at, ticket_id, smaller=False)
        ).order_by(Ticket.created_at.asc(), Ticket.id.asc())
    else:
        if after is not None:
            at, ticket_id = after
            stmt = stmt.where(
                keyset_beyond(Ticket.created_at, Ticket.id, at, ticket_id, smaller=True)
            )
        stmt = stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc())
    rows = list((await session.execute(stmt.limit(limit + 1))).mappings())
    has_more = len(rows) > limit
    rows = rows[:limit]
    if before is not None:
        rows.reverse()
    return KeysetPage(rows=rows, has_more=has_more)


__all__ = [
    "ORDERING_FIELDS",
    "TicketFilter",
    "TicketView",
    "parse_ordering",
    "ticket_get",
    "ticket_id_for",
    "ticket_item_view",
    "ticket_items_list",
    "ticket_list",
    "ticket_list_keyset",
    "ticket_select",
    "ticket_views",
]


async def ticket_item_ids_and_tag_labels(
    session: AsyncSession, *, account_id: int, ticket_ids: list[int]
) -> tuple[dict[int, list[int]], dict[int, list[str]]]:
    """For faces that show products as ids and tags as labels: two queries for any number."""
    items: dict[int, list[int]] = {t: [] for t in ticket_ids}
    labels: dict[int, list[str]] = {t: [] for t in ticket_ids}
    if not ticket_ids:
        return items, labels
    rows = await session.execute(
        select(TicketItem.ticket_id, TicketItem.id)
        .where(TicketItem.ticket_id.in_(ticket_ids), TicketItem.account_id == account_id)
        .order_by(TicketItem.ticket_id, TicketItem.position, TicketItem.id)
    )
    for ticket_id, item_id in rows:
        items[ticket_id].append(item_id)
    tag_rows = await session.execute(
        select(ticket_tags.c.ticket_id, Tag.label)
        .join(Tag, Tag.id == ticket_tags.c.tag_id)
        .where(ticket_tags.c.ticket_id.in_(ticket_ids), ticket_tags.c.account_id == account_id)
        .order_by(ticket_tags.c.ticket_id, Tag.label)
    )
    for ticket_id, label in tag_rows:
        labels[ticket_id].append(label)
    return items, labels
