"""The plans behind pages that must not grow with the account: keyset cursors start from an
index range, and "open tickets" walks the page's ordering index (SQLite's planner needs the
``likely`` hint for that; PostgreSQL gets plain SQL and its own statistics)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import BACKEND
from ticketry.domain.pagination import keyset_beyond
from ticketry.domain.tickets.filters import Binder, TicketFilter, where_clauses
from ticketry.domain.tickets.models import Ticket


def _open_tickets() -> object:
    b = Binder()
    return select(Ticket.id).where(
        Ticket.account_id == 1, *where_clauses(TicketFilter(is_closed=False), b)
    )


sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's query planner")


async def _plan(db: AsyncSession, stmt: object) -> str:
    sql = str(stmt.compile(bind=db.get_bind(), compile_kwargs={"literal_binds": True}))  # type: ignore[attr-defined]
    rows = await db.execute(text("EXPLAIN QUERY PLAN " + sql))
    return " | ".join(str(row[-1]) for row in rows)


@sqlite_only
async def test_keyset_cursor_is_an_index_range(db: AsyncSession) -> None:
    at = datetime(2025, 6, 1, tzinfo=UTC)
    for smaller in (True, False):
        stmt = (
            select(Ticket.id)
            .where(Ticket.account_id == 1)
            .where(keyset_beyond(Ticket.created_at, Ticket.id, at, 500, smaller=smaller))
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .limit(26)
        )
        plan = await _plan(db, stmt)
        assert "ix_tickets_account_created (account_id=? AND created_at" in plan, plan


@sqlite_only
async def test_open_tickets_page_walks_the_ordering_index(db: AsyncSession) -> None:
    stmt = _open_tickets().order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(26)  # type: ignore[attr-defined]
    plan = await _plan(db, stmt)
    assert "ix_tickets_account_created" in plan and "TEMP B-TREE" not in plan, plan


async def test_the_hint_is_sqlite_only(db: AsyncSession) -> None:
    sql = str(_open_tickets().compile(bind=db.get_bind()))  # type: ignore[attr-defined]
    assert ("likely(" in sql) == (BACKEND == "sqlite")
