"""Reading tickets: the one reader every face, the desk and the webhooks go through.

A read is a ``TicketFilter`` (which tickets, in which order), a page (numbered with a total,
an offset slice, or a keyset cursor) and a ``Projection`` (which parts of each ticket). It
runs as one statement that returns the page's whole document (``documents.py``): the
page's ticket ids are found on the account's ordering index alone (an index-only scan, also
for deep pages: a deferred join), then only those tickets are joined and built. msgspec
decodes the document straight into ``TicketRecord`` structs; a face keeps only its
serializer. Totals for numbered pages come from the per-account counters (``counts.py``)
when the filter allows, else from one COUNT on the same filter.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Generic, NamedTuple, TypeVar

import msgspec
from sqlalchemy import Select, and_, func, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ticketry.domain.errors import NotFound
from ticketry.domain.orders.models import OrderItem
from ticketry.domain.pagination import Page, PageRequest, keyset_beyond, ordering_parse
from ticketry.domain.refs import Ref, ref_clause, ref_id_or_404
from ticketry.domain.search import search_terms
from ticketry.domain.slicing import Slice
from ticketry.domain.sql_json import json_array, json_text
from ticketry.domain.tickets import counts
from ticketry.domain.tickets.documents import ticket_document
from ticketry.domain.tickets.fields import sort_expression
from ticketry.domain.tickets.filters import (
    Binder,
    Condition,
    Sort,
    TicketFilter,
    is_plain,
    where_clauses,
)
from ticketry.domain.tickets.models import Ticket, TicketItem
from ticketry.domain.tickets.records import FULL, Projection, TicketRecord
from ticketry.domain.tickets.search_sql import FTS_MIN_TERM, fts_matches_probe
from ticketry.domain.tickets.searchkeys import key_lookup, search_key
from ticketry.readpath import Read, read, shape_of

ORDERING_FIELDS = ("created_at", "updated_at", "closed_at")
# No account holds this many tickets: an offset beyond it is past the end without asking the
# database (whose 64-bit OFFSET a page number times its size can overflow).
MAX_OFFSET = 2**31
T = TypeVar("T")

_decode_page = msgspec.json.Decoder(list[TicketRecord]).decode


def parse_ordering(raw: str | None) -> list[Sort]:
    """DRF's ``ordering`` over ``ORDERING_FIELDS``; missing values last either way."""
    keys = ordering_parse(raw, fields=ORDERING_FIELDS, default="-created_at")
    return [Sort(k.lstrip("-"), descending=k.startswith("-"), nulls="last") for k in keys]


@dataclass
class KeysetPage(Generic[T]):
    items: list[T]
    has_more: bool  # more tickets lie beyond this page in the direction read


# A keyset position: the first sort key's value and the ticket id of a ticket.
Position = tuple[Any, int]


# ---- building the statements -----------------------------------------------------------


def _sort_keys(ordering: list[Sort]) -> list[Sort]:
    """The ordering with the ticket id last, in the last key's direction."""
    if ordering and ordering[-1].field == "id":
        return ordering
    last_desc = ordering[-1].descending if ordering else True
    return [*ordering, Sort("id", descending=last_desc)]


def _ids_select(
    account_id: int, flt: TicketFilter, keys: list[Sort], b: Binder, *, reverse: bool = False
) -> Select[Any]:
    """The matching tickets' ids (and sort values ``s0, s1, …``) in ``keys`` order (reversed
    when ``reverse``): the part of a page read from the account's indexes alone."""
    read_keys = [Sort(k.field, not k.descending, k.nulls) for k in keys] if reverse else keys
    columns = [sort_expression(Sort(k.field)).element.label(f"s{i}") for i, k in enumerate(keys)]
    return (
        select(*columns)
        .where(*where_clauses(account_id, flt, b))
        .order_by(*[sort_expression(k) for k in read_keys])
    )


def _document_read(
    name: str, ids: Select[Any], keys: list[Sort], projection: Projection, b: Binder
) -> Read:
    """Wrap a select of ids (``_ids_select``, limited) into the statement that returns the
    documents of those tickets, in ``keys`` order, as one JSON array."""

    def build(dialect: str) -> Any:
        page = ids.subquery("page")
        id_col = page.c[f"s{len(keys) - 1}"]
        outer = []
        for i, key in enumerate(keys):
            column = page.c[f"s{i}"]
            clause = column.desc() if key.descending else column.asc()
            if key.nulls == "last":
                clause = clause.nulls_last()
            elif key.nulls == "first":
                clause = clause.nulls_first()
            outer.append(clause)
        rows = (
            select(ticket_document(projection, dialect))
            .select_from(page.join(Ticket, Ticket.id == id_col))
            .order_by(*outer)
        )
        return select(json_text(json_array(rows, dialect)))

    key = (name, projection, shape_of(ids))  # the statement's shape
    return Read(key=key, build=build, params=b.values)


