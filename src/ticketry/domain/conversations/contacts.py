"""People: customer contacts found or created by e-mail without races, and agents' records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import User
from ticketry.domain.conversations.models import AgentPerson, Contact
from ticketry.domain.statements import built
from ticketry.domain.upsert import insert_for, insert_of


async def contact_get_or_create(
    session: AsyncSession, *, account_id: int, email: str, name: str = "", phone: str = ""
) -> int:
    email = email.strip().lower()
    params = {"a": account_id, "e": email, "n": name, "p": phone}
    # Column defaults (public_id, timestamps) are applied by SQLAlchemy for Core inserts too.
    created = await session.scalar(built(session, _contact_insert), params)
    if created is not None:
        return int(created)
    contact_id = await session.scalar(built(session, _contact_find), params)
    assert contact_id is not None
    return int(contact_id)


def _contact_insert(dialect: str) -> Any:
    table = Contact.__table__
    return (
        insert_of(dialect, table)
        .values(
            account_id=bindparam("a"),
            email=bindparam("e"),
            name=bindparam("n"),
            phone=bindparam("p"),
        )
        .on_conflict_do_nothing(index_elements=[table.c.account_id, table.c.email])
        .returning(table.c.id)
    )


def _contact_find(_dialect: str) -> Any:
    return select(Contact.id).where(
        Contact.account_id == bindparam("a"), Contact.email == bindparam("e")
    )


async def contact_for_user(session: AsyncSession, *, user: User) -> Contact:
    """The agent's person record, created and linked if missing (no commit).

    Customers and agents share one id space of people (contacts). A customer contact with
    the agent's e-mail is the same person and is linked rather than duplicated.
    """
    contact = await session.scalar(
        select(Contact)
        .join(AgentPerson, AgentPerson.contact_id == Contact.id)
        .where(AgentPerson.user_id == user.id, Contact.account_id == user.account_id)
    )
    if contact is not None:
        return contact
    contact_id = await contact_get_or_create(
        session, account_id=user.account_id, email=user.email, name=user.full_name
    )
    contact = await session.get(Contact, contact_id)
    assert contact is not None
    if not contact.name and user.full_name:
        contact.name = user.full_name
    table = AgentPerson.__table__
    await session.execute(
        insert_for(session, table)
        .values(account_id=user.account_id, user_id=user.id, contact_id=contact_id)
        .on_conflict_do_nothing()
    )
    await session.flush()
    return contact
