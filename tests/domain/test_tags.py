"""Tags edited through ``domain.catalog.tags``, on a real database."""

from __future__ import annotations

from typing import Any

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
from ticketry.domain.catalog import tags
from ticketry.domain.catalog.models import Tag
from ticketry.domain.catalog.tags import tag_create, tag_delete, tag_update
from ticketry.domain.errors import NotFound, ValidationFailed
from ticketry.domain.tickets.models import ticket_tags


async def test_tag_rules(db: AsyncSession) -> None:
    account = await account_new(db)
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
    errors = await fails(
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
    errors = await fails(
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
    other = await account_new(db)
    await tag_create(db, account_id=other.id, name={"en": "F"}, label="fragile")
    await db.commit()


async def test_a_label_taken_meanwhile_is_a_field_error(
    db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A concurrent writer takes the label between the check and the insert: the unique
    constraint answers, as a field error, and the transaction stays usable."""
    account = await account_new(db)
    aid = account.id

    async def never_taken(*args: Any, **kwargs: Any) -> bool:
        return False

    monkeypatch.setattr(tags, "_label_taken", never_taken)
    errors = await fails(tag_create(db, account_id=aid, name={"en": "VIP"}, label="vip"))
    assert errors == {"label": ['A tag labelled "vip" already exists.']}
    kept = await tag_create(db, account_id=aid, name={"en": "Other"}, label="other")
    await db.commit()
    assert kept.id is not None


async def test_deleting_a_tag_takes_it_off_tickets(db: AsyncSession) -> None:
    account = await account_new(db)
    aid = account.id
    doomed = await tag_create(db, account_id=aid, name={"en": "Doomed"}, label="doomed")
    kept = await tag_create(db, account_id=aid, name={"en": "Kept"}, label="kept")
    await db.commit()
    ticket = await ticket_new(db, account, tags=[doomed.public_id, kept.public_id])
    await tag_delete(db, account_id=aid, ref=doomed.public_id)
    await db.commit()
    links = await db.scalars(
        select(ticket_tags.c.tag_id).where(ticket_tags.c.ticket_id == ticket.id)
    )
    assert list(links) == [kept.id]
    assert await db.get(Tag, doomed.id) is None


async def test_another_accounts_tags_are_not_found(db: AsyncSession) -> None:
    mine, theirs = await account_new(db), await account_new(db)
    ref = await db.scalar(select(Tag.public_id).where(Tag.account_id == theirs.id).limit(1))
    assert ref is not None
    with pytest.raises(NotFound):
        await tag_update(
            db,
            account_id=mine.id,
            ref=ref,
            name=NAME,
            label="x",
            fgcolor="#000000",
            bgcolor="#ffffff",
        )
    with pytest.raises(NotFound):
        await tag_delete(db, account_id=mine.id, ref=ref)


async def test_a_ticket_tagged_with_a_tag_being_deleted_is_a_field_error(
    app: TicketryApp, db: AsyncSession
) -> None:
    account = await account_new(db)
    doomed = await tag_create(db, account_id=account.id, name=NAME, label="doomed")
    await db.commit()
    waited, error = await second_during_first(
        app,
        lambda one: tag_delete(one, account_id=account.id, ref=doomed.public_id),
        lambda two: ticket_new(two, account, tags=[doomed.public_id]),
    )
    assert waited
    assert isinstance(error, ValidationFailed), error
    assert list(error.errors) == ["tags"]
