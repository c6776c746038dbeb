"""Ticket states edited through ``domain.catalog.ticket_states``, on a real database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.domain.catalog_helpers import (
    NAME,
    account_new,
    fails,
    second_during_first,
    ticket_new,
)
from ticketry.app import TicketryApp
from ticketry.domain.catalog.models import TicketState
from ticketry.domain.catalog.ticket_states import state_create, state_delete, state_update
from ticketry.domain.errors import Code, FieldError, NotFound, ValidationFailed, codes_of
from ticketry.domain.tickets.models import Ticket


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


async def test_state_create_update_and_names(db: AsyncSession) -> None:
    account = await account_new(db)
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
    account = await account_new(db)
    aid = account.id
    errors = await fails(
        state_create(db, account_id=aid, name={"cs": " ", "en": ""}, status="done", position=-1)
    )
    assert set(errors) == {"name", "status", "position"}
    errors = await fails(
        state_create(db, account_id=aid, name={"en": "x" * 101, "xx": "Bad"}, status="open")
    )
    assert codes_of(errors["name"]) == ["too_long{max=100,part=en}", "invalid_language{value=xx}"]
    await db.rollback()
    count = await db.scalar(
        select(func.count()).select_from(TicketState).where(TicketState.account_id == aid)
    )
    assert count == 6  # the defaults only


async def test_new_default_replaces_the_old_one(db: AsyncSession) -> None:
    account = await account_new(db)
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
    ticket = await ticket_new(db, account, status="pending")
    assert ticket.state_id == old.id


async def test_default_cannot_just_be_unticked(db: AsyncSession) -> None:
    account = await account_new(db)
    aid = account.id
    default = await _default(db, aid, "pending")
    errors = await fails(
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
    account = await account_new(db)
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
    account = await account_new(db)
    aid = account.id
    (only,) = await _states(db, aid, "new")
    ref, name = only.public_id, only.name
    errors = await fails(state_delete(db, account_id=aid, ref=ref))
    assert "only state" in errors["state"][0]
    await db.rollback()
    errors = await fails(
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
    account = await account_new(db)
    aid = account.id
    state = await state_create(db, account_id=aid, name={"en": "Escalated"}, status="open")
    await db.commit()
    state_id, ref, name = state.id, state.public_id, state.name
    for _ in range(2):
        await ticket_new(db, account, state=ref)
    errors = await fails(state_delete(db, account_id=aid, ref=ref))
    assert "2 tickets are in this state" in errors["state"][0]
    await db.rollback()
    errors = await fails(
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
    account = await account_new(db)
    aid = account.id
    old = await _default(db, aid, "pending")
    await state_delete(db, account_id=aid, ref=old.public_id)
    await db.commit()
    remaining = await _states(db, aid, "pending")
    assert old.id not in [s.id for s in remaining]
    assert (await _default(db, aid, "pending")).id == remaining[0].id


async def test_another_accounts_states_are_not_found(db: AsyncSession) -> None:
    mine, theirs = await account_new(db), await account_new(db)
    (state,) = await _states(db, theirs.id, "new")
    state_id, ref = state.id, state.public_id
    with pytest.raises(NotFound):
        await state_update(
            db, account_id=mine.id, ref=ref, name=NAME, status="new", is_default=True
        )
    with pytest.raises(NotFound):
        await state_delete(db, account_id=mine.id, ref=state_id)
    await db.rollback()
    assert (await db.get(TicketState, state_id)) is not None


# ---- concurrent tickets -------------------------------------------------------------------


async def test_a_ticket_put_in_a_state_being_deleted_is_a_field_error(
    app: TicketryApp, db: AsyncSession
) -> None:
    """The delete locks the state first: the ticket waits, then finds it gone (not a
    foreign-key failure)."""
    account = await account_new(db)
    state = await state_create(db, account_id=account.id, name={"en": "Brief"}, status="open")
    await db.commit()
    waited, error = await second_during_first(
        app,
        lambda one: state_delete(one, account_id=account.id, ref=state.public_id),
        lambda two: ticket_new(two, account, state=state.public_id),
    )
    assert waited
    assert isinstance(error, ValidationFailed), error
    assert error.errors == {"state": [FieldError(Code.INVALID_REF, {"value": state.public_id})]}
    count = await db.scalar(
        select(func.count()).select_from(Ticket).where(Ticket.account_id == account.id)
    )
    assert count == 0


async def test_a_ticket_given_a_status_whose_default_is_being_deleted_gets_the_next(
    app: TicketryApp, db: AsyncSession
) -> None:
    account = await account_new(db)
    old = await _default(db, account.id, "pending")
    await db.commit()
    created: list[Ticket] = []

    async def create(two: AsyncSession) -> None:
        created.append(await ticket_new(two, account, status="pending"))

    waited, error = await second_during_first(
        app, lambda one: state_delete(one, account_id=account.id, ref=old.id), create
    )
    assert waited and error is None
    assert created[0].state_id == (await _default(db, account.id, "pending")).id != old.id


async def test_a_state_being_deleted_waits_for_the_ticket_put_in_it(
    app: TicketryApp, db: AsyncSession
) -> None:
    """The ticket came first: the delete waits for it, then counts it."""
    account = await account_new(db)
    state = await state_create(db, account_id=account.id, name={"en": "Brief"}, status="open")
    await db.commit()
    waited, error = await second_during_first(
        app,
        lambda one: ticket_new(one, account, commit=False, state=state.public_id),
        lambda two: state_delete(two, account_id=account.id, ref=state.public_id),
    )
    assert waited
    assert isinstance(error, ValidationFailed), error
    assert error.errors == {
        "state": ["1 ticket is in this state: move them to another state first."]
    }
    assert await db.get(TicketState, state.id) is not None
