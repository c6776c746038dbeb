"""Editing an account's ticket types: create, update, delete."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.catalog.checks import (
    choice_check,
    names_check,
    position_after_last,
    position_check,
    tickets_are,
    tickets_using,
)
from ticketry.domain.catalog.models import TicketType
from ticketry.domain.errors import ErrorCollector, ValidationFailed
from ticketry.domain.refs import Ref, ref_get_or_404
from ticketry.domain.tickets.models import Ticket

# What the returns portal offers customers: returns and complaints.
TYPE_KINDS = ("return", "complaint", "warranty", "other")


def _type_checks(
    errors: ErrorCollector, name: Mapping[str, str], kind: str, position: int | None
) -> dict[str, str]:
    clean = names_check(errors, "name", name)
    choice_check(errors, "kind", kind, TYPE_KINDS)
    position_check(errors, position)
    return clean


async def ticket_type_create(
    session: AsyncSession,
    *,
    account_id: int,
    name: Mapping[str, str],
    kind: str = "other",
    position: int | None = None,
) -> TicketType:
    """A new type; ``kind`` decides whether the returns portal offers it."""
    errors = ErrorCollector()
    clean = _type_checks(errors, name, kind, position)
    errors.raise_if_any()
    if position is None:
        position = await position_after_last(
            session, TicketType, TicketType.account_id == account_id
        )
    ticket_type = TicketType(account_id=account_id, name=clean, kind=kind, position=position)
    session.add(ticket_type)
    await session.flush()
    return ticket_type


async def ticket_type_update(
    session: AsyncSession,
    *,
    account_id: int,
    ref: Ref,
    name: Mapping[str, str],
    kind: str,
    position: int | None = None,
) -> TicketType:
    """Rename, re-kind or reorder a type; ``position`` None: unchanged."""
    ticket_type = await ref_get_or_404(
        session, TicketType, account_id=account_id, ref=ref, for_update=True
    )
    errors = ErrorCollector()
    clean = _type_checks(errors, name, kind, position)
    errors.raise_if_any()
    ticket_type.name = clean
    ticket_type.kind = kind
    if position is not None:
        ticket_type.position = position
    await session.flush()
    return ticket_type


async def ticket_type_delete(session: AsyncSession, *, account_id: int, ref: Ref) -> None:
    """Delete a type no ticket has (the database would quietly clear it on theirs).

    Tickets are counted once the type is locked: a ticket given it meanwhile has either
    committed (and is counted) or waits for this transaction and then finds it gone."""
    ticket_type = await ref_get_or_404(
        session, TicketType, account_id=account_id, ref=ref, for_update=True
    )
    used = await tickets_using(session, account_id, Ticket.type_id, ticket_type.id)
    if used:
        raise ValidationFailed.single(
            "type", f"{tickets_are(used)} of this type: give them another type first."
        )
    await session.delete(ticket_type)
    await session.flush()
