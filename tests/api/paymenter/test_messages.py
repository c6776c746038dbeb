"""Paymenter admin ticket messages over HTTP, and the ticket status they drive."""

from __future__ import annotations

import httpx

from tests.api.paymenter.conftest import (
    BASE,
    Shop,
    add_customer,
    create_message,
    create_ticket,
    make_shop,
)
from ticketry.app import TicketryApp


async def _status(client: httpx.AsyncClient, shop: Shop, ticket_id: str) -> str:
    r = await client.get(f"{BASE}/tickets/{ticket_id}", headers=shop.headers)
    return r.json()["data"]["attributes"]["status"]


async def test_create_show_list_delete(client: httpx.AsyncClient, shop: Shop) -> None:
    ticket = await create_ticket(client, shop)
    r = await client.post(
        f"{BASE}/ticket-messages",
        json={"ticket_id": int(ticket["id"]), "user_id": shop.staff_id, "message": "On it."},
        headers=shop.headers,
    )
    assert r.status_code == 201, r.text
    assert r.headers["content-type"].startswith("application/vnd.api+json")
    data = r.json()["data"]
    assert data["type"] == "ticketMessages" and data["id"] == str(data["attributes"]["id"])
    assert set(data["attributes"]) == {"id", "message", "user_id", "created_at", "updated_at"}
    assert data["attributes"]["message"] == "On it."
    assert data["attributes"]["user_id"] == shop.staff_id  # the author, as the seed shows

    url = f"{BASE}/ticket-messages/{data['id']}"
    r = await client.get(url, headers=shop.headers)
    assert r.status_code == 200 and r.json()["data"] == data
    r = await client.get(f"{BASE}/ticket-messages", headers=shop.headers)
    assert [m["id"] for m in r.json()["data"]] == [data["id"]]
    assert r.json()["meta"]["per_page"] == 15

    r = await client.delete(url, headers=shop.headers)
    assert r.status_code == 204
    r = await client.get(url, headers=shop.headers)
    assert r.status_code == 404
    assert r.json() == {
        "message": f"No query results for model [App\\Models\\TicketMessage] {data['id']}"
    }
    r = await client.get(f"{BASE}/tickets/{ticket['id']}", headers=shop.headers)
    assert r.status_code == 200  # the ticket stays


async def test_messages_drive_the_status(client: httpx.AsyncClient, shop: Shop) -> None:
    ticket = await create_ticket(client, shop)
    assert await _status(client, shop, ticket["id"]) == "open"
    await create_message(client, shop, ticket["id"], shop.customer_id)
    assert await _status(client, shop, ticket["id"]) == "open"
    await create_message(client, shop, ticket["id"], shop.staff_id)
    assert await _status(client, shop, ticket["id"]) == "replied"
    await create_message(client, shop, ticket["id"], shop.staff_id)
    assert await _status(client, shop, ticket["id"]) == "replied"
    await create_message(client, shop, ticket["id"], shop.customer_id)
    assert await _status(client, shop, ticket["id"]) == "open"
    r = await client.put(
        f"{BASE}/tickets/{ticket['id']}", json={"status": "closed"}, headers=shop.headers
    )
    assert r.json()["data"]["attributes"]["status"] == "closed"
    await create_message(client, shop, ticket["id"], shop.customer_id)
    assert await _status(client, shop, ticket["id"]) == "open"


async def test_validation(app: TicketryApp, client: httpx.AsyncClient, shop: Shop) -> None:
    r = await client.post(f"{BASE}/ticket-messages", json={}, headers=shop.headers)
    assert r.status_code == 422
    assert r.json() == {
        "message": "The message field is required. (and 2 more errors)",
        "errors": {
            "message": ["The message field is required."],
            "user_id": ["The user id field is required."],
            "ticket_id": ["The ticket id field is required."],
        },
    }
    other = await make_shop(app)
    theirs = await create_ticket(client, other)
    r = await client.post(
        f"{BASE}/ticket-messages",
        json={"ticket_id": int(theirs["id"]), "user_id": other.customer_id, "message": "x" * 5001},
        headers=shop.headers,
    )
    assert r.json()["errors"] == {
        "message": ["The message field must not be greater than 5000 characters."],
        "user_id": ["The selected user id is invalid."],
        "ticket_id": ["The selected ticket id is invalid."],
    }


