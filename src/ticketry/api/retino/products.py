"""Retino: products in a ticket."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, delete, get, patch, post, put
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.api.common.auth import Principal
from ticketry.api.common.decoding import decode_struct, decoded_rest, parse_json
from ticketry.api.common.drf_wire import drf_wire_message
from ticketry.api.retino import schemas as s
from ticketry.api.retino.serializers import item_data, product_out
from ticketry.domain.accounts.rights import TICKETS_EDIT, TICKETS_VIEW
from ticketry.domain.errors import FieldErrors, ValidationFailed
from ticketry.domain.tickets import items, queries

BASE = "/tickets/{ticket_id:uuid}/products"


async def add_product_problems(
    db: AsyncSession, account_id: int, raw: Any, errors: FieldErrors, *, creating: bool
) -> None:
    """The domain's rules checked on the fields of product ``raw`` that decoded, their
    problems added to ``errors`` (its wire-type errors): one 400 names every bad field of a
    product at once, as for a ticket (``tickets._add_domain_problems``)."""
    partial = decoded_rest(raw, errors, s.ProductPatch)
    if partial is None:
        return
    problems = await items.item_check(db, account_id, item_data(partial), creating=creating)
    for field, field_errors in problems.items():
        errors.setdefault(field, field_errors)


async def _read_product(
    request: Request,
    db: AsyncSession,
    account_id: int,
    cls: type[s.ProductCreate | s.ProductPatch],
    *,
    partial: bool,
    creating: bool,
) -> s.ProductCreate | s.ProductPatch:
    raw = parse_json(await request.body(), request.headers.get("content-type"))
    try:
        return decode_struct(raw, cls, partial=partial, word=drf_wire_message)
    except ValidationFailed as exc:
        await add_product_problems(db, account_id, raw, exc.errors, creating=creating)
        raise


@get(BASE, operation_id="ticket_products_list", summary="List products in a ticket")
async def products_list(
    db: AsyncSession, principal: Principal, ticket_id: uuid.UUID
) -> list[s.ProductOut]:
    principal.require(TICKETS_VIEW)
    rows = await queries.ticket_items_list(
        db, account_id=principal.account.id, ticket_ref=ticket_id
    )
    return [product_out(r) for r in rows]


@post(BASE, operation_id="ticket_products_create", summary="Add a product", status_code=201)
async def products_create(
    request: Request, db: AsyncSession, principal: Principal, ticket_id: uuid.UUID
) -> s.ProductOut:
    principal.require(TICKETS_EDIT)
    await queries.ticket_id_for(db, account_id=principal.account.id, ref=ticket_id)
    body = await _read_product(
        request, db, principal.account.id, s.ProductCreate, partial=False, creating=True
    )
    row = await items.ticket_item_add(
        db,
        account=principal.account,
        actor=principal.user,
        ticket_ref=ticket_id,
        data=item_data(body),
    )
    view = await queries.ticket_item_view(
        db, account_id=principal.account.id, ticket_ref=ticket_id, ref=row.id
    )
    return product_out(view)


@get(BASE + "/{product_id:uuid}", operation_id="ticket_products_retrieve", summary="Product detail")
async def products_retrieve(
    db: AsyncSession, principal: Principal, ticket_id: uuid.UUID, product_id: uuid.UUID
) -> s.ProductOut:
    principal.require(TICKETS_VIEW)
    view = await queries.ticket_item_view(
        db, account_id=principal.account.id, ticket_ref=ticket_id, ref=product_id
    )
    return product_out(view)


async def _update(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    ticket_id: uuid.UUID,
    product_id: uuid.UUID,
    partial: bool,
) -> s.ProductOut:
    principal.require(TICKETS_EDIT)
    await queries.ticket_item_view(
        db, account_id=principal.account.id, ticket_ref=ticket_id, ref=product_id
    )
    cls = s.ProductPatch if partial else s.ProductCreate
    body = await _read_product(
        request, db, principal.account.id, cls, partial=partial, creating=False
    )
    await items.ticket_item_update(
        db,
        account=principal.account,
        actor=principal.user,
        ticket_ref=ticket_id,
        ref=product_id,
        data=item_data(body),
    )
    view = await queries.ticket_item_view(
        db, account_id=principal.account.id, ticket_ref=ticket_id, ref=product_id
    )
    return product_out(view)


@put(BASE + "/{product_id:uuid}", operation_id="ticket_products_update", summary="Update a product")
async def products_update(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    ticket_id: uuid.UUID,
    product_id: uuid.UUID,
) -> s.ProductOut:
    return await _update(request, db, principal, ticket_id, product_id, partial=False)


@patch(
    BASE + "/{product_id:uuid}",
    operation_id="ticket_products_partial_update",
    summary="Partially update a product",
)
async def products_partial_update(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    ticket_id: uuid.UUID,
    product_id: uuid.UUID,
) -> s.ProductOut:
    return await _update(request, db, principal, ticket_id, product_id, partial=True)


@delete(
    BASE + "/{product_id:uuid}",
    operation_id="ticket_products_destroy",
    summary="Remove a product",
    status_code=204,
)
async def products_destroy(
    db: AsyncSession, principal: Principal, ticket_id: uuid.UUID, product_id: uuid.UUID
) -> None:
    principal.require(TICKETS_EDIT)
    await items.ticket_item_remove(
        db, account=principal.account, actor=principal.user, ticket_ref=ticket_id, ref=product_id
    )


HANDLERS = [
    products_list,
    products_create,
    products_retrieve,
    products_update,
    products_partial_update,
    products_destroy,
]
