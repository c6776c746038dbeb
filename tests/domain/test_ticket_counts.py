"""The per-account counts (``tickets/counts.py``) stay equal to counting the tickets, through
creates, state changes, closes, reopenings and deletes on every face, and a rebuild agrees."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.api.paymenter.conftest import BASE as PAYMENTER
from tests.api.paymenter.conftest import create_ticket as paymenter_ticket
from tests.api.paymenter.conftest import make_shop
from tests.factories import create_ticket, lookup_ids
from ticketry.app import TicketryApp
from ticketry.domain.tickets.counts import ticket_counts_rebuild
from ticketry.domain.tickets.models import Ticket, TicketCount


async def _kept(db: AsyncSession, account_id: int) -> dict[str, int]:
    rows = await db.execute(
        select(TicketCount.status, func.sum(TicketCount.n))
        .where(TicketCount.account_id == account_id)
        .group_by(TicketCount.status)
    )
    return {status: int(n) for status, n in rows if n}


async def _counted(db: AsyncSession, account_id: int) -> dict[str, int]:
    rows = await db.execute(
        select(Ticket.status, func.count())
        .where(Ticket.account_id == account_id)
        .group_by(Ticket.status)
    )
    return {status: int(n) for status, n in rows}


async def test_counts_follow_every_write(
    app: TicketryApp, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    shop = await make_shop(app)
    tenant = shop.tenant
    states = await lookup_ids(client, tenant, "states")
    made = [await create_ticket(client, tenant) for _ in range(4)]
    await create_ticket(client, tenant, state=states[-1])
    await client.post(f"/api/v2/tickets/{made[0]['id']}/close", headers=tenant.headers)
    await client.post(f"/api/v2/tickets/{made[0]['id']}/close", headers=tenant.headers)
    await client.patch(
        f"/api/v2/tickets/{made[1]['id']}", json={"state": states[1]}, headers=tenant.headers
    )
    await client.patch(
        f"/api/v2/tickets/{made[0]['id']}", json={"state": states[0]}, headers=tenant.headers
    )
    p = await paymenter_ticket(client, shop)
    q = await paymenter_ticket(client, shop)
    r = await client.put(
        f"{PAYMENTER}/tickets/{p['id']}", json={"status": "closed"}, headers=shop.headers
    )
    assert r.status_code == 200, r.text
    r = await client.delete(f"{PAYMENTER}/tickets/{q['id']}", headers=shop.headers)
    assert r.status_code == 204, r.text
    await db.rollback()
    counted = await _counted(db, tenant.account_id)
    assert sum(counted.values()) == 6
    assert await _kept(db, tenant.account_id) == counted
    r = await client.get("/api/v2/tickets?is_closed=true", headers=tenant.headers)
    assert r.json()["count"] == counted.get("closed", 0)
    r = await client.get("/api/v2/tickets?is_closed=false", headers=tenant.headers)
    assert r.json()["count"] == 6 - counted.get("closed", 0)
    await ticket_counts_rebuild(db, account_id=tenant.account_id)
    await db.commit()
    assert await _kept(db, tenant.account_id) == counted
