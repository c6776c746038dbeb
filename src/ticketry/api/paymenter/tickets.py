"""Paymenter admin tickets: list, create, show, update (PUT/PATCH), delete."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, delete, get, patch, post, put
from msgspec import UNSET
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.api.paymenter import mapping
from ticketry.api.paymenter.auth import ApiKeyPrincipal
from ticketry.api.paymenter.deps import model_not_found, parse_id, permitted, read_request_input
from ticketry.api.paymenter.documents import (
    Included,
    Resource,
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
from ticketry.api.paymenter.validation import (
    check_assignee,
    check_ticket,
    raise_with_domain_problems,
)
from ticketry.domain.accounts.rights import (
    TICKETS_CREATE,
    TICKETS_DELETE,
    TICKETS_UPDATE,
    TICKETS_VIEW,
)
from ticketry.domain.conversations.people import people_by_ids
from ticketry.domain.conversations.queries import messages_of_tickets
from ticketry.domain.tickets import services
from ticketry.domain.tickets.commands import TicketData
from ticketry.domain.tickets.filters import Sort, TicketFilter
from ticketry.domain.tickets.queries import ticket_get_many, ticket_slice
from ticketry.domain.tickets.records import FLAT, TicketRecord

FILTERS = ["id", "user_id", "status", "priority", "department"]
SORTS = ["id", "created_at", "updated_at", "status", "priority", "department"]
RELATIONS = ["messages", "user", "assigned_to"]


async def ticket_documents(
    db: AsyncSession, account_id: int, rows: list[TicketRecord], includes: set[str]
) -> tuple[list[Resource], Included | None]:
    """Ticket resources with the requested relations: one query per relation kind."""
    if not includes:
        return [ticket_resource(row) for row in rows], None
    people = {}
    if includes & {"user", "assigned_to"}:
        wanted = [r.requester_id for r in rows if "user" in includes and r.requester_id]
        wanted += [
            r.assignee_contact_id
            for r in rows
            if "assigned_to" in includes and r.assignee_contact_id
        ]
        people = await people_by_ids(db, account_id=account_id, ids=wanted)
    messages = (
        await messages_of_tickets(
            db, account_id=account_id, ticket_ids=[r.id for r in rows], public_only=True
        )
        if "messages" in includes
        else {}
    )
    included = Included()
    resources = []
    for row in rows:
        relationships: dict[str, Any] = {}
        if "messages" in includes:
            own = messages.get(row.id, [])
            relationships["messages"] = {"data": [identifier("ticketMessages", m.id) for m in own]}
            included.add(message_resource(m) for m in own)
        for relation, column in (("user", "requester_id"), ("assigned_to", "assignee_contact_id")):
            if relation in includes:  # the identifiers are always there (ticket_resource)
                person = people.get(getattr(row, column))
                included.add([user_resource(person) if person else None])
        resources.append(ticket_resource(row, relationships))
    return resources, included


async def ticket_record(
    db: AsyncSession, account_id: int, ticket_id: int | None
) -> TicketRecord | None:
    """A ticket as this face shows it (its own columns), or None."""
    if ticket_id is None:
        return None
    found = await ticket_get_many(db, account_id=account_id, ids=[ticket_id], projection=FLAT)
    return found.get(ticket_id)


async def _ticket_row(db: AsyncSession, principal: ApiKeyPrincipal, raw_id: str) -> TicketRecord:
    row = await ticket_record(db, principal.account.id, parse_id("Ticket", raw_id))
    if row is None:
        raise model_not_found("Ticket", raw_id)
    return row


@get("/tickets", operation_id="v1.admin.tickets.index", summary="List Tickets")
async def tickets_index(
    request: Request, db: AsyncSession, api_key: ApiKeyPrincipal
) -> Response[bytes]:
    """Filters ``filter[id|user_id|status|priority|department]`` (comma = any of; ids
    exact, status/priority by value, department contains); ``sort`` over ``id,
    created_at, updated_at, status, priority, department`` (``-`` descending);
    ``include=messages,user,assigned_to``; ``per_page`` (default 15, at most 100), ``page``."""
    api_key.require(TICKETS_VIEW)
    filters = parse_filters(request, FILTERS)
    includes = parse_includes(
        request.query_params.get("include"), RELATIONS, permitted(api_key, RELATIONS)
    )
    order = parse_sort(request.query_params.get("sort"), SORTS)
    page = parse_page(request)
    flt = TicketFilter(
        # Missing values sort first ascending and last descending, as in Laravel on MySQL.
        ordering=[Sort(k, descending=d, nulls="last" if d else "first") for k, d in order]
        or [Sort("id")]
    )
    if "id" in filters:
        flt.ids = int_values(filters["id"])
    if "user_id" in filters:
        flt.requester_ids = int_values(filters["user_id"])
    if "status" in filters:
        flt.statuses = mapping.statuses_matching(filters["status"])
    if "priority" in filters:
        flt.priorities = mapping.priorities_matching(filters["priority"])
    if "department" in filters:
        flt.department_contains = filters["department"]
    result = await ticket_slice(
        db,
        account_id=api_key.account.id,
        flt=flt,
        offset=page.offset,
        limit=page.per_page,
        projection=FLAT,
    )
    resources, included = await ticket_documents(db, api_key.account.id, result.items, includes)
    return collection_document(request, resources, included, page, result)


@post("/tickets", operation_id="v1.admin.tickets.store", summary="Create a new ticket")
async def tickets_store(
    request: Request, db: AsyncSession, api_key: ApiKeyPrincipal
) -> Response[bytes]:
    """Answers 201. ``status`` defaults to open, ``priority`` to medium; ``assigned_to``
    (a staff user's id) is honoured."""
    api_key.require(TICKETS_CREATE)
    account_id = api_key.account.id
    rules = check_ticket(await read_request_input(request), creating=True)
    await check_assignee(rules, db, account_id)
    valid = rules.valid
    data = TicketData(
        status=mapping.status_for_create(valid["status"]) if "status" in valid else UNSET,
        priority=valid.get("priority", UNSET),
        channel="api",
    )
    _common_fields(data, valid)
    await raise_with_domain_problems(db, rules, account_id=account_id, data=data)
    ticket = await services.ticket_create(
        db, account=api_key.account, actor=None, data=data, grant=api_key.grant, via=api_key.via
    )
    row = await ticket_record(db, api_key.account.id, ticket.id)
    assert row is not None
    return single_document(ticket_resource(row), None, status=201)


@get(
    "/tickets/{ticket:str}", operation_id="v1.admin.tickets.show", summary="Show a specific ticket"
)
async def tickets_show(
    request: Request, db: AsyncSession, api_key: ApiKeyPrincipal, ticket: str
) -> Response[bytes]:
    api_key.require(TICKETS_VIEW)
    includes = parse_includes(
        request.query_params.get("include"), RELATIONS, permitted(api_key, RELATIONS)
    )
    row = await _ticket_row(db, api_key, ticket)
    (resource,), included = await ticket_documents(db, api_key.account.id, [row], includes)
    return single_document(resource, included)


def _common_fields(data: TicketData, valid: dict[str, Any]) -> None:
    """The valid fields a create and an update set alike."""
    if "subject" in valid:
        data.subject = valid["subject"]
    if "user_id" in valid:
        data.requester = valid["user_id"]
    if "department" in valid:
        data.department = valid["department"]
    if "assigned_to" in valid:
        person = valid["assigned_to"]
        data.assignee = person["user_id"] if person is not None else None


async def _update(
    request: Request, db: AsyncSession, api_key: ApiKeyPrincipal, raw_id: str
) -> Response[bytes]:
    api_key.require(TICKETS_UPDATE)
    row = await _ticket_row(db, api_key, raw_id)
    account_id = api_key.account.id
    rules = check_ticket(await read_request_input(request), creating=False)
    await check_assignee(rules, db, account_id)
    valid = rules.valid
    data = TicketData()
    _common_fields(data, valid)
    if "status" in valid:
        status = mapping.status_for_update(valid["status"], row.status)
        if status is not None:
            data.status = status
    if "priority" in valid:
        priority = mapping.priority_for_update(valid["priority"], row.priority)
        if priority is not None:
            data.priority = priority
    await raise_with_domain_problems(db, rules, account_id=account_id, data=data)
    await services.ticket_update(
        db,
        account=api_key.account,
        actor=None,
        ref=row.id,
        data=data,
        grant=api_key.grant,
        via=api_key.via,
    )
    updated = await ticket_record(db, api_key.account.id, row.id)
    assert updated is not None
    return single_document(ticket_resource(updated), None)


@put(
    "/tickets/{ticket:str}",
    operation_id="v1.admin.tickets.update",
    summary="Update a specific ticket",
)
async def tickets_update(
    request: Request, db: AsyncSession, api_key: ApiKeyPrincipal, ticket: str
) -> Response[bytes]:
    """Every field is optional (PUT and PATCH alike, as in Paymenter)."""
    return await _update(request, db, api_key, ticket)


@patch(
    "/tickets/{ticket:str}",
    operation_id="v1.admin.tickets.update.patch",
    summary="Update a specific ticket",
)
async def tickets_update_patch(
    request: Request, db: AsyncSession, api_key: ApiKeyPrincipal, ticket: str
) -> Response[bytes]:
    return await _update(request, db, api_key, ticket)


@delete(
    "/tickets/{ticket:str}",
    operation_id="v1.admin.tickets.destroy",
    summary="Delete a specific ticket",
)
async def tickets_destroy(db: AsyncSession, api_key: ApiKeyPrincipal, ticket: str) -> None:
    """Deletes the ticket with its messages (204)."""
    api_key.require(TICKETS_DELETE)
    row = await _ticket_row(db, api_key, ticket)
    await services.ticket_delete(
        db, account=api_key.account, actor=None, ref=row.id, grant=api_key.grant
    )


HANDLERS = [
    tickets_index,
    tickets_store,
    tickets_show,
    tickets_update,
    tickets_update_patch,
    tickets_destroy,
]
