"""Fan-out reads only what is new, yet an event that becomes visible after a later one
(ids are handed out before commit) is still delivered, and none is fanned out twice."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import BACKEND, make_tenant
from tests.factories import create_ticket
from tests.worker.helpers import deliveries_of, drive, new_worker, subscribe
from tests.worker.receiver import Receiver
from ticketry.app import TicketryApp
from ticketry.domain.events.services import event_record
from ticketry.domain.tickets.models import Ticket
from ticketry.worker.fanout import GRACE, Gap, Horizon


def test_horizon_remembers_the_ids_it_stepped_over() -> None:
    horizon = Horizon(seen=10)
    horizon.looked_at(16, [11, 13, 16], [], now=100.0)
    assert horizon.seen == 16
    assert [(g.lo, g.hi) for g in horizon.gaps] == [(12, 12), (14, 15)]
    horizon.looked_at(18, [17, 18], [14], now=101.0)  # 14 turned up
    assert [(g.lo, g.hi, g.since) for g in horizon.gaps] == [(12, 12, 100.0), (15, 15, 100.0)]
    # Gaps older than GRACE are given up (no transaction stays open that long).
    horizon.looked_at(18, [], [], now=100.0 + GRACE.total_seconds() + 1)
    assert horizon.gaps == []
    # Everything up to 16 was settled GRACE after it had been looked at.
    assert horizon.settled(100.0 + GRACE.total_seconds()) == 16


def test_horizon_merges_gaps_beyond_its_limit() -> None:
    horizon = Horizon(seen=0, gaps=[Gap(i * 10, i * 10 + 1, float(i)) for i in range(300)])
    horizon.looked_at(0, [], [], now=10.0)
    assert len(horizon.gaps) == 256
    assert (horizon.gaps[0].lo, horizon.gaps[0].hi, horizon.gaps[0].since) == (0, 441, 44.0)


@pytest.mark.skipif(
    BACKEND != "postgres", reason="SQLite has one writer: ids become visible in order"
)
async def test_an_event_committed_after_a_later_one_is_delivered_once(
    hook_app: TicketryApp, receiver: Receiver
) -> None:
    tenant = await make_tenant(hook_app)
    transport = httpx.ASGITransport(app=hook_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        await subscribe(client, tenant, receiver.url, events=["ticket.updated"])
        first = await create_ticket(client, tenant)
        second = await create_ticket(client, tenant)
    assert hook_app.runtime is not None
    sessions = hook_app.runtime.sessionmaker
    async with sessions() as session:
        ids = dict(
            (
                await session.execute(
                    select(Ticket.public_id, Ticket.id).where(
                        Ticket.public_id.in_([uuid.UUID(first["id"]), uuid.UUID(second["id"])])
                    )
                )
            ).all()
        )
    worker = new_worker(hook_app)
    try:
        await worker.run_once()  # the horizon now stands above both tickets' events

        def updated(session, public_id: str):  # type: ignore[no-untyped-def]
            ticket_id = ids[uuid.UUID(public_id)]
            return event_record(
                session,
                account_id=tenant.account_id,
                event_type="ticket.updated",
                entity_type="ticket",
                entity_id=ticket_id,
                ticket_id=ticket_id,
            )

        async with sessions() as slow, sessions() as fast:
            early = updated(slow, first["id"])
            await slow.flush()  # its id is taken, but nobody sees it yet
            late = updated(fast, second["id"])
            await fast.commit()
            assert early.id < late.id
            assert await drive(worker, lambda: len(receiver.processed) >= 1)
            await slow.commit()
        assert await drive(worker, lambda: len(receiver.processed) >= 2)
        for _ in range(3):
            await worker.run_once()
    finally:
        await worker.close()
    assert sorted(r.json["ticket"]["id"] for r in receiver.requests) == sorted(
        [first["id"], second["id"]]
    )
    deliveries = await deliveries_of(hook_app, tenant.account_id)
    assert sorted(d.event_id for d in deliveries) == sorted([early.id, late.id])
