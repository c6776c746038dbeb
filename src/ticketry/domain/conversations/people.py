"""Reading people (contacts, customers and agents alike) and conversations as flat rows.

A person's ``user_id`` is the agent they are, if any (see ``contact_for_user``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import User
from ticketry.domain.conversations.models import AgentPerson, Contact


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


async def agent_of_person(session: AsyncSession, *, account_id: int, person_id: int) -> User | None:
    """The agent (user) this person is, or None for a customer."""
    return await session.scalar(
        select(User)
        .join(AgentPerson, AgentPerson.user_id == User.id)
        .where(AgentPerson.contact_id == person_id, User.account_id == account_id)
    )
