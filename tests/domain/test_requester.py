"""The one person behind a ticket: ``person_resolve`` (one person per e-mail, any case) and
the rule every ticket write follows (``tickets/requester.py``), called through the services."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Tenant
from ticketry.domain.accounts.models import Account
from ticketry.domain.conversations.contacts import person_resolve
from ticketry.domain.conversations.models import Contact
from ticketry.domain.tickets.commands import CustomerData, TicketData
from ticketry.domain.tickets.services import ticket_create, ticket_update


async def _people(db: AsyncSession, account_id: int) -> int:
    return int(
        await db.scalar(
            select(func.count()).select_from(Contact).where(Contact.account_id == account_id)
        )
        or 0
    )


async def test_one_person_per_email_whatever_the_case(db: AsyncSession, tenant: Tenant) -> None:
    aid = tenant.account_id
    before = await _people(db, aid)
    ann = await person_resolve(db, account_id=aid, email="  Ann.Lee@Example.COM ", name="Ann")
    assert ann is not None and ann.email == "ann.lee@example.com" and ann.name == "Ann"
    again = await person_resolve(db, account_id=aid, email="ANN.LEE@example.com")
    assert again == ann  # nothing new said: the person as they are
    # A name or phone given is the customer's latest word about themselves.
    renamed = await person_resolve(db, account_id=aid, email="ann.lee@example.com", phone="777")
    assert renamed is not None and (renamed.id, renamed.name, renamed.phone) == (
        ann.id,
        "Ann",
        "777",
    )
    assert await person_resolve(db, account_id=aid, email="  ", name="Nobody") is None
    assert await _people(db, aid) == before + 1
    await db.rollback()


async def test_people_are_per_account(
    db: AsyncSession, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = await person_resolve(db, account_id=tenant.account_id, email="same@example.com")
    theirs = await person_resolve(db, account_id=other_tenant.account_id, email="Same@example.com")
    assert mine is not None and theirs is not None and mine.id != theirs.id
    await db.rollback()


async def test_every_ticket_write_sets_person_and_snapshot_together(
    db: AsyncSession, tenant: Tenant
) -> None:
    account = await db.get(Account, tenant.account_id)
    assert account is not None
    email = f"Eva.{uuid.uuid4().hex[:6]}@Example.com"

    # Only the address it came from: the person of that address, shown as the customer.
    first = await ticket_create(db, account=account, actor=None, data=TicketData(from_email=email))
    assert first.requester_id is not None
    assert (first.customer_email, first.customer_name) == (email.lower(), "")

    # Another ticket naming her (any case) with her name: the same person, now named.
    second = await ticket_create(
        db,
        account=account,
        actor=None,
        data=TicketData(customer=CustomerData(email=email.upper(), name="Eva Malá")),
    )
    assert second.requester_id == first.requester_id and second.customer_name == "Eva Malá"

    # Named by id: the person, whatever the command's e-mail fields say.
    other = await person_resolve(db, account_id=account.id, email="karel@example.com", name="Karel")
    assert other is not None
    named = await ticket_create(
        db, account=account, actor=None, data=TicketData(requester=other.id, from_email=email)
    )
    assert (named.requester_id, named.customer_email, named.customer_name) == (
        other.id,
        "karel@example.com",
        "Karel",
    )

    # ``requester: null`` names nobody by id: the ticket keeps the person of its e-mail.
    kept = await ticket_update(
        db, account=account, actor=None, ref=first.id, data=TicketData(requester=None)
    )
    assert kept.requester_id == second.requester_id

    # A phone change is news about the same person; an e-mail change moves the ticket,
    # carrying the name along to the new person.
    await ticket_update(
        db,
        account=account,
        actor=None,
        ref=second.id,
        data=TicketData(customer=CustomerData(phone="+420 777 000 111")),
    )
    assert (second.requester_id, second.customer_phone) == (first.requester_id, "+420 777 000 111")
    moved = await ticket_update(
        db,
        account=account,
        actor=None,
        ref=second.id,
        data=TicketData(customer=CustomerData(email="eva.new@example.com")),
    )
    assert moved.requester_id not in (None, first.requester_id)
    assert (moved.customer_email, moved.customer_name) == ("eva.new@example.com", "Eva Malá")

    # No e-mail at all: no person (a name alone identifies nobody), the name kept.
    cleared = await ticket_update(
        db,
        account=account,
        actor=None,
        ref=named.id,
        data=TicketData(customer=CustomerData(email=""), from_email=None),
    )
    assert (cleared.requester_id, cleared.customer_email, cleared.customer_name) == (
        None,
        "",
        "Karel",
    )
    await db.rollback()
