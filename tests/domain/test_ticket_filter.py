"""The domain's ticket filter that the desk shares with the APIs."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Tenant
from tests.factories import create_ticket, lookup_ids
from ticketry.domain.catalog.models import TicketState
from ticketry.domain.pagination import PageRequest
from ticketry.domain.tickets.queries import TicketFilter, ticket_page


async def _ids(db: AsyncSession, tenant: Tenant, flt: TicketFilter) -> set[str]:
    page = await ticket_page(db, account_id=tenant.account_id, flt=flt, page=PageRequest(1, 50))
    return {str(t.public_id) for t in page.items}


async def test_state_unassigned_and_inclusive_days(
    client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession
) -> None:
    states = await lookup_ids(client, tenant, "states")
    users = await lookup_ids(client, tenant, "users")
    a = await create_ticket(client, tenant)
    b = await create_ticket(client, tenant, state=states[1], owner=users[0])
    both = {a["id"], b["id"]}
    assert await _ids(db, tenant, TicketFilter()) == both
    state_id = await db.scalar(
        select(TicketState.id).where(TicketState.public_id == uuid.UUID(states[1]))
    )
    assert await _ids(db, tenant, TicketFilter(state_id=state_id)) == {b["id"]}
    assert await _ids(db, tenant, TicketFilter(unassigned=True)) == {a["id"]}
    today = date.fromisoformat(a["created_at"][:10])
    assert await _ids(db, tenant, TicketFilter(created_from=today, created_to=today)) == both
    assert await _ids(db, tenant, TicketFilter(created_to=date(2000, 1, 1))) == set()
