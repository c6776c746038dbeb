"""The PORTOS face against its own served OpenAPI document (tests/api/fuzz.py): positive
and negative cases, no 5xx, every answer documented with its body."""

from __future__ import annotations

import httpx

from tests.api.fuzz import fuzz_served_document
from tests.api.portos.helpers import BASE, create, sign_in
from ticketry.app import TicketryApp

# Signing out would leave every later case unauthenticated; sign-out has its own tests.
RIGHTS = ["TicketCreate", "TicketUpdate", "TicketUpdateAny", "TicketDelete", "TicketSetDiscount"]
SKIPPED = {("DELETE", f"{BASE}/auth")}


async def test_served_document(client: httpx.AsyncClient, app: TicketryApp) -> None:
    till = await sign_in(client, app, rights=RIGHTS)
    ticket = await create(client, till)
    run = await fuzz_served_document(
        client,
        f"{BASE}/schema",
        headers=till.headers,
        known={"ticket_id": ticket["id"]},
        examples=8,
        skipped=SKIPPED,
    )
    print(run.sent, run.succeeded)
    assert not run.failures, "\n".join(run.failures[:10])
    assert run.sent > 100
    assert len(run.succeeded) >= 5, run.succeeded
