"""What Paymenter handlers share: permissions of includes, 404 messages, the input."""

from __future__ import annotations

from typing import Any

from litestar import Request

from ticketry.api.paymenter.auth import ApiKeyPrincipal
from ticketry.api.paymenter.validation import read_input
from ticketry.domain.errors import NotFound
from ticketry.http.params import parse_id as id_from_text

# Which key permission lets a request include a relation (Paymenter's MAPPED_INCLUDES).
INCLUDE_PERMISSIONS = {
    "messages": "admin.ticket_messages.view",
    "attachments": "admin.ticket_messages.view",
    "user": "admin.users.view",
    "assigned_to": "admin.users.view",
    "ticket": "admin.tickets.view",
}


def permitted(principal: ApiKeyPrincipal, relations: list[str]) -> list[str]:
    return [r for r in relations if INCLUDE_PERMISSIONS[r] in principal.permissions]


def model_not_found(model: str, raw_id: str) -> NotFound:
    return NotFound(f"No query results for model [App\\Models\\{model}] {raw_id}")


def parse_id(model: str, raw_id: str) -> int:
    """Route-model binding: anything but a known integer id is a 404."""
    number = id_from_text(raw_id) if raw_id.isascii() and raw_id.isdigit() else None
    if number is None:
        raise model_not_found(model, raw_id)
    return number


async def read_request_input(request: Request) -> dict[str, Any]:
    return read_input(await request.body(), request.headers.get("content-type"))
