"""Payload formats ("flavours") of webhook subscriptions, and the registry that holds them.

Each face that offers webhooks describes its own wire format: which domain events it
publishes under which names, how a payload looks, which extra headers it sends, and
registers it (``register(registry)`` in its ``webhook_events`` module). The registry is
built once by whoever assembles the program (``ticketry.registries``, used by ``app.py``
and ``cli.py``) and handed to the worker and the desk: neither imports a face, and the
domain never learns a vendor's names.
"""

from __future__ import annotations

from collections.abc import Iterator
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


class Flavours:
    """The payload formats known to this program, by name (in registration order)."""

    def __init__(self) -> None:
        self._by_name: dict[str, Flavour] = {}

    def register(self, flavour: Flavour) -> None:
        if flavour.name in self._by_name:
            raise ValueError(f"webhook flavour {flavour.name!r} registered twice")
        self._by_name[flavour.name] = flavour

    def __getitem__(self, name: str) -> Flavour:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[Flavour]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def get(self, name: str) -> Flavour | None:
        return self._by_name.get(name)

    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)
