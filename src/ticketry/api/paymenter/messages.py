"""Paymenter admin ticket messages: list, create, show, delete."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, delete, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.api.paymenter.auth import ApiKeyPrincipal
from ticketry.api.paymenter.deps import model_not_found, parse_id, permitted, read_request_input
from ticketry.api.paymenter.documents import (
    Included,
    Resource,
    attachment_resource,
    collection_document,
    identifier,
    message_resource,
    single_document,
    ticket_resource,
    user_resource,
)
from ticketry.api.paymenter.query import (
    int_values,
    parse_filters,
    parse_includes,
    parse_page,
    parse_sort,
)
from ticketry.api.paymenter.validation import check_message
from ticketry.domain.accounts.rights import MESSAGES_DELETE, MESSAGES_VIEW, MESSAGES_WRITE
from ticketry.domain.conversations.people import agent_of_person, people_by_ids
from ticketry.domain.conversations.queries import (
    MessageFilter,
    MessageRecord,
    message_get,
    message_slice,
)
from ticketry.domain.conversations.services import message_create, message_delete
from ticketry.domain.tickets.queries import ticket_get_many
from ticketry.domain.tickets.records import FLAT

# ``ticket_id`` is Ticketry's addition (Paymenter has no way to list one ticket's messages).
FILTERS = ["id", "ticket_id"]
SORTS = ["id", "created_at", "updated_at"]
RELATIONS = ["user", "ticket", "attachments"]


async def message_documents(
    db: AsyncSession, account_id: int, rows: list[MessageRecord], includes: set[str]
) -> tuple[list[Resource], Included | None]:
    """Message resources with the requested relations: one query per relation kind (their
    attachments come with the messages)."""
    if not includes:
        return [message_resource(row) for row in rows], None
    people = (
        await people_by_ids(
            db,
            account_id=account_id,
            ids=[r.author_person_id for r in rows if r.author_person_id],
        )
        if "user" in includes
        else {}
    )
    tickets = (
        await ticket_get_many(
            db, account_id=account_id, ids=[r.ticket_id for r in rows], projection=FLAT
        )
        if "ticket" in includes
        else {}
    )
    included = Included()
    resources = []
    for row in rows:
        relationships: dict[str, Any] = {}
        if "user" in includes:
            person = people.get(row.author_person_id) if row.author_person_id else None
            relationships["user"] = {"data": identifier("users", person["id"]) if person else None}
            included.add([user_resource(person) if person else None])
        if "ticket" in includes:
            ticket = tickets.get(row.ticket_id)
            relationships["ticket"] = {"data": identifier("tickets", row.ticket_id)}
            included.add([ticket_resource(ticket) if ticket else None])
        if "attachments" in includes:
            own = row.attachments
            relationships["attachments"] = {
                "data": [identifier("ticketMessageAttachments", f.id) for f in own]
            }
            included.add(attachment_resource(f) for f in own)
        resources.append(message_resource(row, relationships))
    return resources, included


async def _message_row(db: AsyncSession, api_key: ApiKeyPrincipal, raw_id: str) -> MessageRecord:
    row = await message_get(
        db,
        account_id=api_key.account.id,
        message_id=parse_id("TicketMessage", raw_id),
        public_only=True,
    )
    if row is None:
        raise model_not_found("TicketMessage", raw_id)
    return row


@get(
    "/ticket-messages", operation_id="v1.admin.ticket-messages.index", summary="List TicketMessages"
)
async def messages_index(
    request: Request, db: AsyncSession, api_key: ApiKeyPrincipal
) -> Response[bytes]:
    """Filters ``filter[id]`` and ``filter[ticket_id]`` (exact, comma = any of); ``sort``
    over ``id, created_at, updated_at``; ``include=user,ticket,attachments``; ``per_page``
    (default 15, at most 100), ``page``. Internal notes are not messages here."""
    api_key.require(MESSAGES_VIEW)
    filters = parse_filters(request, FILTERS)
    includes = parse_includes(
        request.query_params.get("include"), RELATIONS, permitted(api_key, RELATIONS)
    )
    order = parse_sort(request.query_params.get("sort"), SORTS)
    page = parse_page(request)
    flt = MessageFilter(public_only=True, ordering=order or [("id", False)])
    if "id" in filters:
        flt.ids = int_values(filters["id"])
    if "ticket_id" in filters:
        flt.ticket_ids = int_values(filters["ticket_id"])
    result = await message_slice(
        db, account_id=api_key.account.id, flt=flt, offset=page.offset, limit=page.per_page
    )
    resources, included = await message_documents(db, api_key.account.id, result.items, includes)
    return collection_document(request, resources, included, page, result)


@post(
    "/ticket-messages",
    operation_id="v1.admin.ticket-messages.store",
    summary="Create a new ticketMessage",
)
async def messages_store(
    request: Request, db: AsyncSession, api_key: ApiKeyPrincipal
) -> Response[bytes]:
    """Answers 201. A message by the ticket's owner makes the ticket ``open``; one by staff
    (a user who is an agent) makes it ``replied``."""
    api_key.require(MESSAGES_WRITE)
    valid = await check_message(
        db, account_id=api_key.account.id, data=await read_request_input(request)
    )
    person, ticket = valid["user_id"], valid["ticket_id"]
    agent = None
    if person["id"] != ticket.requester_id and person["user_id"] is not None:
        agent = await agent_of_person(db, account_id=api_key.account.id, person_id=person["id"])
    message = await message_create(
        db,
        account=api_key.account,
        ticket_ref=ticket.id,
        body=valid["message"],
        is_public=True,
        author_user=agent,
        author_contact_id=None if agent is not None else person["id"],
        grant=api_key.grant,
        via=api_key.via,
    )
    row = await message_get(
        db, account_id=api_key.account.id, message_id=message.id, public_only=True
    )
    assert row is not None
    return single_document(message_resource(row), None, status=201)


@get(
    "/ticket-messages/{ticketMessage:str}",
    operation_id="v1.admin.ticket-messages.show",
    summary="Show a specific ticketMessage",
)
async def messages_show(
    request: Request,
    db: AsyncSession,
    api_key: ApiKeyPrincipal,
    ticketMessage: str,
) -> Response[bytes]:
    api_key.require(MESSAGES_VIEW)
    includes = parse_includes(
        request.query_params.get("include"), RELATIONS, permitted(api_key, RELATIONS)
    )
    row = await _message_row(db, api_key, ticketMessage)
    (resource,), included = await message_documents(db, api_key.account.id, [row], includes)
    return single_document(resource, included)


@delete(
    "/ticket-messages/{ticketMessage:str}",
    operation_id="v1.admin.ticket-messages.destroy",
    summary="Delete a specific ticketMessage",
)
async def messages_destroy(
    db: AsyncSession,
    api_key: ApiKeyPrincipal,
    ticketMessage: str,
) -> None:
    api_key.require(MESSAGES_DELETE)
    row = await _message_row(db, api_key, ticketMessage)
    await message_delete(
        db,
        account=api_key.account,
        actor=None,
        message_id=row.id,
        grant=api_key.grant,
        via=api_key.via,
    )


HANDLERS = [messages_index, messages_store, messages_show, messages_destroy]
