"""The plans behind pages that must not grow with the account: keyset cursors start from an
index range, "open tickets" walks the page's ordering index (SQLite's planner needs the
``likely`` hint for that; PostgreSQL gets plain SQL and its own statistics), and a search
for an identifier starts from the exact-key index."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import BACKEND
from ticketry.domain.tickets import queries
from ticketry.domain.tickets.filters import Binder, Sort, TicketFilter
from ticketry.domain.tickets.models import Ticket
from ticketry.readpath import prepare

sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's query planner")
NEWEST = queries._sort_keys([Sort("created_at", descending=True)])


def _ids(flt: TicketFilter, b: Binder) -> Any:
    """The part of a page the reader reads from the indexes: the page's ticket ids."""
    return queries._ids_select(1, flt, NEWEST, b).limit(b(26))


async def _plan(db: AsyncSession, stmt: Any, b: Binder) -> str:
    conn = await db.connection()
    prepared = prepare(stmt, conn.dialect)
    rows = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + prepared.sql, prepared.args(b.values))
    return " | ".join(str(row[-1]) for row in rows)


@sqlite_only
async def test_keyset_cursor_is_an_index_range(db: AsyncSession) -> None:
    at = datetime(2025, 6, 1, tzinfo=UTC)
    for smaller in (True, False):
        b = Binder()
        stmt = _ids(TicketFilter(), b).where(
            queries.keyset_beyond(
                Ticket.created_at, Ticket.id, b(at, Ticket.created_at.type), b(500), smaller=smaller
            )
        )
        plan = await _plan(db, stmt, b)
        assert "ix_tickets_account_created (account_id=? AND created_at" in plan, plan


@sqlite_only
async def test_open_tickets_page_walks_the_ordering_index(db: AsyncSession) -> None:
    b = Binder()
    plan = await _plan(db, _ids(TicketFilter(is_closed=False), b), b)
    assert "ix_tickets_account_created" in plan and "TEMP B-TREE" not in plan, plan


@sqlite_only
async def test_a_page_deep_in_the_account_reads_the_index_alone(db: AsyncSession) -> None:
    b = Binder()
    plan = await _plan(db, _ids(TicketFilter(), b).offset(b(50_000)), b)
    assert "COVERING INDEX ix_tickets_account_created" in plan, plan


@sqlite_only
async def test_an_identifier_search_starts_from_the_key_index(db: AsyncSession) -> None:
    b = Binder()
    plan = await _plan(db, _ids(TicketFilter(search_key="jan@example.com"), b), b)
    assert "ix_ticket_search_keys_lookup" in plan and "tickets_fts" not in plan, plan


async def test_the_hint_is_sqlite_only(db: AsyncSession) -> None:
    conn = await db.connection()
    sql = prepare(_ids(TicketFilter(is_closed=False), Binder()), conn.dialect).sql
    assert ("likely(" in sql) == (BACKEND == "sqlite")


@sqlite_only
async def test_a_broad_search_pages_along_the_ordering_index(db: AsyncSession) -> None:
    b = Binder()
    plan = await _plan(db, _ids(TicketFilter(search="novak", search_many=True), b), b)
    assert "ix_tickets_account_created" in plan and "TEMP B-TREE" not in plan, plan
