from __future__ import annotations

import httpx

from tests.api.portos.helpers import BASE, create, sign_in
from ticketry.app import TicketryApp


async def test_create_and_get(client: httpx.AsyncClient, app: TicketryApp) -> None:
    till = await sign_in(client, app, role="admin")
    t = await create(client, till)
    print(t)
    r = await client.get(f"{BASE}/tickets/{t['id']}", headers=till.headers)
    assert r.status_code == 200, r.text
    r = await client.get(f"{BASE}/tickets?Name=eq:Table 5&$sort=-OpenDate", headers=till.headers)
    assert r.status_code == 200, r.text
    assert len(r.json()["items"]) == 1
