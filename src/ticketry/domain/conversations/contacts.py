"""People: customer contacts found or created by e-mail without races, and agents' records.

A person of an account is known by their e-mail, case-insensitively: every e-mail is stored
as ``email_key`` makes it (trimmed, lower-case; migration 0014 made the older rows so), and
the unique (account, email) constraint then holds for any letter case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, case, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import User
from ticketry.domain.conversations.models import AgentPerson, Contact
from ticketry.domain.statements import built
from ticketry.domain.types import utcnow
from ticketry.domain.upsert import insert_for, insert_of


def email_key(email: str) -> str:
    """An e-mail as people are stored and matched by."""
    return email.strip().lower()


@dataclass(frozen=True)
class Person:
    """A person as a ticket shows them (its requester and customer snapshot)."""

    id: int
    email: str
    name: str
    phone: str

    @classmethod
    def of(cls, contact: Contact) -> Person:
        return cls(id=contact.id, email=contact.email, name=contact.name, phone=contact.phone)


async def person_resolve(
    session: AsyncSession, *, account_id: int, email: str, name: str = "", phone: str = ""
) -> Person | None:
    """The account's one person with this e-mail (any letter case), made if new; None
    without an e-mail (a name alone identifies nobody). A name or phone given (non-empty)
    becomes the person's: the customer's latest word about themselves wins, and every
    ticket written from now on shows it. One statement (an upsert), race-free."""
    key = email_key(email)
    if not key:
        return None
    params = {"a": account_id, "e": key, "n": name.strip(), "p": phone.strip(), "t": utcnow()}
    row = (await session.execute(built(session, _person_upsert), params)).first()
    if row is None:  # known already, and nothing new about them
        row = (await session.execute(built(session, _person_find), params)).first()
    assert row is not None
    return Person(id=row[0], email=row[1], name=row[2], phone=row[3])


def _person_upsert(dialect: str) -> Any:
    table = Contact.__table__
    stmt = insert_of(dialect, table).values(
        account_id=bindparam("a"),
        email=bindparam("e"),
        name=bindparam("n"),
        phone=bindparam("p"),
    )
    name = case((stmt.excluded.name != "", stmt.excluded.name), else_=table.c.name)
    phone = case((stmt.excluded.phone != "", stmt.excluded.phone), else_=table.c.phone)
    return stmt.on_conflict_do_update(
        index_elements=[table.c.account_id, table.c.email],
        set_={
            "name": name,
            "phone": phone,
            "updated_at": bindparam("t", type_=table.c.updated_at.type),
        },
        where=or_(name != table.c.name, phone != table.c.phone),
    ).returning(table.c.id, table.c.email, table.c.name, table.c.phone)


def _person_find(_dialect: str) -> Any:
    return select(Contact.id, Contact.email, Contact.name, Contact.phone).where(
        Contact.account_id == bindparam("a"), Contact.email == bindparam("e")
    )


async def contact_get_or_create(
    session: AsyncSession, *, account_id: int, email: str, name: str = "", phone: str = ""
) -> int:
    """The id of the person with this e-mail, made if new (an existing one is left as it
    is: a message's author, not the customer's word about themselves)."""
    email = email_key(email)
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
