"""Editing an account's ticket states: create, update, delete.

Every state falls into one lifecycle status, and each status keeps exactly one default
state (the one a ticket gets when another face sets only the status) and at least one
state. The rules span rows, so every change locks all of the account's states first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.catalog.checks import (
    choice_check,
    constraint_as_field_error,
    names_check,
    position_check,
    tickets_are,
    tickets_using,
)
from ticketry.domain.catalog.models import TICKET_STATUSES, TicketState
from ticketry.domain.errors import ErrorCollector, NotFound
from ticketry.domain.refs import Ref, ref_get_or_404
from ticketry.domain.tickets.models import Ticket


async def _states_locked(session: AsyncSession, account_id: int) -> list[TicketState]:
    """All the account's states, locked and read afresh: default and last-of-status rules
    span rows."""
    rows = await session.scalars(
        select(TicketState)
        .where(TicketState.account_id == account_id)
        .order_by(TicketState.position, TicketState.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def _state_locked(
    session: AsyncSession, account_id: int, ref: Ref
) -> tuple[TicketState, list[TicketState]]:
    """The state ``ref`` and all the account's states, locked (in one order, whatever the
    ref, so two admins' changes cannot deadlock). Gone once locked: ``NotFound``."""
    state = await ref_get_or_404(session, TicketState, account_id=account_id, ref=ref)
    states = await _states_locked(session, account_id)
    if state not in states:
        raise NotFound()
    return state, states


def _settle_default(
    states: Sequence[TicketState], status: str, chosen: TicketState | None = None
) -> None:
    """Exactly one default among the states of ``status``: ``chosen``, else the current
    default, else the first by position (the state ``ticket_create`` would pick anyway)."""
    same = sorted((s for s in states if s.status == status), key=lambda s: (s.position, s.id))
    if not same:
        return
    keep = chosen if chosen in same else next((s for s in same if s.is_default), same[0])
    for state in same:
        state.is_default = state is keep


def _only_state_of(states: Sequence[TicketState], status: str) -> bool:
    return sum(1 for s in states if s.status == status) == 1


async def state_create(
    session: AsyncSession,
    *,
    account_id: int,
    name: Mapping[str, str],
    status: str,
    is_default: bool = False,
    position: int | None = None,
) -> TicketState:
    """A new state. The first state of a status becomes its default whatever
    ``is_default`` says; a new default replaces the status's old one. ``position`` None:
    after the last."""
    errors = ErrorCollector()
    clean = names_check(errors, "name", name)
    choice_check(errors, "status", status, TICKET_STATUSES)
    position_check(errors, position)
    errors.raise_if_any()
    states = await _states_locked(session, account_id)
    if position is None:
        position = max((s.position for s in states), default=-1) + 1
    state = TicketState(
        account_id=account_id, name=clean, status=status, is_default=False, position=position
    )
    session.add(state)
    await session.flush()
    _settle_default([*states, state], status, state if is_default else None)
    await session.flush()
    return state


async def state_update(
    session: AsyncSession,
    *,
    account_id: int,
    ref: Ref,
    name: Mapping[str, str],
    status: str,
    is_default: bool,
    position: int | None = None,
) -> TicketState:
    """Rename, reorder, make default, or move to another status.

    A state cannot leave its status when it is the status's last one (other faces set
    only the status and need a state for it) or while tickets are in it (a ticket's status
    is always its state's). Unticking the default is refused: which state would take over
    is the admin's choice, made by ticking another one. Moving the default away hands the
    old status's default to its first remaining state. ``position`` None: unchanged."""
    state, states = await _state_locked(session, account_id, ref)
    errors = ErrorCollector()
    clean = names_check(errors, "name", name)
    choice_check(errors, "status", status, TICKET_STATUSES)
    position_check(errors, position)
    old = state.status
    if status in TICKET_STATUSES and status != old:
        if _only_state_of(states, old):
            errors.add(
                "status",
                f'This is the only state with status "{old}": add another one first, '
                "so that tickets given that status still get a state.",
            )
        used = await tickets_using(session, account_id, Ticket.state_id, state.id)
        if used:
            errors.add(
                "status",
                f"{tickets_are(used)} in this state: move them to another state before "
                "changing its status.",
            )
    elif state.is_default and not is_default:
        errors.add(
            "is_default",
            f'Each status needs a default state: make another "{old}" state the default instead.',
        )
    errors.raise_if_any()
    state.name = clean
    if position is not None:
        state.position = position
    if status != old:
        state.status = status
        state.is_default = False
        _settle_default(states, old)
    _settle_default(states, status, state if is_default else None)
    await session.flush()
    return state


def _in_use_message(count: int | None) -> str:
    """``count`` None: some (a ticket the count missed, reported by the database)."""
    tickets = tickets_are(count) if count else "Tickets are"
    return f"{tickets} in this state: move them to another state first."


async def state_delete(session: AsyncSession, *, account_id: int, ref: Ref) -> None:
    """Delete a state no ticket is in, unless it is its status's last one. When it was the
    default, the status's first remaining state becomes the default.

    Tickets are counted once the state is locked: a ticket written into it meanwhile has
    either committed (and is counted) or waits for this transaction and then finds the
    state gone. Should one slip through all the same, the database refuses the delete and
    that is the same "in use" error."""
    state, states = await _state_locked(session, account_id, ref)
    errors = ErrorCollector()
    if _only_state_of(states, state.status):
        errors.add(
            "state",
            f'This is the only state with status "{state.status}" and cannot be deleted: '
            "tickets given that status need a state.",
        )
    used = await tickets_using(session, account_id, Ticket.state_id, state.id)
    if used:
        errors.add("state", _in_use_message(used))
    errors.raise_if_any()
    async with constraint_as_field_error(session, "state", _in_use_message(None)):
        await session.delete(state)
    _settle_default([s for s in states if s is not state], state.status)
    await session.flush()
