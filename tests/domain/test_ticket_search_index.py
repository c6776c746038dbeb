"""Ticket search stays right as tickets change, on both databases; on SQLite it is answered
by the FTS5 trigram table (migration 0007), on PostgreSQL by the trigram index."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import BACKEND, Tenant
from tests.factories import add_product, create_ticket
from ticketry.domain.accounts.models import Account
from ticketry.domain.tickets.models import Ticket
from ticketry.domain.tickets.search_sql import ticket_text_contains
from ticketry.domain.tickets.services import ticket_delete


async def _found(client: httpx.AsyncClient, tenant: Tenant, query: str) -> set[str]:
    r = await client.get("/api/v2/tickets/search", params={"search": query}, headers=tenant.headers)
    assert r.status_code == 200, r.text
    return {row["id"] for row in r.json()["results"]}


async def test_search_follows_creates_updates_and_deletes(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, db: AsyncSession
) -> None:
    a = await create_ticket(
        client, tenant, customer={"name": "Vladimír Řezníček", "email": "v@example.com"}
    )
    b = await create_ticket(
        client, tenant, customer={"name": "Ida Oravcová", "email": "i@example.com"}
    )
    await create_ticket(
        client, other_tenant, customer={"name": "Vladimír Řezníček", "email": "v@example.com"}
    )

    assert await _found(client, tenant, "reznic") == {a["id"]}  # substring, accent-folded
    assert await _found(client, tenant, "VLADIMÍR řezníček") == {a["id"]}  # every term
    assert await _found(client, tenant, "ex") == {a["id"], b["id"]}  # short term: LIKE path
    assert await _found(client, tenant, 'ida "or') == set()  # quotes are plain text
    assert await _found(client, tenant, "100%") == set()

    r = await client.patch(
        f"/api/v2/tickets/{a['id']}",
        json={"customer": {"name": "Karel Zeman", "email": "k@example.com"}},
        headers=tenant.headers,
    )
    assert r.status_code == 200, r.text
    assert await _found(client, tenant, "reznic") == set()
    assert await _found(client, tenant, "zeman") == {a["id"]}

    await add_product(client, tenant, b["id"], name="Trekové boty Salomon", serial="SN-77731")
    assert await _found(client, tenant, "salomon sn-7773") == {b["id"]}

    account = await db.get(Account, tenant.account_id)
    assert account is not None
    await ticket_delete(db, account=account, actor=None, ref=uuid.UUID(a["id"]))
    await db.commit()
    assert await _found(client, tenant, "zeman") == set()


@pytest.mark.skipif(BACKEND != "sqlite", reason="the FTS5 table exists on SQLite only")
async def test_sqlite_search_reads_the_fts_index(db: AsyncSession) -> None:
    stmt = select(Ticket.id).where(*ticket_text_contains(["novak", "jan"]))
    sql = str(stmt.compile(bind=db.get_bind(), compile_kwargs={"literal_binds": True}))
    assert "tickets_fts MATCH" in sql
    plan = await db.execute(text("EXPLAIN QUERY PLAN " + sql))
    details = " ".join(str(row[-1]) for row in plan)
    assert "VIRTUAL TABLE INDEX" in details and "tickets_fts" in details
    # Short terms cannot use the trigram index and stay a LIKE.
    short = str(select(Ticket.id).where(*ticket_text_contains(["ov"])).compile(bind=db.get_bind()))
    assert "tickets_fts" not in short and "LIKE" in short
    # The terms go to the index as one query, which intersects them itself.
    assert sql.count("tickets_fts MATCH") == 1 and '\'"novak" "jan"\'' in sql
