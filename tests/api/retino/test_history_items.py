"""Retino tickets carry ``history_items`` in the shape a Retino client reads
(``[{id, history_item_type, history_item_data: {text, …}}]``, WIRE-NOTES), on the detail,
the list and the search, within the one statement that reads a page."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Tenant
from tests.factories import add_product, create_ticket, lookup_ids
from ticketry.api.retino.serializers import HISTORY_LIST
from ticketry.domain.tickets.models import HistoryItem, Ticket


def _shape(item: dict) -> None:
    assert set(item) == {"id", "history_item_type", "history_item_data"}
    uuid.UUID(item["id"])
    data = item["history_item_data"]
    assert isinstance(data["text"], str) and data["text"]
    assert {"text", "created_at", "user", "author", "changes"} <= set(data)


async def test_history_items_on_detail_list_and_search(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    t = await create_ticket(client, tenant)
    assert [i["history_item_type"] for i in t["history_items"]] == ["CREATED"]
    tags = await lookup_ids(client, tenant, "tags")
    r = await client.patch(
        f"/api/v2/tickets/{t['id']}",
        json={"tags": [tags[0]], "country": "SK"},
        headers=tenant.headers,
    )
    assert r.status_code == 200, r.text
    await add_product(client, tenant, t["id"], name="Kettle")
    r = await client.post(
        "/api/v2/internal-note",
        json={"ticket": t["id"], "text": "Checked the serial."},
        headers=tenant.headers,
    )
    assert r.status_code == 201, r.text
    r = await client.post(f"/api/v2/tickets/{t['id']}/close", headers=tenant.headers)
    assert r.status_code == 200, r.text

    detail = (await client.get(f"/api/v2/tickets/{t['id']}", headers=tenant.headers)).json()
    items = detail["history_items"]
    for item in items:
        _shape(item)
    assert [i["history_item_type"] for i in items] == [
        "CREATED",
        "UPDATED",
        "PRODUCT_ADDED",
        "INTERNAL_NOTE",
        "CLOSED",
    ]
    updated = items[1]["history_item_data"]
    assert updated["user"] == str(tenant.user_public_id)
    assert updated["author"]["kind"] == "user"
    assert "Country: CZ → SK" in updated["text"]
    assert "Tags: +VIP" in updated["text"]
    assert {"field": "country", "old": "CZ", "new": "SK"} in updated["changes"]
    assert "added a product Kettle" in items[2]["history_item_data"]["text"]
    assert items[3]["history_item_data"]["text"] == "Checked the serial."
    assert items[4]["history_item_data"]["text"].endswith("State: New → Closed")
    assert r.json()["history_items"] == items  # the close answers with the same ticket

    listed = (await client.get("/api/v2/tickets", headers=tenant.headers)).json()
    assert listed["results"][0]["history_items"] == items
    found = (
        await client.get("/api/v2/tickets/search?search=kettle", headers=tenant.headers)
    ).json()
    assert found["results"][0]["history_items"] == items


async def test_a_long_history_is_bounded_on_lists(
    client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession
) -> None:
    """A list page carries each ticket's latest ``HISTORY_LIST`` entries, oldest first;
    the detail carries more."""
    t = await create_ticket(client, tenant)
    ticket_id = await db.scalar(select(Ticket.id).where(Ticket.public_id == uuid.UUID(t["id"])))
    extra = HISTORY_LIST + 10
    await db.execute(
        insert(HistoryItem),
        [
            {
                "account_id": tenant.account_id,
                "ticket_id": ticket_id,
                "item_type": "UPDATED",
                "data": {"changes": [{"field": "subject", "old": str(n), "new": str(n + 1)}]},
            }
            for n in range(extra)
        ],
    )
    await db.commit()
    listed = (await client.get("/api/v2/tickets", headers=tenant.headers)).json()
    items = listed["results"][0]["history_items"]
    assert len(items) == HISTORY_LIST
    texts = [i["history_item_data"]["text"] for i in items]
    assert texts[-1].endswith(f"Subject: {extra - 1} → {extra}")  # the newest is last
    assert texts[0].endswith(f"Subject: {extra - HISTORY_LIST} → {extra - HISTORY_LIST + 1}")
    detail = (await client.get(f"/api/v2/tickets/{t['id']}", headers=tenant.headers)).json()
    assert len(detail["history_items"]) == extra + 1  # and the CREATED entry
    assert detail["history_items"][0]["history_item_type"] == "CREATED"
