"""Retino: products in a ticket."""

from __future__ import annotations

import uuid

from litestar import Request, delete, get, patch, post, put
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.api.common.auth import Principal
from ticketry.api.retino import schemas as s
from ticketry.api.retino.deps import read_body
from ticketry.api.retino.serializers import item_data, product_out
from ticketry.domain.accounts.rights import TICKETS_EDIT, TICKETS_VIEW
from ticketry.domain.tickets import items, queries

BASE = "/tickets/{ticket_id:uuid}/products"


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
    body = await read_body(request, s.ProductCreate)
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
    body: s.ProductPatch | s.ProductCreate = await read_body(
        request, s.ProductPatch if partial else s.ProductCreate, partial=partial
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
