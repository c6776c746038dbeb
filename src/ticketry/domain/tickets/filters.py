"""Which tickets, in which order: the one filter every face's query syntax translates into.

Named fields carry what most faces ask (Retino's dates, Next Commerce's field filters, the
desk's form, Paymenter's any-of lists); ``conditions`` carry typed comparisons on any field
(PORTOS's NData). Every value becomes a bound parameter through a ``Binder``, so the SQL of
a filter depends only on its shape and is compiled once per shape (``readpath``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    exists,
    false,
    func,
    not_,
    or_,
)

from ticketry.domain.search import like_pattern, search_terms
from ticketry.domain.sql_hints import likely
from ticketry.domain.tickets.fields import (
    ARITY,
    FIELD_KINDS,
    FIELDS,
    ITEM_FIELDS,
    NEWEST_FIRST,
    OPERATORS,
    Kind,
    Sort,
    Value,
    item_exists,
)
from ticketry.domain.tickets.models import Ticket, TicketItem, ticket_tags
from ticketry.domain.tickets.search_sql import ticket_text_contains
from ticketry.domain.tickets.searchkeys import key_lookup
from ticketry.readpath import Binder


@dataclass(frozen=True)
class Condition:
    """``field op args``: ``like`` matches with ``*`` as any run of characters (anywhere
    when there is no ``*``), ``contains`` any of its texts as a substring; both ignore case.
    ``neq`` and ``nin`` also match a missing value. On an item field (``item.…``) a
    positive operator means "some product matches", a negative one "no product matches"."""

    field: str
    op: str
    args: tuple[Value, ...] = ()


@dataclass
class TicketFilter:
    """Each set field narrows the result; lists match any of their values (``[]``
    matches nothing); ``None`` means no filter."""

    ids: list[int] | None = None
    created_at_from: datetime | None = None
    updated_at_from: datetime | None = None
    closed_at_from: datetime | None = None
    is_closed: bool | None = None
    search: str | None = None  # every word, in the ticket's search text
    statuses: list[str] | None = None
    priorities: list[str] | None = None
    subject: str | None = None  # contains, case-insensitive
    requester_ids: list[int] | None = None
    assignee_id: int | None = None
    unassigned: bool = False  # only tickets nobody is assigned to
    order_number: str | None = None
    item_ids: list[int] | None = None  # any of the ticket's products
    tag_ids: list[int] | None = None  # any of
    type_id: int | None = None
    state_id: int | None = None
    channels: list[str] | None = None  # any of
    department_contains: list[str] | None = None  # any of, case-insensitive substrings
    created_from: date | None = None  # inclusive, whole days in UTC
    created_to: date | None = None  # inclusive
    filter_text: str | None = None  # ticket id, subject or requester e-mail
    # ``search`` resolved by the reader: to one exact identifier (``searchkeys``), or found
    # to match many tickets (``search_sql.ticket_text_contains``).
    search_key: str | None = None
    search_many: bool = False
    conditions: list[Condition] = field(default_factory=list)
    ordering: list[Sort] = field(default_factory=lambda: list(NEWEST_FIRST))


# ---- conditions -------------------------------------------------------------------------


def _compare(expr: Any, op: str, args: list[Any], b: Binder) -> ColumnElement[bool]:
    if op == "null":
        return expr.is_(None)  # type: ignore[no-any-return]
    if op == "notnull":
        return expr.is_not(None)  # type: ignore[no-any-return]
    if op == "in":
        return _in(expr, args, b)
    if op == "nin":
        return or_(not_(_in(expr, args, b)), expr.is_(None))
    if op == "contains":
        lowered = func.lower(expr)
        return or_(*[lowered.like(b(like_pattern(str(a).lower())), escape="\\") for a in args])
    (arg,) = args
    if op == "like":
        return func.lower(expr).like(b(_wildcards(str(arg).lower())), escape="\\")  # type: ignore[no-any-return]
    if op == "neq":
        return or_(expr != b(arg), expr.is_(None))
    compare = {
        "eq": expr.__eq__,
        "gt": expr.__gt__,
        "gte": expr.__ge__,
        "lt": expr.__lt__,
        "lte": expr.__le__,
    }[op]
    return compare(b(arg))  # type: ignore[no-any-return]


def _wildcards(text: str) -> str:
    """``*`` matches any run of characters; without one, the text matches anywhere."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%") if "*" in text else f"%{escaped}%"


def condition_clause(cond: Condition, b: Binder) -> ColumnElement[bool]:
    args = list(cond.args)
    if cond.field in ITEM_FIELDS:
        _, item_expr = ITEM_FIELDS[cond.field]
        if cond.op == "neq":
            return not_(item_exists(item_expr() == b(args[0])))
        if cond.op == "nin":
            return not_(item_exists(_in(item_expr(), args, b)))
        return item_exists(_compare(item_expr(), cond.op, args, b))
    kind, make, _ = FIELDS[cond.field]
    if kind == "bool":
        wanted = bool(args[0]) if cond.op == "eq" else not bool(args[0])
        return make() if wanted else not_(make())  # type: ignore[no-any-return]
    return _compare(make(), cond.op, args, b)


