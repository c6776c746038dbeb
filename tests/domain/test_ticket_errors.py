"""Ticket commands fail with codes and parameters for every bad field at once, the same on
SQLite and PostgreSQL; the wording is each face's (tests/api/...)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from tests.domain.catalog_helpers import account_new, fails
from ticketry.domain.catalog.departments import (
    department_create,
    department_delete,
    department_names,
    department_update,
    departments_all,
)
from ticketry.domain.conversations.services import message_create
from ticketry.domain.errors import codes_of
from ticketry.domain.tickets.commands import CustomerData, TicketData
from ticketry.domain.tickets.services import ticket_create


def _data(**kw: object) -> TicketData:
    base: dict[str, object] = {
        "customer": CustomerData(email="jan@example.com"),
        "currency": "CZK",
        "language": "cs",
    }
    base.update(kw)
    return TicketData(**base)  # type: ignore[arg-type]


async def test_every_bad_field_has_its_code(db: AsyncSession) -> None:
    account = await account_new(db)
    errors = await fails(
        ticket_create(
            db,
            account=account,
            actor=None,
            data=_data(
                customer=CustomerData(email="nope", name="x" * 201, phone="\x00"),
                currency="XXY",
                language="zz",
                subject="s" * 256,
                priority="asap",
                customer_rating=9,
                customer_rating_comment="fine\x00",
                type=uuid.UUID(int=1),
            ),
        )
    )
    assert codes_of(errors) == {
        "currency": ["invalid_currency{value=XXY}"],
        "language": ["invalid_language{value=zz}"],
        "subject": ["too_long{max=255}"],
        "customer_rating_comment": ["nul_character"],
        "priority": ["invalid_choice{value=asap}"],
        "customer_rating": ["out_of_range{min=1,max=5}"],
        "customer": {
            "email": ["invalid_email"],
            "name": ["too_long{max=200}"],
            "phone": ["nul_character"],
        },
        "type": [f"invalid_ref{{value={uuid.UUID(int=1)}}}"],
    }


async def test_limits_come_from_the_columns(db: AsyncSession) -> None:
    account = await account_new(db)
    errors = await fails(
        ticket_create(
            db,
            account=account,
            actor=None,
            data=_data(customer=CustomerData(email="a" * 10_000 + "@example.com")),
        )
    )
    assert codes_of(errors) == {"customer": {"email": ["too_long{max=254}"]}}


async def test_departments_are_the_accounts(db: AsyncSession) -> None:
    account = await account_new(db)
    # A new account starts with Paymenter's defaults and the seed's own examples.
    for name in ("Support", "Sales", "billing", "technical"):
        await ticket_create(db, account=account, actor=None, data=_data(department=name))
    errors = await fails(
        ticket_create(db, account=account, actor=None, data=_data(department="Hardware"))
    )
    assert codes_of(errors) == {"department": ["not_allowed{value=Hardware}"]}
    await department_create(db, account_id=account.id, name="Hardware")
    (sales,) = [d for d in await departments_all(db, account_id=account.id) if d.name == "Sales"]
    await department_delete(db, account_id=account.id, ref=sales.id)
    await db.commit()
    await ticket_create(db, account=account, actor=None, data=_data(department="Hardware"))
    errors = await fails(
        ticket_create(db, account=account, actor=None, data=_data(department="Sales"))
    )
    assert codes_of(errors) == {"department": ["not_allowed{value=Sales}"]}


async def test_department_names_are_checked_and_renames_carry_tickets(
    db: AsyncSession,
) -> None:
    account = await account_new(db)
    errors = await fails(department_create(db, account_id=account.id, name=" billing "))
    assert errors == {"name": ['A department named "billing" already exists.']}
    errors = await fails(department_create(db, account_id=account.id, name="  ", position=-1))
    assert codes_of(errors) == {"name": ["blank"], "position": ["out_of_range{min=0,max=1000000}"]}
    ticket = await ticket_create(db, account=account, actor=None, data=_data(department="billing"))
    (billing,) = [
        d for d in await departments_all(db, account_id=account.id) if d.name == "billing"
    ]
    await department_update(db, account_id=account.id, ref=billing.public_id, name="Billing")
    await db.commit()
    await db.refresh(ticket)
    assert ticket.department == "Billing"
    assert await department_names(db, account.id) == ["Support", "Sales", "Billing", "technical"]


async def test_message_codes(db: AsyncSession) -> None:
    account = await account_new(db)
    ticket = await ticket_create(db, account=account, actor=None, data=_data())
    errors = await fails(
        message_create(db, account=account, ticket_ref=ticket.id, body="hi\x00", from_email="x")
    )
    assert codes_of(errors) == {"body": ["nul_character"], "from_email": ["invalid_email"]}
    errors = await fails(message_create(db, account=account, ticket_ref=987654321, body=" "))
    assert codes_of(errors) == {"ticket": ["invalid_ref{value=987654321}"], "body": ["blank"]}
