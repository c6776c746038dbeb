"""Reference data written through ``domain.catalog.services``, on a real database."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import Account
from ticketry.domain.accounts.services import account_get_or_create
from ticketry.domain.catalog import services
from ticketry.domain.catalog.models import CustomField, Tag, TicketState, TicketType
from ticketry.domain.catalog.services import (
    OptionInput,
    custom_field_create,
    custom_field_delete,
    custom_field_update,
    state_create,
    state_delete,
    state_update,
    tag_create,
    tag_delete,
    tag_update,
    ticket_type_create,
    ticket_type_delete,
    ticket_type_update,
)
from ticketry.domain.errors import NotFound, ValidationFailed
from ticketry.domain.tickets.commands import CustomerData, ItemData, TicketData
from ticketry.domain.tickets.models import Ticket, TicketItem, ticket_tags
from ticketry.domain.tickets.services import ticket_create, ticket_update

NAME = {"cs": "Jméno", "en": "Name"}


async def _account(db: AsyncSession) -> Account:
    account, _ = await account_get_or_create(db, slug=f"c-{uuid.uuid4().hex[:10]}")
    await db.commit()
    return account


async def _states(db: AsyncSession, account_id: int, status: str) -> list[TicketState]:
    rows = await db.scalars(
        select(TicketState)
        .where(TicketState.account_id == account_id, TicketState.status == status)
        .order_by(TicketState.position, TicketState.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def _default(db: AsyncSession, account_id: int, status: str) -> TicketState:
    defaults = [s for s in await _states(db, account_id, status) if s.is_default]
    assert len(defaults) == 1, defaults
    return defaults[0]


async def _fails(coro: Any) -> dict[str, Any]:
    with pytest.raises(ValidationFailed) as caught:
        await coro
    return caught.value.errors


async def _ticket(db: AsyncSession, account: Account, **data: Any) -> Ticket:
    return await ticket_create(
        db,
        account=account,
        actor=None,
        data=TicketData(customer=CustomerData(email="jan@example.com", name="Jan"), **data),
    )


# ---- states -------------------------------------------------------------------------------


async def test_state_create_update_and_names(db: AsyncSession) -> None:
    account = await _account(db)
    aid = account.id
    state = await state_create(
        db,
        account_id=aid,
        name={"cs": "  Ve skladu ", "en": "", "de": "Im Lager"},
        status="open",
    )
    await db.commit()
    assert state.name == {"cs": "Ve skladu", "de": "Im Lager"}  # trimmed, blank dropped
    assert state.is_default is False  # "open" already has its default
    assert state.position == 6  # after the six default states
    updated = await state_update(
        db,
        account_id=aid,
        ref=state.public_id,
        name={"en": "In the warehouse"},
        status="open",
        is_default=False,
        position=7,
    )
    await db.commit()
    assert updated.name == {"en": "In the warehouse"} and updated.position == 7


async def test_state_validation_names_every_bad_field(db: AsyncSession) -> None:
    account = await _account(db)
    aid = account.id
    errors = await _fails(
        state_create(db, account_id=aid, name={"cs": " ", "en": ""}, status="done", position=-1)
    )
    assert set(errors) == {"name", "status", "position"}
    errors = await _fails(
        state_create(db, account_id=aid, name={"en": "x" * 101, "xx": "Bad"}, status="open")
    )
    assert any("100 characters" in m for m in errors["name"])
    assert any('"xx"' in m for m in errors["name"])
    await db.rollback()
    count = await db.scalar(
        select(func.count()).select_from(TicketState).where(TicketState.account_id == aid)
    )
    assert count == 6  # the defaults only


async def test_new_default_replaces_the_old_one(db: AsyncSession) -> None:
    account = await _account(db)
    aid = account.id
    old = await _default(db, aid, "pending")
    new = await state_create(
        db,
        account_id=aid,
        name={"en": "Waiting for parts"},
        status="pending",
        is_default=True,
    )
    await db.commit()
    assert (await _default(db, aid, "pending")).id == new.id
    # Ticking an existing state moves the default back.
    await state_update(
        db,
        account_id=aid,
        ref=old.public_id,
        name=old.name,
        status="pending",
        is_default=True,
    )
    await db.commit()
    assert (await _default(db, aid, "pending")).id == old.id
    # A ticket given only the status gets the default state.
    ticket = await _ticket(db, account, status="pending")
    assert ticket.state_id == old.id


async def test_default_cannot_just_be_unticked(db: AsyncSession) -> None:
    account = await _account(db)
    aid = account.id
    default = await _default(db, aid, "pending")
    errors = await _fails(
        state_update(
            db,
            account_id=aid,
            ref=default.public_id,
            name=default.name,
            status="pending",
            is_default=False,
        )
    )
    assert list(errors) == ["is_default"]


async def test_moving_the_default_away_hands_it_on(db: AsyncSession) -> None:
    account = await _account(db)
    aid = account.id
    solved = await _states(db, aid, "solved")
    extra = await state_create(db, account_id=aid, name={"en": "Refunded"}, status="solved")
    await db.commit()
    # Move the original "solved" state away: the remaining one takes over as default.
    await state_update(
        db,
        account_id=aid,
        ref=solved[0].public_id,
        name=solved[0].name,
        status="closed",
        is_default=False,
    )
    await db.commit()
    assert (await _default(db, aid, "solved")).id == extra.id
    assert (await _default(db, aid, "closed")).id != solved[0].id


async def test_last_state_of_a_status_stays(db: AsyncSession) -> None:
    account = await _account(db)
    aid = account.id
    (only,) = await _states(db, aid, "new")
    ref, name = only.public_id, only.name
    errors = await _fails(state_delete(db, account_id=aid, ref=ref))
    assert "only state" in errors["state"][0]
    await db.rollback()
    errors = await _fails(
        state_update(
            db,
            account_id=aid,
            ref=ref,
            name=name,
            status="open",
            is_default=False,
        )
    )
    assert "only state" in errors["status"][0]
    await db.rollback()
    assert len(await _states(db, aid, "new")) == 1


async def test_state_in_use_is_kept_and_says_how_many(db: AsyncSession) -> None:
    account = await _account(db)
    aid = account.id
    state = await state_create(db, account_id=aid, name={"en": "Escalated"}, status="open")
    await db.commit()
    state_id, ref, name = state.id, state.public_id, state.name
    for _ in range(2):
        await _ticket(db, account, state=ref)
    errors = await _fails(state_delete(db, account_id=aid, ref=ref))
    assert "2 tickets are in this state" in errors["state"][0]
    await db.rollback()
    errors = await _fails(
        state_update(
            db,
            account_id=aid,
            ref=ref,
            name=name,
            status="pending",
            is_default=False,
        )
    )
    assert "2 tickets are in this state" in errors["status"][0]
    await db.rollback()
    assert await db.get(TicketState, state_id) is not None


async def test_deleting_the_default_hands_it_on(db: AsyncSession) -> None:
    account = await _account(db)
    aid = account.id
    old = await _default(db, aid, "pending")
    await state_delete(db, account_id=aid, ref=old.public_id)
    await db.commit()
    remaining = await _states(db, aid, "pending")
    assert old.id not in [s.id for s in remaining]
    assert (await _default(db, aid, "pending")).id == remaining[0].id


async def test_another_accounts_rows_are_not_found(db: AsyncSession) -> None:
    mine, theirs = await _account(db), await _account(db)
    (state,) = await _states(db, theirs.id, "new")
    state_id = state.id
    tag = await db.scalar(select(Tag).where(Tag.account_id == theirs.id).limit(1))
    ticket_type = await db.scalar(
        select(TicketType).where(TicketType.account_id == theirs.id).limit(1)
    )
    field = await db.scalar(select(CustomField).where(CustomField.account_id == theirs.id).limit(1))
    assert tag is not None and ticket_type is not None and field is not None
    calls = [
        state_update(
            db, account_id=mine.id, ref=state.public_id, name=NAME, status="new", is_default=True
        ),
        state_delete(db, account_id=mine.id, ref=state.id),
        ticket_type_update(
            db, account_id=mine.id, ref=ticket_type.public_id, name=NAME, kind="other"
        ),
        ticket_type_delete(db, account_id=mine.id, ref=ticket_type.public_id),
        tag_update(
            db,
            account_id=mine.id,
            ref=tag.public_id,
            name=NAME,
            label="x",
            fgcolor="#000000",
            bgcolor="#ffffff",
        ),
        tag_delete(db, account_id=mine.id, ref=tag.public_id),
        custom_field_update(db, account_id=mine.id, ref=field.public_id, type="TEXT", name=NAME),
        custom_field_delete(db, account_id=mine.id, ref=field.public_id),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            await call
    await db.rollback()
    assert (await db.get(TicketState, state_id)) is not None


# ---- types --------------------------------------------------------------------------------


async def test_type_create_update_delete(db: AsyncSession) -> None:
    account = await _account(db)
    aid = account.id
    created = await ticket_type_create(db, account_id=aid, name={"en": "Warranty"}, kind="warranty")
    await db.commit()
    assert created.kind == "warranty" and created.position == 3  # after the three defaults
    type_id, ref = created.id, created.public_id
    errors = await _fails(ticket_type_update(db, account_id=aid, ref=ref, name={}, kind="refund"))
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
    account = await _account(db)
    aid = account.id
    used = await ticket_type_create(db, account_id=aid, name={"en": "Repair"})
    await db.commit()
    used_id = used.id
    await _ticket(db, account, type=used.public_id)
    errors = await _fails(ticket_type_delete(db, account_id=aid, ref=used.public_id))
    assert errors["type"] == ["1 ticket is of this type: give them another type first."]
    await db.rollback()
    assert await db.get(TicketType, used_id) is not None


# ---- tags ---------------------------------------------------------------------------------


async def test_tag_rules(db: AsyncSession) -> None:
    account = await _account(db)
    aid = account.id
    tag = await tag_create(
        db,
        account_id=aid,
        name={"en": "Fragile"},
        label=" fragile ",
        fgcolor="#FFFFFF",
        bgcolor="#00AA00",
    )
    await db.commit()
    assert tag.label == "fragile" and tag.fgcolor == "#ffffff" and tag.bgcolor == "#00aa00"
    ref = tag.public_id
    errors = await _fails(
        tag_create(
            db,
            account_id=aid,
            name={"en": "Again"},
            label="fragile",
            fgcolor="red",
            bgcolor="#12345",
        )
    )
    assert errors["label"] == ['A tag labelled "fragile" already exists.']
    assert set(errors) == {"label", "fgcolor", "bgcolor"}
    await db.rollback()
    errors = await _fails(
        tag_update(
            db,
            account_id=aid,
            ref=ref,
            name={"en": "F"},
            label="vip",
            fgcolor="#000000",
            bgcolor="#ffffff",
        )
    )
    assert "already exists" in errors["label"][0]
    await db.rollback()
    # Its own label is no conflict.
    await tag_update(
        db,
        account_id=aid,
        ref=ref,
        name={"en": "Handle with care"},
        label="fragile",
        fgcolor="#000000",
        bgcolor="#ffffff",
    )
    await db.commit()
    # Another account may use the same label.
    other = await _account(db)
    await tag_create(db, account_id=other.id, name={"en": "F"}, label="fragile")
    await db.commit()


async def test_a_label_taken_meanwhile_is_a_field_error(
    db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A concurrent writer takes the label between the check and the insert: the unique
    constraint answers, as a field error, and the transaction stays usable."""
    account = await _account(db)
    aid = account.id

    async def never_taken(*args: Any, **kwargs: Any) -> bool:
        return False

    monkeypatch.setattr(services, "_label_taken", never_taken)
    errors = await _fails(tag_create(db, account_id=aid, name={"en": "VIP"}, label="vip"))
    assert errors == {"label": ['A tag labelled "vip" already exists.']}
    kept = await tag_create(db, account_id=aid, name={"en": "Other"}, label="other")
    await db.commit()
    assert kept.id is not None


