"""How many tickets an account has, per lifecycle status: kept by the ticket writes in their
own transaction, so a numbered page's total costs one indexed read instead of counting the
account (a COUNT(*) was 87 % of a list page at a million tickets, and grew with them).

Each account's count is spread over ``SHARDS`` rows per status (a ticket counts in the row
of its id modulo ``SHARDS``): concurrent writers on PostgreSQL then rarely wait for the
same row lock until their commit. A total is the sum of at most 5 × ``SHARDS`` rows.

Every write that adds, removes or moves a ticket between statuses goes through
``ticket_count_move`` (the ticket services); bulk loaders call ``ticket_counts_rebuild``.
A ticket is closed exactly when its status is ``closed`` (``services._mark_closed``), so
"closed or not" is a set of statuses too.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.base import table_of
from ticketry.domain.catalog.models import TICKET_STATUSES
from ticketry.domain.statements import built
from ticketry.domain.tickets.filters import Binder, TicketFilter
from ticketry.domain.tickets.models import Ticket, TicketCount
from ticketry.domain.upsert import insert_of
from ticketry.readpath import Read

SHARDS = 8


def statuses_of(flt: TicketFilter) -> list[str] | None:
    """The statuses a lifecycle-only filter (``filters.is_plain``) admits; None: all."""
    wanted: set[str] | None = set(flt.statuses) if flt.statuses is not None else None
    if flt.is_closed is True:
        wanted = (wanted if wanted is not None else set(TICKET_STATUSES)) & {"closed"}
    elif flt.is_closed is False:
        wanted = (wanted if wanted is not None else set(TICKET_STATUSES)) - {"closed"}
    return sorted(wanted) if wanted is not None else None


@lru_cache(maxsize=16)
def _count_statement(statuses: int | None) -> Any:
    """The sum of an account's counts (``p0``), of ``statuses`` statuses (``p1…``)."""
    b = Binder()
    table = TicketCount.__table__
    stmt = select(func.coalesce(func.sum(table.c.n), 0)).where(table.c.account_id == b(0))
    if statuses is not None:
        stmt = stmt.where(table.c.status.in_([b("") for _ in range(statuses)] or [None]))
    return stmt


def count_read(account_id: int, statuses: list[str] | None) -> Read:
    shape = None if statuses is None else len(statuses)
    params = {"p0": account_id, **{f"p{i + 1}": s for i, s in enumerate(statuses or [])}}
    return Read(
        key=("ticket_counts", shape), build=lambda _: _count_statement(shape), params=params
    )


async def ticket_count_move(
    session: AsyncSession,
    *,
    account_id: int,
    ticket_id: int,
    old: str | None,
    new: str | None,
) -> None:
    """Count a ticket out of status ``old`` and into ``new`` (None: created / deleted)."""
    if old == new:
        return
    shard = ticket_id % SHARDS
    stmt = built(session, _count_add)
    if old is not None:
        await session.execute(stmt, {"a": account_id, "s": old, "h": shard, "n": -1})
    if new is not None:
        await session.execute(stmt, {"a": account_id, "s": new, "h": shard, "n": 1})


def _count_add(dialect: str) -> Any:
    table = TicketCount.__table__
    stmt = insert_of(dialect, table).values(
        account_id=bindparam("a"), status=bindparam("s"), shard=bindparam("h"), n=bindparam("n")
    )
    return stmt.on_conflict_do_update(
        index_elements=[table.c.account_id, table.c.status, table.c.shard],
        set_={"n": table.c.n + stmt.excluded.n},
    )


async def ticket_counts_rebuild(session: AsyncSession, *, account_id: int) -> None:
    """Count the account's tickets again (after a bulk load). No commit."""
    table = table_of(TicketCount)
    await session.execute(delete(table).where(table.c.account_id == account_id))
    shard = (Ticket.id % SHARDS).label("shard")
    await session.execute(
        insert(table).from_select(
            ["account_id", "status", "shard", "n"],
            select(Ticket.account_id, Ticket.status, shard, func.count())
            .where(Ticket.account_id == account_id)
            .group_by(Ticket.account_id, Ticket.status, shard),
        )
    )
