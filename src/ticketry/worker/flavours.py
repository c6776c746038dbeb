"""Payload formats ("flavours") of webhook subscriptions.

Each face that offers webhooks describes its own wire format: which domain events it
publishes under which names, how a payload looks, which extra headers it sends. The
worker only looks flavours up here, so the domain never learns a vendor's names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.events.models import Event


@dataclass
class Built:
    """One event rendered for one flavour."""

    event_type: str  # the flavour's event name
    payload: dict[str, Any]


class Flavour(Protocol):
    name: str
    event_names: tuple[str, ...]

    def event_name(self, event: Event) -> str | None:
        """The flavour's name for a domain event, or None when it does not publish it."""
        ...

    async def build(self, session: AsyncSession, events: list[Event]) -> dict[int, Built]:
        """Payloads for the events it publishes, keyed by ``events.id`` (a batch)."""
        ...

    def test_payload(self, event_public_id: str, created_at: str) -> Built: ...

    def headers(self, *, secret: str, body: bytes) -> dict[str, str]:
        """Headers of its own, beside Ticketry's signature headers."""
        ...


def flavours() -> dict[str, Flavour]:
    from ticketry.api.nextcommerce.webhook_events import NEXTCOMMERCE
    from ticketry.api.retino.webhook_events import RETINO

    return {RETINO.name: RETINO, NEXTCOMMERCE.name: NEXTCOMMERCE}


def flavour_get(name: str) -> Flavour:
    return flavours()[name]
