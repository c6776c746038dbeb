"""Tickets as flat rows for faces that show a ticket's own columns (no products, tags…):
filtered by lists of values (any of), sorted by any listed key, sliced without a count."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ticketry.domain.catalog.models import TICKET_STATUSES
from ticketry.domain.conversations.models import AgentPerson
from ticketry.domain.search import like_pattern
from ticketry.domain.slicing import Slice, slice_rows
from ticketry.domain.tickets.models import TICKET_PRIORITIES, Ticket

# Status sorts by lifecycle, priority by severity (not alphabetically).
SORT_KEYS = ("id", "created_at", "updated_at", "status", "priority", "department")


@dataclass
class TicketRowFilter:
    """Each list matches any of its values; None means no filter, [] matches nothing."""

    ids: list[int] | None = None
    requester_ids: list[int] | None = None
    statuses: list[str] | None = None
    priorities: list[str] | None = None
    department_contains: list[str] | None = None  # case-insensitive substrings


def _select(account_id: int) -> Select[Any]:
    assignee_person = aliased(AgentPerson)
    stmt: Select[Any] = (
        select(  # type: ignore[assignment]
            Ticket.id,
            Ticket.public_id,
            Ticket.subject,
            Ticket.status,
            Ticket.priority,
            Ticket.department,
            Ticket.requester_id,
            Ticket.assignee_id,
            assignee_person.contact_id.label("assignee_contact_id"),
            Ticket.created_at,
            Ticket.updated_at,
        )
        .outerjoin(assignee_person, assignee_person.user_id == Ticket.assignee_id)
        .where(Ticket.account_id == account_id)
    )
    return stmt


def _sort_column(key: str) -> Any:
    if key == "status":
        return case({s: i for i, s in enumerate(TICKET_STATUSES)}, value=Ticket.status)
    if key == "priority":
        return case({p: i for i, p in enumerate(TICKET_PRIORITIES)}, value=Ticket.priority)
    return getattr(Ticket, key)


def _filtered(stmt: Select[Any], flt: TicketRowFilter) -> Select[Any]:
    for column, values in (
        (Ticket.id, flt.ids),
        (Ticket.requester_id, flt.requester_ids),
        (Ticket.status, flt.statuses),
        (Ticket.priority, flt.priorities),
    ):
        if values is not None:
            stmt = stmt.where(column.in_(values))
    if flt.department_contains is not None:
        stmt = stmt.where(
            or_(
                *[
                    func.lower(Ticket.department).like(like_pattern(v.lower()), escape="\\")
                    for v in flt.department_contains
                ]
            )
            if flt.department_contains
            else Ticket.id.is_(None)
        )
    return stmt


async def ticket_rows_slice(
    session: AsyncSession,
    *,
    account_id: int,
    flt: TicketRowFilter,
    order: list[tuple[str, bool]],
    offset: int,
    limit: int,
) -> Slice:
    """``order``: (key from SORT_KEYS, descending) pairs; the id breaks ties last."""
    clauses = [
        _sort_column(key).desc().nulls_last() if desc else _sort_column(key).asc().nulls_first()
        for key, desc in order
    ]
    clauses.append(Ticket.id.desc() if order and order[-1][1] else Ticket.id.asc())
    stmt = _filtered(_select(account_id), flt).order_by(*clauses)
    return await slice_rows(session, stmt, offset=offset, limit=limit)


async def ticket_row_get(
    session: AsyncSession, *, account_id: int, ticket_id: int
) -> RowMapping | None:
    return (
        (await session.execute(_select(account_id).where(Ticket.id == ticket_id)))
        .mappings()
        .first()
    )


async def ticket_rows_by_ids(
    session: AsyncSession, *, account_id: int, ids: list[int]
) -> dict[int, RowMapping]:
    if not ids:
        return {}
    rows = await session.execute(_select(account_id).where(Ticket.id.in_(ids)))
    return {row["id"]: row for row in rows.mappings()}
