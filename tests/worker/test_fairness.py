"""A failing endpoint delays only itself: with retries of one subscription due all the
time, another subscription's deliveries keep flowing (once they were starved: due
deliveries were taken strictly by id)."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import make_tenant
from tests.factories import create_ticket
from tests.worker.helpers import deliveries_of, new_worker, subscribe
from tests.worker.receiver import Receiver, run_receiver
from ticketry.app import TicketryApp
from ticketry.domain.webhooks.models import OPEN_STATES, WebhookSubscription


async def _until(check, limit: float = 30.0) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while loop.time() < deadline:
        if check():
            return True
        await asyncio.sleep(0.02)
    return check()


@pytest.mark.parametrize("same_account", [False, True], ids=["two accounts", "one account"])
async def test_a_failing_endpoint_does_not_hold_up_a_healthy_one(
    hook_app: TicketryApp, receiver: Receiver, same_account: bool
) -> None:
    transport = httpx.ASGITransport(app=hook_app)
    with run_receiver() as failing:
        failing.default_status = 500
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            bad = await make_tenant(hook_app)
            good = bad if same_account else await make_tenant(hook_app)
            hook = await subscribe(client, bad, failing.url, events=["ticket.created"])
            # Older than anything the healthy endpoint gets, and retried at once forever.
            for _ in range(12):
                await create_ticket(client, bad)
            worker = new_worker(
                hook_app,
                worker_concurrency=4,
                webhook_subscription_concurrency=2,
                webhook_disable_after_failures=1_000_000,
            )
            stop = asyncio.Event()
            running = asyncio.create_task(worker.run(stop))
            try:
                assert await _until(lambda: len(failing.requests) >= 12)
                await subscribe(client, good, receiver.url, events=["ticket.created"])
                tried_before = len(failing.requests)
                for _ in range(10):
                    await create_ticket(client, good)
                assert await _until(lambda: len(receiver.processed) >= 10), (
                    f"{len(receiver.processed)} of 10 healthy deliveries arrived"
                )
                tried_meanwhile = len(failing.requests) - tried_before
            finally:
                stop.set()
                await running
                await worker.close()
    assert len(receiver.processed) == 10
    # The failing deliveries were due all along and were being retried meanwhile.
    assert tried_meanwhile > 0
    assert hook_app.runtime is not None
    async with hook_app.runtime.sessionmaker() as session:
        sub_id = await session.scalar(
            select(WebhookSubscription.id).where(
                WebhookSubscription.public_id == uuid.UUID(hook["id"])
            )
        )
    failing_ones = [
        d for d in await deliveries_of(hook_app, bad.account_id) if d.subscription_id == sub_id
    ]
    # (In one account the failing endpoint is subscribed to the healthy one's tickets too.)
    assert len(failing_ones) == (22 if same_account else 12)
    assert all(d.status in OPEN_STATES for d in failing_ones)
    assert all(d.attempts >= 1 for d in failing_ones[:12])
