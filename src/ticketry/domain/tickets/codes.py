"""Ticket codes: the year and a per-account sequence, e.g. 20250001."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.statements import built
from ticketry.domain.tickets.models import TicketCodeCounter
from ticketry.domain.types import utcnow
from ticketry.domain.upsert import insert_of


async def ticket_code_allocate(
    session: AsyncSession, *, account_id: int, count: int = 1
) -> list[str]:
    """Reserve ``count`` consecutive codes.

    One atomic ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` per call: concurrent
    transactions queue on the counter row, so no two tickets get the same code.
    """
    year = utcnow().year
    params = {"a": account_id, "y": year, "n": count}
    last = (await session.execute(built(session, _code_reserve), params)).scalar_one()
    return [f"{year}{n:04d}" for n in range(last - count + 1, last + 1)]


def _code_reserve(dialect: str) -> Any:
    table = TicketCodeCounter.__table__
    count = bindparam("n", type_=Integer)
    stmt = insert_of(dialect, table).values(
        account_id=bindparam("a"), year=bindparam("y"), last_value=count
    )
    return stmt.on_conflict_do_update(
        index_elements=[table.c.account_id, table.c.year],
        set_={"last_value": table.c.last_value + stmt.excluded.last_value},
    ).returning(table.c.last_value)


async def ticket_code_peek(session: AsyncSession, *, account_id: int) -> int:
    year = utcnow().year
    value = await session.scalar(
        select(TicketCodeCounter.last_value).where(
            TicketCodeCounter.account_id == account_id, TicketCodeCounter.year == year
        )
    )
    return int(value or 0)
