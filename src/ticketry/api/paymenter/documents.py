"""JSON:API documents as timacdonald/json-api renders Paymenter's resources.

``{"id": "<string>", "type": ..., "attributes": {...}, "relationships": {...}}``;
related resources once each in ``included``, for requested includes.

Two additions to what the package renders, both what the seed document shows: a ticket's
``user`` and ``assigned_to`` identifiers are always in its relationships (the ids its
attributes carry anyway, so no query), and a message's attributes carry ``user_id`` (its
author). A client written from the seed can then read a conversation without ``include``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import msgspec
from litestar import Request, Response
from sqlalchemy.engine import RowMapping

from ticketry.api.paymenter.mapping import priority_out, status_out
from ticketry.api.paymenter.query import PageParams
from ticketry.domain.conversations.queries import AttachmentRecord, MessageRecord
from ticketry.domain.slicing import Slice
from ticketry.domain.tickets.records import TicketRecord

MEDIA_TYPE = "application/vnd.api+json"

Resource = dict[str, Any]


def timestamp(value: datetime | None) -> str | None:
    """Laravel's ISO-8601: ``2024-01-15T10:30:00.000000Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def identifier(kind: str, id_: int | None) -> dict[str, str] | None:
    return None if id_ is None else {"type": kind, "id": str(id_)}


def _resource(
    kind: str, id_: int, attributes: dict[str, Any], relationships: dict[str, Any]
) -> Resource:
    out: Resource = {"id": str(id_), "type": kind, "attributes": attributes}
    if relationships:
        out["relationships"] = relationships
    return out


def ticket_people(row: TicketRecord) -> dict[str, Any]:
    """The ticket's ``user`` and ``assigned_to`` identifiers, as the seed shows them."""
    return {
        "user": {"data": identifier("users", row.requester_id)},
        "assigned_to": {"data": identifier("users", row.assignee_contact_id)},
    }


def ticket_resource(row: TicketRecord, relationships: dict[str, Any] | None = None) -> Resource:
    return _resource(
        "tickets",
        row.id,
        {
            "id": row.id,
            "subject": row.subject,
            "status": status_out(row.status),
            "priority": priority_out(row.priority),
            "assigned_to": row.assignee_contact_id,
            "user_id": row.requester_id,
            "department": row.department,
            "updated_at": timestamp(row.updated_at),
            "created_at": timestamp(row.created_at),
        },
        {**ticket_people(row), **(relationships or {})},
    )


def message_resource(row: MessageRecord, relationships: dict[str, Any] | None = None) -> Resource:
    return _resource(
        "ticketMessages",
        row.id,
        {
            "id": row.id,
            "message": row.body,
            "user_id": row.author_person_id,
            "updated_at": timestamp(row.updated_at),
            "created_at": timestamp(row.created_at),
        },
        relationships or {},
    )


def _split_name(name: str) -> tuple[str | None, str | None]:
    first, _, last = (name or "").strip().partition(" ")
    return (first or None), (last.strip() or None)


def user_resource(row: RowMapping) -> Resource:
    first_name, last_name = _split_name(row["name"])
    return _resource(
        "users",
        row["id"],
        {
            "id": row["id"],
            "first_name": first_name,
            "last_name": last_name,
            "email": row["email"],
            "email_verified_at": None,
            "updated_at": timestamp(row["updated_at"]),
            "created_at": timestamp(row["created_at"]),
        },
        {},
    )


def attachment_resource(row: AttachmentRecord) -> Resource:
    return _resource(
        "ticketMessageAttachments",
        row.id,
        {
            "id": row.id,
            "uuid": str(row.public_id),
            "filename": row.filename,
            "path": row.storage_key,
            "filesize": row.size,
            "mime_type": row.content_type,
            "created_at": timestamp(row.created_at),
            "updated_at": timestamp(row.updated_at),
        },
        {},
    )


@dataclass
class Included:
    """Related resources, each once, in the order first met."""

    items: dict[tuple[str, str], Resource] = field(default_factory=dict)

    def add(self, resources: Iterable[Resource | None]) -> None:
        for resource in resources:
            if resource is not None:
                self.items.setdefault((resource["type"], resource["id"]), resource)

    def as_list(self) -> list[Resource]:
        return list(self.items.values())


def _encode(doc: dict[str, Any], status: int) -> Response[bytes]:
    return Response(content=msgspec.json.encode(doc), status_code=status, media_type=MEDIA_TYPE)


def single_document(
    resource: Resource, included: Included | None, status: int = 200
) -> Response[bytes]:
    doc: dict[str, Any] = {"data": resource}
    if included is not None:
        doc["included"] = included.as_list()
    return _encode(doc, status)


def collection_document(
    request: Request,
    resources: list[Resource],
    included: Included | None,
    page: PageParams,
    result: Slice[Any],
) -> Response[bytes]:
    """Laravel's simple paginator: links first/prev/next (null ones dropped), no total.

    Page links keep the request's other query parameters (filters, sort, per_page)."""
    path = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"
    raw_query = request.scope.get("query_string", b"").decode("latin-1")
    params = [(k, v) for k, v in parse_qsl(raw_query, keep_blank_values=True) if k != "page"]

    def url(number: int) -> str:
        return f"{path}?{urlencode([*params, ('page', str(number))])}"

    links = {"first": url(1)}
    if page.page > 1:
        links["prev"] = url(page.page - 1)
    if result.has_more:
        links["next"] = url(page.page + 1)
    count = len(resources)
    doc: dict[str, Any] = {"data": resources}
    if included is not None:
        doc["included"] = included.as_list()
    doc["links"] = links
    doc["meta"] = {
        "current_page": page.page,
        "from": page.offset + 1 if count else None,
        "path": path,
        "per_page": page.per_page,
        "to": page.offset + count if count else None,
    }
    return _encode(doc, 200)