async def test_deleting_a_tag_takes_it_off_tickets(db: AsyncSession) -> None:
    account = await _account(db)
    aid = account.id
    doomed = await tag_create(db, account_id=aid, name={"en": "Doomed"}, label="doomed")
    kept = await tag_create(db, account_id=aid, name={"en": "Kept"}, label="kept")
    await db.commit()
    ticket = await _ticket(db, account, tags=[doomed.public_id, kept.public_id])
    await tag_delete(db, account_id=aid, ref=doomed.public_id)
    await db.commit()
    links = await db.scalars(
        select(ticket_tags.c.tag_id).where(ticket_tags.c.ticket_id == ticket.id)
    )
    assert list(links) == [kept.id]
    assert await db.get(Tag, doomed.id) is None


# ---- custom fields ------------------------------------------------------------------------


async def test_custom_field_rules(db: AsyncSession) -> None:
    account = await _account(db)
    aid = account.id
    errors = await _fails(
        custom_field_create(
            db, account_id=aid, target="order", key="Bad Key", type="COLOUR", name={}
        )
    )
    assert set(errors) == {"target", "key", "type", "name"}
    errors = await _fails(
        custom_field_create(
            db, account_id=aid, target="ticket", key="resolve_by", type="TEXT", name=NAME
        )
    )
    assert errors == {"key": ['A field with the key "resolve_by" already exists.']}
    errors = await _fails(
        custom_field_create(
            db, account_id=aid, target="ticket", key="size", type="SINGLE_SELECT", name=NAME
        )
    )
    assert errors == {"options": ["A select field needs at least one option."]}
    errors = await _fails(
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
    errors = await _fails(
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
    ticket = await _ticket(db, account, custom_fields={"size": "l"})
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
    account = await _account(db)
    aid = account.id
    colour = await custom_field_create(
        db, account_id=aid, target="ticket", key="colour", type="TEXT", name=NAME
    )
    grade = await custom_field_create(
        db, account_id=aid, target="product", key=None, type="TEXT", name=NAME
    )
    await db.commit()
    with_value = await _ticket(
        db,
        account,
        custom_fields={"colour": "red", "resolve_by": "2030-01-01"},
        products=[ItemData(name="Boot", custom_fields={grade.key: "A"})],
    )
    nulled = await _ticket(db, account, custom_fields={"colour": None})
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
