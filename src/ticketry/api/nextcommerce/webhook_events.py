"""The Next Commerce webhook flavour for the outbox worker (``domain/webhooks/flavours.py``).

``ticket.created`` and ``ticket.updated`` carry the ticket exactly as ``GET /tickets/{id}/``
shows it, in the vendor's envelope, signed with ``X-29Next-Signature`` (hex HMAC-SHA256 of
the body). The worker renders one body per event for every subscription, so the envelope's
``webhook`` object names the store and the events but not the subscription's id or target
(both optional in the vendor's schema).
"""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.api.nextcommerce.serializers import FILES_PATH, PROJECTION, tickets_out
from ticketry.api.nextcommerce.webhooks import EVENTS, SIGNATURE_HEADER, signature
from ticketry.domain.accounts.models import Account
from ticketry.domain.events.models import Event
from ticketry.domain.tickets.queries import ticket_get_many
from ticketry.domain.types import utcnow
from ticketry.domain.webhooks.flavours import Built, Flavours
from ticketry.settings import Settings

API_VERSION = "2024-04-01"

# Domain event → Next Commerce event: any change to a ticket (its status, fields,
# conversation or products) is a ticket.updated.
EVENT_NAMES: dict[str, str] = {
    "ticket.created": "ticket.created",
    "ticket.updated": "ticket.updated",
    "ticket.closed": "ticket.updated",
    "ticket.message_added": "ticket.updated",
    "ticket.note_added": "ticket.updated",
    "ticket.product_added": "ticket.updated",
    "ticket.product_updated": "ticket.updated",
    "ticket.product_removed": "ticket.updated",
}


def files_base_of(settings: Settings) -> str:
    """Where the payloads' attachment links point (the server's own address)."""
    return f"http://{settings.host}:{settings.port}{FILES_PATH}"


class NextCommerceFlavour:
    name = "nextcommerce"
    event_names: tuple[str, ...] = EVENTS

    def __init__(self, files_base: str | None = None) -> None:
        # Given by the runtime's settings (``register``); None: the process's settings.
        self.files_base = files_base

    def _files_base(self) -> str:
        if self.files_base is not None:
            return self.files_base
        from ticketry.settings import get_settings

        return files_base_of(get_settings())

    def event_name(self, event: Event) -> str | None:
        return EVENT_NAMES.get(event.event_type)

    async def build(self, session: AsyncSession, events: list[Event]) -> dict[int, Built]:
        wanted = [e for e in events if self.event_name(e) and e.ticket_id is not None]
        out: dict[int, Built] = {}
        by_account: dict[int, list[Event]] = {}
        for event in wanted:
            by_account.setdefault(event.account_id, []).append(event)
        for account_id, account_events in by_account.items():
            slug = await session.scalar(select(Account.slug).where(Account.id == account_id))
            ids = sorted({e.ticket_id for e in account_events if e.ticket_id is not None})
            records = await ticket_get_many(
                session, account_id=account_id, ids=ids, projection=PROJECTION
            )
            shown = {
                t.id: t
                for t in await tickets_out(
                    self._files_base(), session, account_id, list(records.values())
                )
            }
            for event in account_events:
                ticket = shown.get(event.ticket_id)  # type: ignore[arg-type]
                name = self.event_name(event)
                if ticket is None or name is None:
                    continue
                out[event.id] = Built(
                    event_type=name,
                    payload=self._envelope(name, str(event.public_id), ticket, slug),
                )
        return out

    def _envelope(self, name: str, event_id: str, data: Any, store: str | None) -> dict[str, Any]:
        return {
            "api_version": API_VERSION,
            "data": msgspec.to_builtins(data),
            "event_id": event_id,
            "event_type": name,
            "object": "ticket",
            "webhook": {"events": list(EVENTS), "store": store},
        }

    def test_payload(self, event_public_id: str, created_at: str) -> Built:
        now = msgspec.to_builtins(utcnow())
        data: dict[str, Any] = {
            "id": 0,
            "subject": "Test",
            "status": "new",
            "priority": "medium",
            "channel": "api",
            "requester": None,
            "assignee": None,
            "from_email": None,
            "order": "",
            "products": [],
            "tags": [],
            "ticket_type": None,
            "comments": [],
            "created_at": created_at or now,
            "updated_at": created_at or now,
        }
        return Built(
            event_type="ticket.updated",
            payload=self._envelope("ticket.updated", event_public_id, data, None),
        )

    def headers(self, *, secret: str, body: bytes) -> dict[str, str]:
        return {SIGNATURE_HEADER: signature(secret, body)}


NEXTCOMMERCE = NextCommerceFlavour()


def register(registry: Flavours, settings: Settings | None = None) -> None:
    registry.register(
        NEXTCOMMERCE if settings is None else NextCommerceFlavour(files_base_of(settings))
    )
