"""Listing an account's reference data, a page at a time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.pagination import Page, PageRequest, paginate_rows


async def lookup_list(
    session: AsyncSession,
    model: Any,
    *,
    account_id: int,
    page: PageRequest,
    where: tuple[Any, ...] = (),
    order_by: tuple[Any, ...] = (),
) -> Page[Any]:
    stmt = select(model).where(model.account_id == account_id, *where)
    stmt = stmt.order_by(*order_by, model.id)
    result = await paginate_rows(session, stmt, page)
    result.items = [row[0] for row in result.items]
    return result
