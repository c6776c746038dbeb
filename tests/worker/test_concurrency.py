"""At-least-once across crashes, and at-most-once per attempt across workers."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections import Counter

import httpx
import pytest
from sqlalchemy import func, select

from tests.conftest import Tenant, make_tenant
from tests.factories import create_ticket
from tests.worker.helpers import deliveries_of, new_worker, subscribe
from tests.worker.receiver import Receiver
from ticketry.app import TicketryApp
from ticketry.domain.webhooks.models import SUCCEEDED, WebhookAttempt


@pytest.fixture
async def hclient(hook_app: TicketryApp):
    transport = httpx.ASGITransport(app=hook_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def htenant(hook_app: TicketryApp) -> Tenant:
    return await make_tenant(hook_app)


def _worker_process(database_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TICKETRY_DATABASE_URL": database_url,
        "TICKETRY_WEBHOOK_ALLOW_PRIVATE": "1",
        "TICKETRY_WEBHOOK_LEASE_SECONDS": "2",
        "TICKETRY_WEBHOOK_RETRY_BASE_SECONDS": "0",
        "TICKETRY_WORKER_POLL_SECONDS": "0.05",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "ticketry.cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _wait(check, limit: float = 20.0) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while loop.time() < deadline:
        if check():
            return True
        await asyncio.sleep(0.05)
    return check()


async def test_worker_killed_mid_delivery_delivers_after_restart(
    hook_app: TicketryApp,
    hclient: httpx.AsyncClient,
    htenant: Tenant,
    receiver: Receiver,
    database_url: str,
) -> None:
    receiver.hold = threading.Event()
    await subscribe(hclient, htenant, receiver.url)
    await create_ticket(hclient, htenant)
    first = _worker_process(database_url)
    try:
        assert await _wait(receiver.arrived.is_set), "the first worker never called"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(10)
    # the receiver finishes the held request (its answer goes nowhere) and processes it
    receiver.hold.set()
    second = _worker_process(database_url)
    try:
        assert await _wait(lambda: len(receiver.requests) >= 2), "no redelivery after restart"
        for _ in range(200):
            (delivery,) = await deliveries_of(hook_app, htenant.account_id)
            if delivery.status == SUCCEEDED:
                break
            await asyncio.sleep(0.05)
    finally:
        second.terminate()
        second.wait(15)
    assert delivery.status == SUCCEEDED
    assert delivery.attempts == 2  # the killed attempt and the one after the lease ran out
    ids = [r.event_id for r in receiver.requests]
    assert len(set(ids)) == 1 and len(ids) >= 2  # at least once …
    assert receiver.processed == ids[:1]  # … and the receiver dedupes by event id


async def test_two_workers_never_send_one_attempt_twice(
    hook_app: TicketryApp, hclient: httpx.AsyncClient, htenant: Tenant, receiver: Receiver
) -> None:
    await subscribe(hclient, htenant, receiver.url)
    tickets = [await create_ticket(hclient, htenant) for _ in range(8)]
    for t in tickets:
        for name in ("x", "y"):
            r = await hclient.patch(
                f"/api/v2/tickets/{t['id']}",
                json={"customer": {"name": name}},
                headers=htenant.headers,
            )
            assert r.status_code == 200
    expected = len(tickets) * 3
    workers = [new_worker(hook_app, worker_concurrency=4) for _ in range(2)]
    stop = asyncio.Event()

    async def watch() -> None:
        await _wait(lambda: len(receiver.processed) >= expected, limit=30)
        stop.set()

    try:
        await asyncio.gather(watch(), *(w.run(stop) for w in workers))
    finally:
        for w in workers:
            await w.close()
    assert len(receiver.processed) == expected
    counts = Counter(r.event_id for r in receiver.requests)
    assert set(counts.values()) == {1}, "an attempt was sent twice"
    deliveries = await deliveries_of(hook_app, htenant.account_id)
    assert len(deliveries) == expected
    assert all(d.status == SUCCEEDED and d.attempts == 1 for d in deliveries)
    assert hook_app.runtime is not None
    async with hook_app.runtime.sessionmaker() as session:
        attempts = await session.scalar(
            select(func.count())
            .select_from(WebhookAttempt)
            .where(WebhookAttempt.account_id == htenant.account_id)
        )
    assert attempts == expected
    # per ticket, events arrived in the order they happened
    order = {d.event_public_id.hex: d.event_id for d in deliveries}
    by_ticket: dict[str, list[int]] = {}
    for r in receiver.requests:
        by_ticket.setdefault(r.json["ticket"]["id"], []).append(order[r.event_id.replace("-", "")])
    assert all(seq == sorted(seq) for seq in by_ticket.values())
    assert sum(w.delivered for w in workers) == expected


async def test_server_runs_the_worker_in_process(app: TicketryApp, receiver: Receiver) -> None:
    from tests.worker.helpers import started_app

    served = await started_app(app)
    await served.shutdown()
    served.start_worker = True
    await served.startup()
    try:
        transport = httpx.ASGITransport(app=served)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            tenant = await make_tenant(served)
            hook = await subscribe(c, tenant, receiver.url)
            await create_ticket(c, tenant)
            assert await _wait(lambda: len(receiver.processed) >= 1)
            await c.delete(f"/api/v2/webhooks/{hook['id']}", headers=tenant.headers)
    finally:
        await served.shutdown()
    assert receiver.bodies()[0]["event_type"] == "ticket.created"
