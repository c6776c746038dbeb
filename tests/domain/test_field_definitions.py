"""Custom fields defined through ``domain.catalog.field_definitions``, on a real database."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.domain.catalog_helpers import NAME, account_new, fails, ticket_new
from ticketry.domain.catalog.field_definitions import (
    OptionInput,
    custom_field_create,
    custom_field_delete,
    custom_field_update,
)
from ticketry.domain.catalog.models import CustomField
from ticketry.domain.errors import NotFound
from ticketry.domain.tickets.commands import ItemData, TicketData
from ticketry.domain.tickets.models import Ticket, TicketItem
from ticketry.domain.tickets.services import ticket_update


async def test_custom_field_rules(db: AsyncSession) -> None:
    account = await account_new(db)
    aid = account.id
    errors = await fails(
        custom_field_create(
            db, account_id=aid, target="order", key="Bad Key", type="COLOUR", name={}
        )
    )
    assert set(errors) == {"target", "key", "type", "name"}
    errors = await fails(
        custom_field_create(
            db, account_id=aid, target="ticket", key="resolve_by", type="TEXT", name=NAME
        )
    )
    assert errors == {"key": ['A field with the key "resolve_by" already exists.']}
    errors = await fails(
        custom_field_create(
            db, account_id=aid, target="ticket", key="size", type="SINGLE_SELECT", name=NAME
        )
    )
    assert errors == {"options": ["A select field needs at least one option."]}
    errors = await fails(
        custom_field_create(
            db,
            account_id=aid,
            target="ticket",
            key="size",
            type="MULTI_SELECT",
            name=NAME,
            options=[OptionInput(label={"en": "S"}, id="s"), OptionInput(label={"en": ""}, id="s")],
        )
    )
    assert errors["options"] == [
        "Option 2: Enter a name in at least one language.",
        'Option 2: the id "s" is used twice.',
    ]
    await db.rollback()
    # The same key is free for the other target: product fields are keyed by their id.
    errors = await fails(
        custom_field_create(
            db, account_id=aid, target="product", key="resolve_by", type="TEXT", name=NAME
        )
    )
    assert list(errors) == ["key"]
    product = await custom_field_create(
        db, account_id=aid, target="product", key="", type="TEXT", name=NAME
    )
    size = await custom_field_create(
        db,
        account_id=aid,
        target="ticket",
        key="size",
        type="SINGLE_SELECT",
        name=NAME,
        options=[OptionInput(label={"en": "Small"}), OptionInput(label={"en": "Large"}, id="l")],
        is_required=True,
    )
    await db.commit()
    assert product.key == str(product.public_id)
    assert size.is_required and size.options[1] == {"id": "l", "label": {"en": "Large"}}
    uuid.UUID(size.options[0]["id"])  # a new option gets a UUID
    await db.refresh(account)
    # A ticket value is checked against the field as defined.
    ticket = await ticket_new(db, account, custom_fields={"size": "l"})
    assert ticket.custom_fields["size"] == "l"
    # Changing the type drops options that only select fields have.
    changed = await custom_field_update(
        db,
        account_id=aid,
        ref=size.public_id,
        type="TEXT",
        name={"en": "Size"},
        options=size_options(size),
    )
    await db.commit()
    assert changed.type == "TEXT" and changed.options == [] and not changed.is_required


def size_options(field: CustomField) -> list[OptionInput]:
    return [OptionInput(label=o["label"], id=o["id"]) for o in field.options]


async def test_deleting_a_field_deletes_its_values(db: AsyncSession) -> None:
    account = await account_new(db)
    aid = account.id
    colour = await custom_field_create(
        db, account_id=aid, target="ticket", key="colour", type="TEXT", name=NAME
    )
    grade = await custom_field_create(
        db, account_id=aid, target="product", key=None, type="TEXT", name=NAME
    )
    await db.commit()
    with_value = await ticket_new(
        db,
        account,
        custom_fields={"colour": "red", "resolve_by": "2030-01-01"},
        products=[ItemData(name="Boot", custom_fields={grade.key: "A"})],
    )
    nulled = await ticket_new(db, account, custom_fields={"colour": None})
    await custom_field_delete(db, account_id=aid, ref=colour.public_id)
    await custom_field_delete(db, account_id=aid, ref=grade.public_id)
    await db.commit()
    values = dict(
        (await db.execute(select(Ticket.id, Ticket.custom_fields).where(Ticket.account_id == aid)))
        .tuples()
        .all()
    )
    assert values[with_value.id] == {"resolve_by": "2030-01-01"}
    assert values[nulled.id] == {}
    item_values = await db.scalars(
        select(TicketItem.custom_fields).where(TicketItem.ticket_id == with_value.id)
    )
    assert list(item_values) == [{}]
    assert await db.get(CustomField, colour.id) is None
    # The key is free again, and the old value does not come back with it.
    await custom_field_create(
        db, account_id=aid, target="ticket", key="colour", type="NUMBER", name=NAME
    )
    await db.commit()
    fresh = await db.get(Ticket, with_value.id, populate_existing=True)
    assert fresh is not None and "colour" not in fresh.custom_fields
    # And the ticket stays writable.
    await ticket_update(
        db,
        account=account,
        actor=None,
        ref=with_value.id,
        data=TicketData(custom_fields={"colour": 3}),
    )


async def test_another_accounts_fields_are_not_found(db: AsyncSession) -> None:
    mine, theirs = await account_new(db), await account_new(db)
    ref = await db.scalar(
        select(CustomField.public_id).where(CustomField.account_id == theirs.id).limit(1)
    )
    assert ref is not None
    with pytest.raises(NotFound):
        await custom_field_update(db, account_id=mine.id, ref=ref, type="TEXT", name=NAME)
    with pytest.raises(NotFound):
        await custom_field_delete(db, account_id=mine.id, ref=ref)
