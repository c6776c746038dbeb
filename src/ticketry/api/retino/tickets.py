"""Retino tickets: list, search, detail, create, PUT/PATCH, close."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, patch, post, put
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.api.common.auth import Principal
from ticketry.api.common.decoding import decode_struct, decoded_rest, parse_json
from ticketry.api.common.drf_wire import drf_wire_message
from ticketry.api.retino import schemas as s
from ticketry.api.retino.deps import (
    page_request,
    parse_bool_param,
    parse_datetime_param,
    raise_param_errors,
)
from ticketry.api.retino.products import add_product_problems
from ticketry.api.retino.serializers import DETAIL, LIST, rename_fields, ticket_data, ticket_out
from ticketry.domain.accounts.rights import TICKETS_EDIT, TICKETS_VIEW
from ticketry.domain.errors import ErrorCollector, ValidationFailed
from ticketry.domain.pagination import Page
from ticketry.domain.tickets import queries, services
from ticketry.domain.tickets.checks import ticket_data_check
from ticketry.domain.tickets.queries import TicketFilter, TicketRecord


async def _add_domain_problems(
    db: AsyncSession, account_id: int, raw: Any, exc: ValidationFailed
) -> None:
    """A body that does not decode (a field missing, of the wrong type) is still checked by
    the domain in its other fields, and each of its products in theirs, so the one 400
    names every bad field at once."""
    partial = decoded_rest(raw, exc.errors, s.TicketPatch)
    if partial is None:
        return
    problems = ErrorCollector()
    await ticket_data_check(db, account_id, ticket_data(partial), problems)
    for field, errors in rename_fields(problems.errors).items():
        exc.errors.setdefault(field, errors)
    products = raw.get("products")
    if not isinstance(products, list):
        return
    listed = exc.errors.get("products") or [{} for _ in products]
    if not all(isinstance(e, dict) for e in listed):
        return  # a message about the list itself
    for item, item_errors in zip(products, listed, strict=True):
        await add_product_problems(db, account_id, item, item_errors, creating=True)
    if any(listed):
        exc.errors["products"] = listed


def _products_listed(exc: ValidationFailed, count: int) -> None:
    """The domain keys a product's errors by its index; DRF lists one dict per product
    sent, empty for the good ones."""
    found = exc.errors.get("products")
    if isinstance(found, dict):
        exc.errors["products"] = [found.get(str(i), {}) for i in range(count)]


def _paginated(page: Page[TicketRecord]) -> s.Paginated[s.TicketOut]:
    return s.Paginated(
        count=page.count,
        current_page=page.page,
        total_pages=page.total_pages,
        results=[ticket_out(v) for v in page.items],
    )


@get("/tickets", operation_id="tickets_list", summary="List tickets")
async def tickets_list(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    created_at_from: str | None = None,
    updated_at_from: str | None = None,
    closed_at_from: str | None = None,
    is_closed: str | None = None,
    ordering: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> s.Paginated[s.TicketOut]:
    """Ordering: ``created_at``, ``updated_at``, ``closed_at``, ``-`` for descending,
    comma-separated; default ``-created_at``; unknown fields are ignored, as DRF does."""
    principal.require(TICKETS_VIEW)
    errors: dict[str, Any] = {}
    flt = TicketFilter(
        created_at_from=parse_datetime_param(errors, "created_at_from", created_at_from),
        updated_at_from=parse_datetime_param(errors, "updated_at_from", updated_at_from),
        closed_at_from=parse_datetime_param(errors, "closed_at_from", closed_at_from),
        is_closed=parse_bool_param(errors, "is_closed", is_closed),
    )
    try:
        flt.ordering = queries.parse_ordering(ordering)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    raise_param_errors(errors)
    result = await queries.ticket_page(
        db,
        account_id=principal.account.id,
        flt=flt,
        page=page_request(request, page, page_size),
        projection=LIST,
    )
    return _paginated(result)


@get("/tickets/search", operation_id="tickets_search", summary="Search tickets")
async def tickets_search(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    search: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> s.Paginated[s.TicketOut]:
    """Matches every word of ``search`` (accents and case ignored) against the customer's
    name, e-mail and phone, the ticket code, the order id, the products' names, product
    ids, EANs and serial numbers, and shipping tracking numbers."""
    principal.require(TICKETS_VIEW)
    flt = TicketFilter(search=search or "")
    result = await queries.ticket_page(
        db,
        account_id=principal.account.id,
        flt=flt,
        page=page_request(request, page, page_size),
        projection=LIST,
    )
    return _paginated(result)


@post("/tickets", operation_id="tickets_create", summary="Create a ticket", status_code=201)
async def tickets_create(request: Request, db: AsyncSession, principal: Principal) -> s.TicketOut:
    principal.require(TICKETS_EDIT)
    raw = parse_json(await request.body(), request.headers.get("content-type"))
    try:
        body = decode_struct(raw, s.TicketCreate, word=drf_wire_message)
    except ValidationFailed as exc:
        await _add_domain_problems(db, principal.account.id, raw, exc)
        raise
    data = ticket_data(body)
    data.channel = "api"
    try:
        ticket = await services.ticket_create(
            db, account=principal.account, actor=principal.user, data=data
        )
    except ValidationFailed as exc:
        _products_listed(exc, len(body.products or ()))
        raise
    view = await queries.ticket_get(
        db, account_id=principal.account.id, ref=ticket.id, projection=DETAIL
    )
    return ticket_out(view)


@get("/tickets/{ticket_id:uuid}", operation_id="tickets_retrieve", summary="Ticket detail")
async def tickets_retrieve(
    db: AsyncSession, principal: Principal, ticket_id: uuid.UUID
) -> s.TicketOut:
    principal.require(TICKETS_VIEW)
    view = await queries.ticket_get(
        db, account_id=principal.account.id, ref=ticket_id, projection=DETAIL
    )
    return ticket_out(view)


async def _update(
    request: Request, db: AsyncSession, principal: Principal, ticket_id: uuid.UUID, partial: bool
) -> s.TicketOut:
    principal.require(TICKETS_EDIT)
    await queries.ticket_id_for(db, account_id=principal.account.id, ref=ticket_id)
    raw = parse_json(await request.body(), request.headers.get("content-type"))
    try:
        cls: type[s.TicketPatch | s.TicketPut] = s.TicketPatch if partial else s.TicketPut
        body = decode_struct(raw, cls, partial=partial, word=drf_wire_message)
    except ValidationFailed as exc:
        await _add_domain_problems(db, principal.account.id, raw, exc)
        raise
    await services.ticket_update(
        db,
        account=principal.account,
        actor=principal.user,
        ref=ticket_id,
        data=ticket_data(body),
        replace_custom_fields=not partial,
    )
    view = await queries.ticket_get(
        db, account_id=principal.account.id, ref=ticket_id, projection=DETAIL
    )
    return ticket_out(view)


@put("/tickets/{ticket_id:uuid}", operation_id="tickets_update", summary="Update a ticket")
async def tickets_update(
    request: Request, db: AsyncSession, principal: Principal, ticket_id: uuid.UUID
) -> s.TicketOut:
    return await _update(request, db, principal, ticket_id, partial=False)


@patch(
    "/tickets/{ticket_id:uuid}",
    operation_id="tickets_partial_update",
    summary="Partially update a ticket",
)
async def tickets_partial_update(
    request: Request, db: AsyncSession, principal: Principal, ticket_id: uuid.UUID
) -> s.TicketOut:
    return await _update(request, db, principal, ticket_id, partial=True)


@post(
    "/tickets/{ticket_id:uuid}/close",
    operation_id="tickets_close",
    summary="Close a ticket",
    status_code=200,
)
async def tickets_close(
    db: AsyncSession, principal: Principal, ticket_id: uuid.UUID
) -> s.TicketOut:
    """Sets ``closed_at`` and the account's closed state. Closing a closed ticket changes
    nothing (``closed_at`` keeps its first value), emits no event and answers 200."""
    principal.require(TICKETS_EDIT)
    await services.ticket_close(db, account=principal.account, actor=principal.user, ref=ticket_id)
    view = await queries.ticket_get(
        db, account_id=principal.account.id, ref=ticket_id, projection=DETAIL
    )
    return ticket_out(view)


HANDLERS = [
    tickets_list,
    tickets_search,
    tickets_create,
    tickets_retrieve,
    tickets_update,
    tickets_partial_update,
    tickets_close,
]
