"""PORTOS tickets: list (NData), detail, create, create-or-update, delete, fiscal close."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, delete, get, post, put
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.api.portos import schemas as s
from ticketry.api.portos.deps import Principal, read_body, read_optional_body
from ticketry.api.portos.ndata import parse_query
from ticketry.api.portos.responses import PortosResponse
from ticketry.api.portos.serializers import PROJECTION, close_data, ticket_data, ticket_out
from ticketry.domain.errors import NotFound, ValidationFailed
from ticketry.domain.tickets import queries, services
from ticketry.domain.tickets.filters import Sort, TicketFilter


def _ticket_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise NotFound("No ticket has this id.") from exc


async def _view(db: AsyncSession, principal: Principal, public_id: uuid.UUID) -> s.TicketOut:
    ticket = await queries.ticket_get(
        db, account_id=principal.account.id, ref=public_id, projection=PROJECTION
    )
    return ticket_out(ticket)


def _device(principal: Principal) -> str | None:
    return principal.session.device_name if principal.session else None


@get("/tickets", operation_id="tickets_list", summary="Get tickets")
async def tickets_list(
    request: Request[Any, Any, Any], db: AsyncSession, principal: Principal
) -> s.TicketQueryResult:
    """NData: ``$skip``, ``$take`` (default 100, at most 1000), ``$sort``, ``$count`` and
    the member filters of docs/portos.md (e.g. ``DiscountRate=gt:0;lt:50``)."""
    principal.require_read()
    query = parse_query(request.query_params.multi_items())
    flt = TicketFilter(conditions=query.conditions, ordering=query.sort or [Sort("id")])
    if query.count_only:
        count = await queries.ticket_count(db, account_id=principal.account.id, flt=flt)
        return s.TicketQueryResult(count=count)
    page = await queries.ticket_slice(
        db,
        account_id=principal.account.id,
        flt=flt,
        offset=query.skip,
        limit=query.take,
        projection=PROJECTION,
    )
    return s.TicketQueryResult(items=[ticket_out(t) for t in page.items])


@get("/tickets/{ticket_id:str}", operation_id="tickets_get", summary="Get ticket")
async def tickets_get(db: AsyncSession, principal: Principal, ticket_id: str) -> s.TicketOut:
    principal.require_read()
    return await _view(db, principal, _ticket_id(ticket_id))


@post("/tickets", operation_id="tickets_create", summary="Create ticket", status_code=201)
async def tickets_create(
    request: Request[Any, Any, Any], db: AsyncSession, principal: Principal
) -> s.TicketOut:
    """Creates an open ticket; its ``id`` is the body's (a UUID) or a new one."""
    body = await read_body(request, s.TicketIn)
    public_id = uuid.uuid4()
    if body.id:
        try:
            public_id = uuid.UUID(body.id)
        except ValueError as exc:
            raise ValidationFailed.single("id", "Must be a UUID.") from exc
    await services.ticket_save(
        db,
        account=principal.account,
        actor=principal.user,
        public_id=public_id,
        data=ticket_data(body, device_name=_device(principal)),
        create_only=True,
        till=True,
    )
    return await _view(db, principal, public_id)


@put("/tickets/{ticket_id:str}", operation_id="tickets_put", summary="Create or update")
async def tickets_put(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    principal: Principal,
    ticket_id: str,
    v: int | None = Parameter(query="_v", default=None, required=False),
) -> Response[s.TicketOut]:
    """Creates the ticket with this id (201), or replaces an open one (200; a closed
    ticket is 403). A ``_v`` (body or query) that is not current fails with errorCode 6."""
    try:
        public_id = uuid.UUID(ticket_id)
    except ValueError as exc:
        raise ValidationFailed.single("id", "Must be a UUID.") from exc
    body = await read_body(request, s.TicketIn)
    _, created = await services.ticket_save(
        db,
        account=principal.account,
        actor=principal.user,
        public_id=public_id,
        data=ticket_data(body, device_name=_device(principal)),
        expected_version=body.v if body.v is not None else v,
        till=True,
    )
    out = await _view(db, principal, public_id)
    return PortosResponse(out, status_code=201 if created else 200)


@delete("/tickets/{ticket_id:str}", operation_id="tickets_delete", summary="Delete")
async def tickets_delete(db: AsyncSession, principal: Principal, ticket_id: str) -> None:
    """Deletes an open ticket; a closed (fiscal) ticket cannot be deleted (403)."""
    await services.ticket_delete(
        db, account=principal.account, actor=principal.user, ref=_ticket_id(ticket_id), till=True
    )


@post(
    "/tickets/{ticket_id:str}/close",
    operation_id="tickets_close",
    summary="Close ticket (fiscal)",
    status_code=200,
)
async def tickets_close(
    request: Request[Any, Any, Any], db: AsyncSession, principal: Principal, ticket_id: str
) -> s.TicketOut:
    """Records the fiscal printer's close info (body optional) and closes the ticket."""
    public_id = _ticket_id(ticket_id)
    body = await read_optional_body(request, s.TicketCloseIn)
    info = close_data(body)
    if info.device_name is None:
        info.device_name = _device(principal)
    await services.ticket_close(
        db,
        account=principal.account,
        actor=principal.user,
        ref=public_id,
        close_info=info,
        expected_version=body.v,
        till=True,
    )
    return await _view(db, principal, public_id)


HANDLERS = [tickets_list, tickets_get, tickets_create, tickets_put, tickets_delete, tickets_close]
