"""Pages without a total ("simple" pagination): fetch one row more than asked to know if
another page follows. No COUNT, so any page costs only its own rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


@dataclass
class Slice(Generic[T]):
    """An offset page without a total: ``has_more`` tells whether another follows."""

    items: list[T]
    offset: int
    limit: int
    has_more: bool


async def slice_rows(
    session: AsyncSession, stmt: Select[Any], *, offset: int, limit: int
) -> Slice[RowMapping]:
    result = await session.execute(stmt.limit(limit + 1).offset(offset))
    rows = list(result.mappings())
    return Slice(items=rows[:limit], offset=offset, limit=limit, has_more=len(rows) > limit)