def _in(expr: Any, values: list[Any], b: Binder) -> ColumnElement[bool]:
    """``expr IN (…)`` with each value bound as ``expr``'s type (IN does not lend its
    left side's type to bound parameters as ``=`` does). Empty matches nothing."""
    if not values:
        return Ticket.id.is_(None)
    if len(values) == 1:
        return expr == b(values[0])  # type: ignore[no-any-return]
    return expr.in_([b(v, expr.type) for v in values])  # type: ignore[no-any-return]


def where_clauses(account_id: int, flt: TicketFilter, b: Binder) -> list[ColumnElement[bool]]:
    """The filter as WHERE conditions on ``tickets``, the account's tickets only."""
    account = b(account_id)
    out: list[ColumnElement[bool]] = [Ticket.account_id == account]
    since: list[tuple[Any, datetime | None]] = [
        (Ticket.created_at, flt.created_at_from),
        (Ticket.updated_at, flt.updated_at_from),
        (Ticket.closed_at, flt.closed_at_from),
    ]
    for column, value in since:
        if value is not None:
            out.append(column >= b(value))
    if flt.is_closed is True:
        out.append(Ticket.closed_at.is_not(None))
    elif flt.is_closed is False:
        out.append(likely(Ticket.closed_at.is_(None)))  # most tickets are open: sql_hints
    if flt.search_key is not None:
        out.append(Ticket.id.in_(key_lookup(account, b(flt.search_key))))
    elif flt.search:
        out.extend(ticket_text_contains(search_terms(flt.search), b, many=flt.search_many))
    any_of: list[tuple[Any, list[Any] | None]] = [
        (Ticket.id, flt.ids),
        (Ticket.status, flt.statuses),
        (Ticket.priority, flt.priorities),
        (Ticket.requester_id, flt.requester_ids),
        (Ticket.channel, flt.channels),
    ]
    for column, values in any_of:
        if values is not None:
            out.append(_in(column, values, b))
    if flt.subject:
        out.append(
            func.lower(Ticket.subject).like(b(like_pattern(flt.subject.lower())), escape="\\")
        )
    equal: list[tuple[Any, Any]] = [
        (Ticket.assignee_id, flt.assignee_id),
        (Ticket.order_id, flt.order_number),
        (Ticket.type_id, flt.type_id),
        (Ticket.state_id, flt.state_id),
    ]
    for column, value in equal:
        if value is not None:
            out.append(column == b(value))
    if flt.unassigned:
        out.append(Ticket.assignee_id.is_(None))
    if flt.item_ids is not None:
        out.append(item_exists(_in(TicketItem.id, flt.item_ids, b)))
    if flt.tag_ids is not None:
        out.append(
            exists().where(
                ticket_tags.c.ticket_id == Ticket.id, _in(ticket_tags.c.tag_id, flt.tag_ids, b)
            )
        )
    if flt.department_contains is not None:
        out.append(_compare(Ticket.department, "contains", flt.department_contains, b))
    if flt.created_from is not None:
        out.append(Ticket.created_at >= b(datetime.combine(flt.created_from, time.min, UTC)))
    if flt.created_to is not None and flt.created_to < date.max:
        end = datetime.combine(flt.created_to + timedelta(days=1), time.min, UTC)
        out.append(Ticket.created_at < b(end))
    if flt.filter_text and flt.filter_text.strip():
        text = flt.filter_text.strip()
        pattern = like_pattern(text.lower())
        either: list[Any] = [
            func.lower(Ticket.subject).like(b(pattern), escape="\\"),
            Ticket.customer_email.like(b(pattern), escape="\\"),
        ]
        if text.isdigit() and len(text) < 18:
            either.append(Ticket.id == b(int(text)))
        out.append(or_(*either))
    out.extend(condition_clause(c, b) for c in flt.conditions)
    if b.void:
        out.append(false())
    return out


def is_plain(flt: TicketFilter) -> bool:
    """Whether the filter narrows by nothing but the lifecycle (statuses, closed or not):
    counts of such filters are kept per account (``counts.py``)."""
    narrowing = (
        flt.ids,
        flt.created_at_from,
        flt.updated_at_from,
        flt.closed_at_from,
        flt.search,
        flt.search_key,
        flt.priorities,
        flt.subject,
        flt.requester_ids,
        flt.assignee_id,
        flt.order_number,
        flt.item_ids,
        flt.tag_ids,
        flt.type_id,
        flt.state_id,
        flt.channels,
        flt.department_contains,
        flt.created_from,
        flt.created_to,
        flt.filter_text,
    )
    return (
        all(v is None or v == "" for v in narrowing) and not flt.unassigned and not (flt.conditions)
    )


__all__ = [
    "ARITY",
    "FIELDS",
    "FIELD_KINDS",
    "ITEM_FIELDS",
    "OPERATORS",
    "Binder",
    "Condition",
    "Kind",
    "Sort",
    "TicketFilter",
    "Value",
    "where_clauses",
]