def _records(document: Any) -> list[TicketRecord]:
    return _decode_page(document) if document else []


# A search matching at least this many tickets (of all accounts) pages by walking the
# ordering's index on SQLite (``search_sql.ticket_text_contains``).
MANY_MATCHES = 1000


async def _resolved(session: AsyncSession, account_id: int, flt: TicketFilter) -> TicketFilter:
    """A search whose whole text is one identifier (``searchkeys.search_key``) that some
    ticket has becomes an exact-key filter; anything else stays a substring search, told
    on SQLite whether it matches many tickets (one cheap look at the full-text index)."""
    if not flt.search:
        return flt
    key = search_key(flt.search)
    if key is not None:
        b = Binder()
        probe = key_lookup(b(account_id), b(key)).limit(1)
        (found,) = await read(
            session, Read(key=("search_key_probe",), build=lambda _: probe, params=b.values)
        )
        if found is not None:
            return replace(flt, search=None, search_key=key)
    terms = [t for t in search_terms(flt.search) if len(t) >= FTS_MIN_TERM]
    if not terms or session.get_bind().dialect.name != "sqlite" or "\x00" in flt.search:
        return flt
    b = Binder()
    count = fts_matches_probe(terms, b, MANY_MATCHES)
    (matches,) = await read(
        session, Read(key=("fts_probe", shape_of(count)), build=lambda _: count, params=b.values)
    )
    return replace(flt, search_many=True) if (matches or 0) >= MANY_MATCHES else flt


def _count(account_id: int, flt: TicketFilter) -> Read:
    if is_plain(flt):
        return counts.count_read(account_id, counts.statuses_of(flt))
    # Counting visits every match anyway: from the matches, not along an ordering.
    flt = replace(flt, search_many=False)
    b = Binder()
    stmt = select(func.count()).where(*where_clauses(account_id, flt, b))
    return Read(key=("count", shape_of(stmt)), build=lambda _: stmt, params=b.values)


# ---- the readers -------------------------------------------------------------------------


