"""Recording events in the caller's transaction (the outbox pattern)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.events.models import Event


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
