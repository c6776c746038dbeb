"""A Next Commerce write (an OAuth app's token, no agent behind it) is in the ticket's one
history, naming the app: read here through Retino's ``history_items``, the face that shows
the trail (Next Commerce's own document has no history view)."""

from __future__ import annotations

import httpx

from tests.api.nextcommerce.helpers import NCClient


async def test_an_oauth_apps_writes_name_the_app(nc: NCClient, client: httpx.AsyncClient) -> None:
    r = await nc.post(
        "/tickets/",
        json={
            "subject": "Wrong size",
            "tags": ["sizing"],
            "comment": {"body": "Too small.", "from_email": "eva@example.com"},
        },
    )
    assert r.status_code == 201, r.text
    ticket_id = r.json()["id"]
    r = await nc.patch(f"/tickets/{ticket_id}/", json={"priority": "high", "tags": []})
    assert r.status_code == 200, r.text

    assert nc.tenant is not None
    listed = await client.get("/api/v2/tickets", headers=nc.tenant.headers)
    (ticket,) = listed.json()["results"]
    created, comment, updated = ticket["history_items"]
    app = created["history_item_data"]["author"]
    assert app["kind"] == "oauth_app" and app["name"].startswith("App ")
    assert created["history_item_type"] == "CREATED"
    assert comment["history_item_type"] == "CUSTOMER_REPLY"
    assert comment["history_item_data"]["author"]["name"] == "eva@example.com"
    assert comment["history_item_data"]["author"]["via"] == app
    assert updated["history_item_data"]["text"] == (
        f"{app['name']} changed the ticket: Tags: -sizing; Priority: medium → high"
    )
