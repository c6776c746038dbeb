"""The Paymenter face against its own served OpenAPI document (tests/api/fuzz.py):
positive and negative cases, no 5xx, every answer documented with its body."""

from __future__ import annotations

import httpx

from tests.api.fuzz import fuzz_served_document
from tests.api.paymenter.conftest import BASE, Shop, create_message, create_ticket


async def test_served_document(client: httpx.AsyncClient, shop: Shop) -> None:
    ticket = await create_ticket(client, shop)
    message = await create_message(client, shop, ticket["id"], shop.customer_id)
    run = await fuzz_served_document(
        client,
        f"{BASE}/schema",
        headers=shop.headers,
        known={"ticket": ticket["id"], "ticketMessage": message["id"]},
        examples=8,
    )
    print(run.sent, run.succeeded)
    assert not run.failures, "\n".join(run.failures[:10])
    assert run.sent > 100
    assert len(run.succeeded) >= 5, run.succeeded
