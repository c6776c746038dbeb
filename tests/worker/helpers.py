"""Shared pieces of the webhook tests: an app and a worker that may call loopback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
from sqlalchemy import select

from tests.conftest import Tenant
from ticketry.app import TicketryApp, create_app
from ticketry.assembly import runtime_build, runtime_close
from ticketry.domain.webhooks.models import WebhookDelivery
from ticketry.settings import Settings
from ticketry.worker.runner import Worker

FAST = {
    "webhook_allow_private": True,
    "webhook_retry_base_seconds": 0.0,
    "webhook_timeout_seconds": 5.0,
    "worker_poll_seconds": 0.05,
}


def fast_settings(app: TicketryApp, **overrides: Any) -> Settings:
    return replace(app.settings, **{**FAST, **overrides})


async def started_app(app: TicketryApp, **overrides: Any) -> TicketryApp:
    other = create_app(fast_settings(app, **overrides))
    await other.startup()
    return other


class OwnWorker(Worker):
    """A worker with a runtime of its own (as a ``ticketry worker`` process has), released
    when it closes."""

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            await runtime_close(self.runtime)


def new_worker(app: TicketryApp, **overrides: Any) -> Worker:
    return OwnWorker(runtime_build(fast_settings(app, **overrides)))


async def drive(worker: Worker, until: Callable[[], bool], limit: float = 15.0) -> bool:
    """Run worker rounds until ``until()`` holds (bounded; never a timing assertion)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if until():
            return True
        busy = await worker.run_once()
        if not busy:
            await asyncio.sleep(0.02)
    return until()


async def subscribe(
    client: httpx.AsyncClient,
    tenant: Tenant,
    url: str,
    events: list[str] | None = None,
    secret: str = "s3cret",
) -> dict[str, Any]:
    r = await client.post(
        "/api/v2/webhooks",
        json={
            "url": url,
            "events": events or ["ticket.created", "ticket.updated"],
            "secret": secret,
        },
        headers=tenant.headers,
    )
    assert r.status_code == 201, r.text
    return r.json()


async def deliveries_of(app: TicketryApp, account_id: int) -> list[WebhookDelivery]:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        rows = await session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.account_id == account_id)
            .order_by(WebhookDelivery.id)
        )
        return list(rows)
