"""Numbered pages (count + offset) for faces that promise a total."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.errors import NotFound

T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    page_size: int = 20


@dataclass
class Page(Generic[T]):
    items: list[T]
    count: int
    page: int
    page_size: int

    @property
    def total_pages(self) -> int:
        return max(1, math.ceil(self.count / self.page_size)) if self.page_size else 1


async def paginate_rows(
    session: AsyncSession,
    stmt: Select[Any],
    request: PageRequest,
    count_stmt: Select[Any] | None = None,
) -> Page[Any]:
    """Count, then fetch one page. A page past the end is a 404, as in DRF.

    ``count_stmt`` is a cheaper count of the same rows (e.g. without the page's joins):
    counting through the joins costs a row lookup per row, ~40x a covering-index count.
    """
    if count_stmt is None:
        count_stmt = select(func.count()).select_from(stmt.order_by(None).subquery())
    # A select of plain columns runs on the connection, skipping the ORM's result layer;
    # a select of mapped entities needs the session to build them.
    orm = any(
        isinstance(d.get("entity"), type) and d.get("expr") is d.get("entity")
        for d in stmt.column_descriptions
    )
    conn = await session.connection()
    count = int(await conn.scalar(count_stmt) or 0)
    total_pages = max(1, math.ceil(count / request.page_size))
    if request.page > total_pages:
        raise NotFound("Invalid page.")
    offset = (request.page - 1) * request.page_size
    page_stmt = stmt.limit(request.page_size).offset(offset)
    rows = (await (session.execute(page_stmt) if orm else conn.execute(page_stmt))).all()
    return Page(items=list(rows), count=count, page=request.page, page_size=request.page_size)


def keyset_beyond(
    column: Any, id_column: Any, value: Any, ident: Any, *, smaller: bool
) -> ColumnElement[bool]:
    """Rows past the cursor ``(value, ident)`` in ``(column, id)`` order: smaller ones when
    ``smaller`` (a descending walk), larger ones otherwise.

    The plain ``column < value OR (column = value AND id < ident)`` is right but no index
    range: SQLite then walks the index from the start up to the cursor, so a page's cost grew
    with its depth (~110 ms in the middle of a million tickets, ~210 ms at the end). The
    redundant ``column <= value`` gives both databases the range to start from."""
    if smaller:
        return and_(column <= value, or_(column < value, and_(column == value, id_column < ident)))
    return and_(column >= value, or_(column > value, and_(column == value, id_column > ident)))


def ordering_parse(raw: str | None, *, fields: tuple[str, ...], default: str) -> list[str]:
    """``ordering=-created_at,updated_at`` (DRF's form) over ``fields``.

    Terms that name no field are dropped, and ``default`` is used when none is left, as
    DRF's ``OrderingFilter`` does (``remove_invalid_fields``): an unknown field is not an
    error there, so a client written against it sends them."""
    keys = [k.strip() for k in (raw or "").split(",")]
    valid = [k for k in keys if k.lstrip("-") in fields and k.count("-") <= 1]
    return valid or [default]


def ordering_clauses(model: Any, keys: list[str]) -> list[Any]:
    """ORDER BY for ``keys`` with the row id last, so pages stay stable while rows are
    written. NULLS LAST only on nullable columns: on PostgreSQL it would not match the
    (account_id, column, id) indexes, and every page would sort the whole account."""
    clauses: list[Any] = []
    for key in keys:
        column = getattr(model, key.lstrip("-"))
        clause = column.desc() if key.startswith("-") else column.asc()
        clauses.append(clause.nulls_last() if column.nullable else clause)
    last_desc = keys[-1].startswith("-") if keys else True
    clauses.append(model.id.desc() if last_desc else model.id.asc())
    return clauses
