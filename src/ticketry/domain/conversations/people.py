"""Reading people (contacts, customers and agents alike) and conversations as flat rows.

A person's ``user_id`` is the agent they are, if any (see ``contact_for_user``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ticketry.domain.accounts.models import User
from ticketry.domain.conversations.models import AgentPerson, Contact, Message
from ticketry.domain.slicing import Slice, slice_rows

MESSAGE_SORT_KEYS = ("id", "created_at", "updated_at")


def _people_select(account_id: int) -> Select[Any]:
    stmt: Select[Any] = (
        select(  # type: ignore[assignment]
            Contact.id,
            Contact.email,
            Contact.name,
            Contact.phone,
            Contact.created_at,
            Contact.updated_at,
            AgentPerson.user_id,
        )
        .outerjoin(AgentPerson, AgentPerson.contact_id == Contact.id)
        .where(Contact.account_id == account_id)
    )
    return stmt


async def person_get(
    session: AsyncSession, *, account_id: int, person_id: int
) -> RowMapping | None:
    rows = await session.execute(_people_select(account_id).where(Contact.id == person_id))
    return rows.mappings().first()


async def people_by_ids(
    session: AsyncSession, *, account_id: int, ids: list[int]
) -> dict[int, RowMapping]:
    if not ids:
        return {}
    rows = await session.execute(_people_select(account_id).where(Contact.id.in_(set(ids))))
    return {row["id"]: row for row in rows.mappings()}


@dataclass
class MessageRowFilter:
    """Public messages only (internal notes are agents' business); lists match any of."""

    ids: list[int] | None = None
    ticket_ids: list[int] | None = None


def _messages_select(account_id: int) -> Select[Any]:
    author = aliased(AgentPerson)
    stmt: Select[Any] = (
        select(  # type: ignore[assignment]
            Message.id,
            Message.ticket_id,
            Message.body,
            Message.author_user_id,
            Message.author_contact_id,
            func.coalesce(Message.author_contact_id, author.contact_id).label("author_person_id"),
            Message.created_at,
            Message.updated_at,
        )
        .outerjoin(author, author.user_id == Message.author_user_id)
        .where(Message.account_id == account_id, Message.is_public.is_(True))
    )
    return stmt


async def message_rows_slice(
    session: AsyncSession,
    *,
    account_id: int,
    flt: MessageRowFilter,
    order: list[tuple[str, bool]],
    offset: int,
    limit: int,
) -> Slice[RowMapping]:
    stmt = _messages_select(account_id)
    if flt.ids is not None:
        stmt = stmt.where(Message.id.in_(flt.ids))
    if flt.ticket_ids is not None:
        stmt = stmt.where(Message.ticket_id.in_(flt.ticket_ids))
    clauses = [
        getattr(Message, key).desc() if desc else getattr(Message, key).asc() for key, desc in order
    ]
    clauses.append(Message.id.desc() if order and order[-1][1] else Message.id.asc())
    return await slice_rows(session, stmt.order_by(*clauses), offset=offset, limit=limit)


async def message_row_get(
    session: AsyncSession, *, account_id: int, message_id: int
) -> RowMapping | None:
    rows = await session.execute(_messages_select(account_id).where(Message.id == message_id))
    return rows.mappings().first()


async def message_rows_for_tickets(
    session: AsyncSession, *, account_id: int, ticket_ids: list[int]
) -> dict[int, list[RowMapping]]:
    """Each ticket's public messages, oldest first: one query for any number of tickets."""
    out: dict[int, list[RowMapping]] = {t: [] for t in ticket_ids}
    if not ticket_ids:
        return out
    rows = await session.execute(
        _messages_select(account_id)
        .where(Message.ticket_id.in_(ticket_ids))
        .order_by(Message.ticket_id, Message.id)
    )
    for row in rows.mappings():
        out[row["ticket_id"]].append(row)
    return out


async def agent_of_person(session: AsyncSession, *, account_id: int, person_id: int) -> User | None:
    """The agent (user) this person is, or None for a customer."""
    return await session.scalar(
        select(User)
        .join(AgentPerson, AgentPerson.user_id == User.id)
        .where(AgentPerson.contact_id == person_id, User.account_id == account_id)
    )