async def ticket_page(
    session: AsyncSession,
    *,
    account_id: int,
    flt: TicketFilter,
    page: PageRequest,
    projection: Projection = FULL,
) -> Page[TicketRecord]:
    """A numbered page and the total (two statements, one snapshot). A page past the end
    is a 404, as in DRF."""
    flt = await _resolved(session, account_id, flt)
    keys = _sort_keys(flt.ordering)
    b = Binder()
    offset = (page.page - 1) * page.page_size
    if offset > MAX_OFFSET:
        raise NotFound("Invalid page.")
    ids = _ids_select(account_id, flt, keys, b).limit(b(page.page_size)).offset(b(offset))
    documents = _document_read("page", ids, keys, projection, b)
    total, document = await read(session, _count(account_id, flt), documents)
    count = int(total or 0)
    pages = max(1, -(-count // page.page_size))
    if page.page > pages:
        raise NotFound("Invalid page.")
    return Page(items=_records(document), count=count, page=page.page, page_size=page.page_size)


async def ticket_count(session: AsyncSession, *, account_id: int, flt: TicketFilter) -> int:
    flt = await _resolved(session, account_id, flt)
    (total,) = await read(session, _count(account_id, flt))
    return int(total or 0)


async def ticket_slice(
    session: AsyncSession,
    *,
    account_id: int,
    flt: TicketFilter,
    offset: int,
    limit: int,
    projection: Projection = FULL,
) -> Slice[TicketRecord]:
    """``limit`` tickets from ``offset`` on, and whether more follow (no total)."""
    if offset > MAX_OFFSET:
        return Slice(items=[], offset=offset, limit=limit, has_more=False)
    flt = await _resolved(session, account_id, flt)
    keys = _sort_keys(flt.ordering)
    b = Binder()
    ids = _ids_select(account_id, flt, keys, b).limit(b(limit + 1)).offset(b(offset))
    (document,) = await read(session, _document_read("slice", ids, keys, projection, b))
    records = _records(document)
    return Slice(items=records[:limit], offset=offset, limit=limit, has_more=len(records) > limit)


async def ticket_keyset(
    session: AsyncSession,
    *,
    account_id: int,
    flt: TicketFilter,
    limit: int,
    after: Position | None = None,
    before: Position | None = None,
    projection: Projection = FULL,
) -> KeysetPage[TicketRecord]:
    """``limit`` tickets in the filter's ordering (its first key and the id) strictly after
    ``after``, or strictly before ``before``. No count and no offset: pages stay stable while
    tickets are added, and a page costs the same at any depth."""
    flt = await _resolved(session, account_id, flt)
    (first,) = flt.ordering[:1] or [Sort("created_at", descending=True)]
    keys = [first, Sort("id", descending=first.descending)]
    column = sort_expression(Sort(first.field)).element
    b = Binder()
    backwards = before is not None and after is None
    position = before if backwards else after
    ids = _ids_select(account_id, flt, keys, b, reverse=backwards)
    if position is not None:
        smaller = first.descending != backwards  # later in the order, read this way
        ids = ids.where(
            keyset_beyond(
                column, Ticket.id, b(position[0], column.type), b(position[1]), smaller=smaller
            )
        )
    ids = ids.limit(b(limit + 1))
    (document,) = await read(session, _document_read("keyset", ids, keys, projection, b))
    records = _records(document)
    has_more = len(records) > limit
    if backwards:
        records = records[-limit:] if has_more else records
    else:
        records = records[:limit]
    return KeysetPage(items=records, has_more=has_more)


async def ticket_get(
    session: AsyncSession, *, account_id: int, ref: Ref, projection: Projection = FULL
) -> TicketRecord:
    found = await _by_refs(session, account_id, [ref], projection)
    if not found:
        raise NotFound()
    return found[0]


async def ticket_get_many(
    session: AsyncSession, *, account_id: int, ids: list[int], projection: Projection = FULL
) -> dict[int, TicketRecord]:
    """Several tickets by integer id in one statement; ids that are gone (or another
    account's) are simply absent."""
    if not ids:
        return {}
    records = await _by_refs(session, account_id, sorted(set(ids)), projection)
    return {r.id: r for r in records}


async def _by_refs(
    session: AsyncSession, account_id: int, refs: list[Ref], projection: Projection
) -> list[TicketRecord]:
    uuids = [r for r in refs if isinstance(r, uuid.UUID)]
    ints = [r for r in refs if not isinstance(r, uuid.UUID)]
    shape = (projection, len(ints), len(uuids))
    made = _REFS_READS.get(shape)
    if made is None:
        made = _refs_read(*shape)
        if len(refs) <= 4:  # the common shapes; batches of many ids are built each time
            _REFS_READS[shape] = made
    key, build, slots = made
    values: dict[str, list[Any]] = {"a": [account_id], "i": ints, "u": uuids}
    params = {name: values[kind][nth] for name, (kind, nth) in slots.items()}
    (document,) = await read(session, Read(key=key, build=build, params=params))
    return _records(document)


class _Slot(NamedTuple):
    """Where a parameter's value comes from: the account ("a"), the nth integer id ("i") or
    the nth uuid ("u")."""

    kind: str
    nth: int


def _refs_read(projection: Projection, ints: int, uuids: int) -> tuple[Any, Any, dict[str, _Slot]]:
    """The read of tickets by ``ints`` ids and ``uuids`` public ids, made once per shape:
    a detail page (and every write's answer) reads one ticket by id, and building its
    statement took longer than running it."""
    flt = TicketFilter(
        ordering=[Sort("id")],
        ids=[_Slot("i", n) for n in range(ints)] or None,  # type: ignore[misc]
    )
    if uuids:
        wanted = tuple(_Slot("u", n) for n in range(uuids))
        flt.conditions = [Condition("public_id", "in", wanted)]  # type: ignore[arg-type]
    b = Binder()
    keys = _sort_keys(flt.ordering)
    ids = _ids_select(_Slot("a", 0), flt, keys, b)  # type: ignore[arg-type]
    made = _document_read("refs", ids, keys, projection, b)
    slots = dict(b.values)
    assert all(isinstance(v, _Slot) for v in slots.values()), slots  # bound as given
    return made.key, made.build, slots


_REFS_READS: dict[tuple[Projection, int, int], tuple[Any, Any, dict[str, _Slot]]] = {}


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


__all__ = [
    "ORDERING_FIELDS",
    "KeysetPage",
    "Position",
    "Slice",
    "TicketFilter",
    "TicketRecord",
    "datetime",
    "parse_ordering",
    "ticket_count",
    "ticket_get",
    "ticket_get_many",
    "ticket_id_for",
    "ticket_item_view",
    "ticket_items_list",
    "ticket_keyset",
    "ticket_page",
    "ticket_slice",
]
