"""Retino lookup lists: states, tags, types, users, custom fields, shipping, refund accounts.

All are paginated with the ticket list's envelope, as Retino's clients expect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request, get
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.api.common.auth import Principal
from ticketry.api.retino import schemas as s
from ticketry.api.retino.deps import page_request
from ticketry.api.retino.times import iso_ms, iso_ms_or_none
from ticketry.domain.accounts.models import User
from ticketry.domain.accounts.rights import TICKETS_VIEW
from ticketry.domain.catalog.models import (
    CustomField,
    RefundAccount,
    ShippingRoute,
    ShippingType,
    Tag,
    TicketState,
    TicketType,
)
from ticketry.domain.catalog.queries import lookup_list


async def _page(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    model: Any,
    to_out: Callable[[Any], Any],
    page: str | None,
    page_size: str | None,
    where: tuple[Any, ...] = (),
    order_by: tuple[Any, ...] = (),
) -> s.Paginated[Any]:
    principal.require(TICKETS_VIEW)
    result = await lookup_list(
        db,
        model,
        account_id=principal.account.id,
        page=page_request(request, page, page_size),
        where=where,
        order_by=order_by,
    )
    return s.Paginated(
        count=result.count,
        current_page=result.page,
        total_pages=result.total_pages,
        results=[to_out(row) for row in result.items],
    )


def _named(row: Any) -> s.LocalizedLookupOut:
    return s.LocalizedLookupOut(id=row.public_id, name=row.name)


def _field(row: CustomField) -> s.CustomFieldOut:
    return s.CustomFieldOut(
        id=row.public_id,
        key=row.key,
        type=row.type,
        position=row.position,
        name=row.name,
        options=[s.CustomFieldOptionOut(id=str(o["id"]), label=o["label"]) for o in row.options],
    )


@get("/states", operation_id="states_list", summary="List ticket states")
async def states_list(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    page: str | None = None,
    page_size: str | None = None,
) -> s.Paginated[s.LocalizedLookupOut]:
    return await _page(
        request,
        db,
        principal,
        TicketState,
        _named,
        page,
        page_size,
        order_by=(TicketState.position,),
    )


@get("/tags", operation_id="tags_list", summary="List tags")
async def tags_list(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    page: str | None = None,
    page_size: str | None = None,
) -> s.Paginated[s.TagOut]:
    return await _page(
        request,
        db,
        principal,
        Tag,
        lambda r: s.TagOut(id=r.public_id, fgcolor=r.fgcolor, bgcolor=r.bgcolor, name=r.name),
        page,
        page_size,
    )


@get("/types", operation_id="types_list", summary="List ticket types")
async def types_list(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    page: str | None = None,
    page_size: str | None = None,
) -> s.Paginated[s.LocalizedLookupOut]:
    return await _page(
        request, db, principal, TicketType, _named, page, page_size, order_by=(TicketType.position,)
    )


@get("/users", operation_id="users_list", summary="List users (agents)")
async def users_list(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    page: str | None = None,
    page_size: str | None = None,
) -> s.Paginated[s.UserOut]:
    return await _page(
        request,
        db,
        principal,
        User,
        lambda u: s.UserOut(
            id=u.public_id,
            role=u.role,
            email=u.email,
            full_name=u.full_name,
            phone_number=u.phone_number,
            last_activity_at=iso_ms_or_none(u.last_activity_at),
            date_joined=iso_ms(u.created_at),
        ),
        page,
        page_size,
        where=(User.is_active.is_(True),),
    )


@get("/custom-fields", operation_id="custom_fields_list", summary="List ticket custom fields")
async def custom_fields_list(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    page: str | None = None,
    page_size: str | None = None,
) -> s.Paginated[s.CustomFieldOut]:
    return await _page(
        request,
        db,
        principal,
        CustomField,
        _field,
        page,
        page_size,
        where=(CustomField.target == "ticket",),
        order_by=(CustomField.position,),
    )


@get(
    "/product-custom-fields",
    operation_id="product_custom_fields_list",
    summary="List product custom fields",
)
async def product_custom_fields_list(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    page: str | None = None,
    page_size: str | None = None,
) -> s.Paginated[s.CustomFieldOut]:
    return await _page(
        request,
        db,
        principal,
        CustomField,
        _field,
        page,
        page_size,
        where=(CustomField.target == "product",),
        order_by=(CustomField.position,),
    )


@get("/shipping-routes", operation_id="shipping_routes_list", summary="List shipping routes")
async def shipping_routes_list(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    page: str | None = None,
    page_size: str | None = None,
) -> s.Paginated[s.ShippingRouteOut]:
    type_ids = {
        row.id: row.public_id
        for row in (
            await db.execute(
                select(ShippingType.id, ShippingType.public_id).where(
                    ShippingType.account_id == principal.account.id
                )
            )
        )
    }
    return await _page(
        request,
        db,
        principal,
        ShippingRoute,
        lambda r: s.ShippingRouteOut(
            id=r.public_id,
            name=r.name,
            carrier=r.carrier,
            shipping_type=type_ids.get(r.shipping_type_id),
            direction=r.direction,
            countries=r.countries,
        ),
        page,
        page_size,
    )


@get("/shipping-types", operation_id="shipping_types_list", summary="List shipping types")
async def shipping_types_list(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    page: str | None = None,
    page_size: str | None = None,
) -> s.Paginated[s.ShippingTypeOut]:
    return await _page(
        request,
        db,
        principal,
        ShippingType,
        lambda r: s.ShippingTypeOut(id=r.public_id, code=r.code, name=r.name),
        page,
        page_size,
    )


@get("/refund-accounts", operation_id="refund_accounts_list", summary="List refund accounts")
async def refund_accounts_list(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    page: str | None = None,
    page_size: str | None = None,
) -> s.Paginated[s.RefundAccountOut]:
    return await _page(
        request,
        db,
        principal,
        RefundAccount,
        lambda r: s.RefundAccountOut(
            id=r.public_id,
            name=r.name,
            bank_account=r.bank_account,
            currency=r.currency,
            due_date=r.due_date,
        ),
        page,
        page_size,
    )


HANDLERS = [
    states_list,
    tags_list,
    types_list,
    users_list,
    custom_fields_list,
    product_custom_fields_list,
    shipping_routes_list,
    shipping_types_list,
    refund_accounts_list,
]
