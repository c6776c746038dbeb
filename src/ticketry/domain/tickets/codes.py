"""Ticket codes: the year and a per-account sequence, e.g. 20250001."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.tickets.models import TicketCodeCounter
from ticketry.domain.types import utcnow
from ticketry.domain.upsert import insert_for


async def ticket_code_allocate(
    session: AsyncSession, *, account_id: int, count: int = 1
) -> list[str]:
    """Reserve ``count`` consecutive codes.

    One atomic ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` per call: concurrent
    transactions queue on the counter row, so no two tickets get the same code.
    """
    year = utcnow().year
    table = TicketCodeCounter.__table__
    stmt = insert_for(session, table).values(account_id=account_id, year=year, last_value=count)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.account_id, table.c.year],
        set_={"last_value": table.c.last_value + count},
    ).returning(table.c.last_value)
    last = (await session.execute(stmt)).scalar_one()
    return [f"{year}{n:04d}" for n in range(last - count + 1, last + 1)]


async def ticket_code_peek(session: AsyncSession, *, account_id: int) -> int:
    year = utcnow().year
    value = await session.scalar(
        select(TicketCodeCounter.last_value).where(
            TicketCodeCounter.account_id == account_id, TicketCodeCounter.year == year
        )
    )
    return int(value or 0)
