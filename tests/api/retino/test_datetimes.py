"""Every Retino date-time, in responses and in webhook payloads, reads
``YYYY-MM-DDTHH:MM:SS.mmmZ`` as the seed shows (``"order_date": "2020-09-09T00:00:00.000Z"``),
also when it has no fraction of a second."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy import select

from tests.api.retino.test_orders import SEED_ORDER, bare, make_store, upsert
from tests.conftest import Tenant
from tests.factories import add_product, create_ticket
from ticketry.app import TicketryApp
from ticketry.domain.events.models import Event
from ticketry.registries import webhook_flavours

RETINO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
LOOKS_LIKE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT")
TIME_KEYS = {"order_date", "date", "date_joined"}


def times_in(value: Any, path: str = "") -> dict[str, Any]:
    """Every date-time-like value in a document, by its path (non-null ``*_at`` and the
    known date-time keys, and any string that starts like one)."""
    found: dict[str, Any] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}"
            if item is not None and (key.endswith("_at") or key in TIME_KEYS):
                if not isinstance(item, (dict, list)):
                    found[here] = item
                    continue
            found.update(times_in(item, here))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found.update(times_in(item, f"{path}[{n}]"))
    elif isinstance(value, str) and LOOKS_LIKE_TIME.match(value):
        found[path] = value
    return found


def assert_retino_times(document: Any, *must: str) -> None:
    found = times_in(document)
    bad = {k: v for k, v in found.items() if not (isinstance(v, str) and RETINO_TIME.match(v))}
    assert bad == {}
    for suffix in must:
        assert any(k.endswith(suffix) for k in found), (suffix, sorted(found))


async def test_ticket_and_lookup_times(client: httpx.AsyncClient, tenant: Tenant) -> None:
    t = await create_ticket(client, tenant, order_date="2025-01-15T00:00:00Z")
    assert t["order_date"] == "2025-01-15T00:00:00.000Z"  # the seed's own example
    await add_product(client, tenant, t["id"])
    r = await client.post(f"/api/v2/tickets/{t['id']}/close", headers=tenant.headers)
    assert r.status_code in (200, 204), r.text
    detail = (await client.get(f"/api/v2/tickets/{t['id']}", headers=tenant.headers)).json()
    assert_retino_times(detail, ".order_date", ".created_at", ".updated_at", ".closed_at")
    page = (await client.get("/api/v2/tickets", headers=tenant.headers)).json()
    assert_retino_times(page, "].created_at")
    users = (await client.get("/api/v2/users", headers=tenant.headers)).json()
    assert_retino_times(users, ".date_joined")


async def test_order_and_store_times(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await make_store(client, tenant)
    body = {**SEED_ORDER, "statuses": [{"name": "NEW", "date": "2025-10-23T10:00:00Z"}]}
    order = await upsert(client, tenant, body)
    assert order["order_date"] == "2025-10-23T14:00:00.000Z"
    assert_retino_times(order, ".order_date", ".created_at", ".updated_at")
    stores = (await client.get("/api/v2/store-ids", headers=bare(tenant))).json()
    assert_retino_times(stores, ".created_at")


async def test_webhook_payload_times(
    client: httpx.AsyncClient, app: TicketryApp, tenant: Tenant
) -> None:
    await make_store(client, tenant)
    await upsert(client, tenant, SEED_ORDER)
    t = await create_ticket(client, tenant, order_date="2025-01-15T00:00:00Z")
    await add_product(client, tenant, t["id"])
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        events = list(
            await session.scalars(select(Event).where(Event.account_id == tenant.account_id))
        )
        flavour = webhook_flavours()["retino"]
        built = await flavour.build(session, events)
    payloads = [b.payload for b in built.values()]
    assert {p["event_type"].split(".")[0] for p in payloads} >= {"ticket", "order"}
    for payload in payloads:
        assert_retino_times(payload, ".created_at")
    test = flavour.test_payload("e", "2026-01-02T03:04:05Z").payload
    assert test["created_at"] == "2026-01-02T03:04:05.000Z"
