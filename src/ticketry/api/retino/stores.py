"""Retino store ids: the e-shops of an account, half of every order's natural key."""

from __future__ import annotations

from litestar import Request, get, post
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.api.common.auth import Principal
from ticketry.api.retino import order_schemas as o
from ticketry.api.retino import schemas as s
from ticketry.api.retino.deps import page_request, read_body
from ticketry.api.retino.times import iso_ms
from ticketry.domain.accounts.rights import ORDERS_VIEW, SETTINGS_MANAGE
from ticketry.domain.orders import queries, services


def store_out(row: RowMapping) -> o.StoreOut:
    return o.StoreOut(
        id=row["public_id"],
        store_id=row["code"],
        name=row["name"],
        created_at=iso_ms(row["created_at"]),
    )


@get("/store-ids", operation_id="store_ids_list", summary="List store ids")
async def store_ids_list(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    page: str | None = None,
    page_size: str | None = None,
) -> s.Paginated[o.StoreOut]:
    principal.require(ORDERS_VIEW)
    result = await queries.store_list(
        db, account_id=principal.account.id, page=page_request(request, page, page_size)
    )
    return s.Paginated(
        count=result.count,
        current_page=result.page,
        total_pages=result.total_pages,
        results=[store_out(r) for r in result.items],
    )


@post("/store-ids", operation_id="store_ids_create", summary="Create a store id", status_code=201)
async def store_ids_create(request: Request, db: AsyncSession, principal: Principal) -> o.StoreOut:
    """An account setting (admin tokens): ``{"store_id": "main-shop", "name": "…"}``. An
    existing store id → 400."""
    principal.require(SETTINGS_MANAGE)
    body = await read_body(request, o.StoreCreate)
    store = await services.store_create(
        db, account=principal.account, code=body.store_id, name=body.name or ""
    )
    return o.StoreOut(
        id=store.public_id,
        store_id=store.code,
        name=store.name,
        created_at=iso_ms(store.created_at),
    )


HANDLERS = [store_ids_list, store_ids_create]
