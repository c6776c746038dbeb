"""Ticket types edited through ``domain.catalog.ticket_types``, on a real database."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.domain.catalog_helpers import (
    NAME,
    account_new,
    fails,
    second_during_first,
    ticket_new,
)
from ticketry.app import TicketryApp
from ticketry.domain.catalog.models import TicketType
from ticketry.domain.catalog.ticket_types import (
    ticket_type_create,
    ticket_type_delete,
    ticket_type_update,
)
from ticketry.domain.errors import Code, FieldError, NotFound, ValidationFailed


async def test_type_create_update_delete(db: AsyncSession) -> None:
    account = await account_new(db)
    aid = account.id
    created = await ticket_type_create(db, account_id=aid, name={"en": "Warranty"}, kind="warranty")
    await db.commit()
    assert created.kind == "warranty" and created.position == 3  # after the three defaults
    type_id, ref = created.id, created.public_id
    errors = await fails(ticket_type_update(db, account_id=aid, ref=ref, name={}, kind="refund"))
    assert set(errors) == {"name", "kind"}
    await db.rollback()
    await ticket_type_update(
        db,
        account_id=aid,
        ref=ref,
        name={"cs": "Záruka"},
        kind="complaint",
        position=0,
    )
    await db.commit()
    again = await db.get(TicketType, type_id, populate_existing=True)
    assert again is not None and again.name == {"cs": "Záruka"} and again.kind == "complaint"
    await ticket_type_delete(db, account_id=aid, ref=ref)
    await db.commit()
    assert await db.get(TicketType, type_id) is None


async def test_type_in_use_is_kept(db: AsyncSession) -> None:
    account = await account_new(db)
    aid = account.id
    used = await ticket_type_create(db, account_id=aid, name={"en": "Repair"})
    await db.commit()
    used_id = used.id
    await ticket_new(db, account, type=used.public_id)
    errors = await fails(ticket_type_delete(db, account_id=aid, ref=used.public_id))
    assert errors["type"] == ["1 ticket is of this type: give them another type first."]
    await db.rollback()
    assert await db.get(TicketType, used_id) is not None


async def test_another_accounts_types_are_not_found(db: AsyncSession) -> None:
    mine, theirs = await account_new(db), await account_new(db)
    ref = await db.scalar(
        select(TicketType.public_id).where(TicketType.account_id == theirs.id).limit(1)
    )
    assert ref is not None
    with pytest.raises(NotFound):
        await ticket_type_update(db, account_id=mine.id, ref=ref, name=NAME, kind="other")
    with pytest.raises(NotFound):
        await ticket_type_delete(db, account_id=mine.id, ref=ref)


async def test_a_ticket_given_a_type_being_deleted_is_a_field_error(
    app: TicketryApp, db: AsyncSession
) -> None:
    account = await account_new(db)
    doomed = await ticket_type_create(db, account_id=account.id, name={"en": "Doomed"})
    await db.commit()
    waited, error = await second_during_first(
        app,
        lambda one: ticket_type_delete(one, account_id=account.id, ref=doomed.public_id),
        lambda two: ticket_new(two, account, type=doomed.public_id),
    )
    assert waited
    assert isinstance(error, ValidationFailed), error
    assert error.errors == {"type": [FieldError(Code.INVALID_REF, {"value": doomed.public_id})]}


async def test_a_type_being_deleted_waits_for_the_ticket_given_it(
    app: TicketryApp, db: AsyncSession
) -> None:
    account = await account_new(db)
    used = await ticket_type_create(db, account_id=account.id, name={"en": "Used"})
    await db.commit()
    waited, error = await second_during_first(
        app,
        lambda one: ticket_new(one, account, commit=False, type=used.public_id),
        lambda two: ticket_type_delete(two, account_id=account.id, ref=used.public_id),
    )
    assert waited
    assert isinstance(error, ValidationFailed), error
    assert error.errors == {"type": ["1 ticket is of this type: give them another type first."]}
    assert await db.get(TicketType, used.id) is not None