async def test_filters_sorts_includes(
    app: TicketryApp, client: httpx.AsyncClient, shop: Shop
) -> None:
    t1 = await create_ticket(client, shop)
    t2 = await create_ticket(client, shop)
    m1 = await create_message(client, shop, t1["id"], shop.customer_id, "one")
    m2 = await create_message(client, shop, t2["id"], shop.staff_id, "two")
    m3 = await create_message(client, shop, t1["id"], shop.staff_id, "three")

    async def ids(query: str) -> list[str]:
        r = await client.get(f"{BASE}/ticket-messages?{query}", headers=shop.headers)
        assert r.status_code == 200, r.text
        return [m["id"] for m in r.json()["data"]]

    assert await ids(f"filter[id]={m2['id']}") == [m2["id"]]
    assert await ids(f"filter[ticket_id]={t1['id']}") == [m1["id"], m3["id"]]
    assert await ids("sort=-id") == [m3["id"], m2["id"], m1["id"]]
    r = await client.get(f"{BASE}/ticket-messages?filter[user_id]=1", headers=shop.headers)
    assert r.status_code == 400
    assert r.json()["message"] == (
        "Requested filter(s) `user_id` are not allowed. Allowed filter(s) are `id, ticket_id`."
    )

    r = await client.get(
        f"{BASE}/ticket-messages/{m2['id']}?include=user,ticket,attachments", headers=shop.headers
    )
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["data"]["relationships"] == {
        "user": {"data": {"type": "users", "id": str(shop.staff_id)}},
        "ticket": {"data": {"type": "tickets", "id": t2["id"]}},
        "attachments": {"data": []},
    }
    kinds = [(i["type"], i["id"]) for i in doc["included"]]
    assert kinds == [("users", str(shop.staff_id)), ("tickets", t2["id"])]
    r = await client.get(f"{BASE}/ticket-messages?include=messages", headers=shop.headers)
    assert r.status_code == 400
    assert r.json()["message"] == (
        "Requested include(s) `messages` are not allowed. Allowed include(s) are "
        "`user, userCount, userExists, ticket, ticketCount, ticketExists, "
        "attachments, attachmentsCount, attachmentsExists`."
    )


async def test_a_third_persons_message_counts_as_the_customers(
    app: TicketryApp, client: httpx.AsyncClient, shop: Shop
) -> None:
    colleague = await add_customer(app, shop, "colleague@example.com", "Col League")
    ticket = await create_ticket(client, shop)
    await create_message(client, shop, ticket["id"], shop.staff_id)
    msg = await create_message(client, shop, ticket["id"], colleague)
    assert await _status(client, shop, ticket["id"]) == "open"
    r = await client.get(f"{BASE}/ticket-messages/{msg['id']}?include=user", headers=shop.headers)
    assert r.json()["data"]["relationships"]["user"]["data"]["id"] == str(colleague)


async def test_update_route_is_not_there(client: httpx.AsyncClient, shop: Shop) -> None:
    ticket = await create_ticket(client, shop)
    msg = await create_message(client, shop, ticket["id"], shop.customer_id)
    r = await client.put(
        f"{BASE}/ticket-messages/{msg['id']}", json={"message": "x"}, headers=shop.headers
    )
    assert r.status_code == 405
    assert r.json() == {
        "message": f"The PUT method is not supported for route api/v1/admin/ticket-messages/"
        f"{msg['id']}. Supported methods: GET, HEAD, DELETE."
    }


async def test_a_seed_client_reads_a_conversation_without_include(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    ticket = await create_ticket(client, shop, assigned_to=shop.staff_id)
    await create_message(client, shop, ticket["id"], shop.customer_id, "It is broken.")
    await create_message(client, shop, ticket["id"], shop.staff_id, "On it.")
    r = await client.get(f"{BASE}/tickets/{ticket['id']}", headers=shop.headers)
    people = r.json()["data"]["relationships"]
    assert people == {
        "user": {"data": {"type": "users", "id": str(shop.customer_id)}},
        "assigned_to": {"data": {"type": "users", "id": str(shop.staff_id)}},
    }
    r = await client.get(
        f"{BASE}/ticket-messages?filter[ticket_id]={ticket['id']}", headers=shop.headers
    )
    said = [(str(m["attributes"]["user_id"]), m["attributes"]["message"]) for m in r.json()["data"]]
    assert said == [
        (people["user"]["data"]["id"], "It is broken."),
        (people["assigned_to"]["data"]["id"], "On it."),
    ]
