"""Recording events in the caller's transaction (the outbox pattern)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.base import table_of
from ticketry.domain.bulk import RowsInsert
from ticketry.domain.events.models import Event
from ticketry.domain.ids import uuid4_many

_INSERT = RowsInsert(
    table_of(Event),
    columns=("public_id", "event_type", "entity_id"),
    const=(
        "account_id",
        "entity_type",
        "ticket_id",
        "actor_user_id",
        "data",
        "created_at",
        "updated_at",
    ),
)


def event_record(
    session: AsyncSession,
    *,
    account_id: int,
    event_type: str,
    entity_type: str,
    entity_id: int,
    ticket_id: int | None = None,
    actor_user_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """Add an event to the session; it commits or rolls back with the change it describes."""
    event = Event(
        account_id=account_id,
        event_type=event_type,
        entity_type=entity_type,
        entity_id=entity_id,
        ticket_id=ticket_id,
        actor_user_id=actor_user_id,
        data=data or {},
    )
    session.add(event)
    return event


async def events_record(
    session: AsyncSession,
    *,
    account_id: int,
    entity_type: str,
    events: Sequence[tuple[str, int]],
    actor_user_id: int | None,
    now: datetime,
) -> None:
    """The events of a batch of changes, as (event type, entity id), with no data and no
    ticket: one statement, in the caller's transaction, as ``event_record`` for each."""
    if not events:
        return
    await _INSERT.execute(
        session,
        [
            [public_id, event_type, entity_id]
            for (event_type, entity_id), public_id in zip(
                events, uuid4_many(len(events)), strict=True
            )
        ],
        account_id=account_id,
        entity_type=entity_type,
        ticket_id=None,
        actor_user_id=actor_user_id,
        data={},
        created_at=now,
        updated_at=now,
    )
