"""Paymenter admin tickets over HTTP: CRUD, filters, sorts, includes, pages, validation."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select, update

from tests.api.paymenter.conftest import (
    BASE,
    Shop,
    add_customer,
    create_message,
    create_ticket,
    make_shop,
)
from ticketry.app import TicketryApp
from ticketry.domain.tickets.models import Ticket

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


async def test_create_ticket_as_in_the_seed(client: httpx.AsyncClient, shop: Shop) -> None:
    r = await client.post(
        f"{BASE}/tickets",
        json={
            "subject": "Billing question",
            "user_id": shop.customer_id,
            "status": "open",
            "priority": "medium",
            "department": "Sales",
        },
        headers=shop.headers,
    )
    assert r.status_code == 201, r.text
    assert r.headers["content-type"].startswith("application/vnd.api+json")
    doc = r.json()
    assert set(doc) == {"data"}
    data = doc["data"]
    assert data["type"] == "tickets" and data["id"] == str(data["attributes"]["id"])
    # As the seed shows: the people's identifiers, without ``include``.
    assert data["relationships"] == {
        "user": {"data": {"type": "users", "id": str(shop.customer_id)}},
        "assigned_to": {"data": None},
    }
    assert "included" not in doc
    attrs = data["attributes"]
    assert {k: attrs[k] for k in ("subject", "status", "priority", "department", "user_id")} == {
        "subject": "Billing question",
        "status": "open",
        "priority": "medium",
        "department": "Sales",
        "user_id": shop.customer_id,
    }
    assert attrs["assigned_to"] is None
    assert TIMESTAMP.match(attrs["created_at"]) and TIMESTAMP.match(attrs["updated_at"])


async def test_create_defaults_and_assignment(client: httpx.AsyncClient, shop: Shop) -> None:
    data = await create_ticket(client, shop, assigned_to=shop.staff_id)
    attrs = data["attributes"]
    assert (attrs["status"], attrs["priority"], attrs["department"]) == ("open", "medium", None)
    assert attrs["assigned_to"] == shop.staff_id


async def test_retrieve_update_delete(client: httpx.AsyncClient, shop: Shop) -> None:
    ticket = await create_ticket(client, shop)
    url = f"{BASE}/tickets/{ticket['id']}"
    r = await client.get(url, headers=shop.headers)
    assert r.status_code == 200 and r.json()["data"] == ticket

    r = await client.put(url, json={"status": "closed", "priority": "low"}, headers=shop.headers)
    assert r.status_code == 200, r.text
    attrs = r.json()["data"]["attributes"]
    assert (attrs["status"], attrs["priority"], attrs["subject"]) == (
        "closed",
        "low",
        ticket["attributes"]["subject"],
    )
    r = await client.patch(
        url, json={"subject": "Renamed", "assigned_to": shop.staff_id}, headers=shop.headers
    )
    assert r.status_code == 200
    assert r.json()["data"]["attributes"]["subject"] == "Renamed"
    assert r.json()["data"]["attributes"]["assigned_to"] == shop.staff_id
    r = await client.patch(url, json={"assigned_to": None}, headers=shop.headers)
    assert r.json()["data"]["attributes"]["assigned_to"] is None

    message = await create_message(client, shop, ticket["id"], shop.customer_id)
    r = await client.delete(url, headers=shop.headers)
    assert r.status_code == 204 and r.content == b""
    r = await client.get(url, headers=shop.headers)
    assert r.status_code == 404
    assert r.json() == {
        "message": f"No query results for model [App\\Models\\Ticket] {ticket['id']}"
    }
    r = await client.get(f"{BASE}/ticket-messages/{message['id']}", headers=shop.headers)
    assert r.status_code == 404


async def test_not_found_shapes(client: httpx.AsyncClient, shop: Shop) -> None:
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        r = await client.request(method, f"{BASE}/tickets/987654321", headers=shop.headers)
        assert r.status_code == 404
        assert r.json() == {"message": "No query results for model [App\\Models\\Ticket] 987654321"}
    r = await client.get(f"{BASE}/tickets/abc", headers=shop.headers)
    assert r.json() == {"message": "No query results for model [App\\Models\\Ticket] abc"}
    r = await client.get(f"{BASE}/nothing-here", headers=shop.headers)
    assert r.status_code == 404
    assert r.json() == {"message": "The route api/v1/admin/nothing-here could not be found."}


async def test_another_accounts_ticket_is_not_found(
    app: TicketryApp, client: httpx.AsyncClient, shop: Shop
) -> None:
    other = await make_shop(app)
    theirs = await create_ticket(client, other)
    url = f"{BASE}/tickets/{theirs['id']}"
    for method in ("GET", "PUT", "DELETE"):
        r = await client.request(method, url, json={"subject": "x"}, headers=shop.headers)
        assert r.status_code == 404, method
    r = await client.get(f"{BASE}/tickets", headers=shop.headers)
    assert theirs["id"] not in [t["id"] for t in r.json()["data"]]
    r = await client.post(
        f"{BASE}/tickets", json={"subject": "x", "user_id": other.customer_id}, headers=shop.headers
    )
    assert r.status_code == 422 and r.json()["errors"] == {
        "user_id": ["The selected user id is invalid."]
    }
    r = await client.get(url, headers=other.headers)
    assert r.status_code == 200


async def test_validation_as_laravel(client: httpx.AsyncClient, shop: Shop) -> None:
    r = await client.post(f"{BASE}/tickets", json={}, headers=shop.headers)
    assert r.status_code == 422
    assert r.json() == {
        "message": "The subject field is required. (and 1 more error)",
        "errors": {
            "subject": ["The subject field is required."],
            "user_id": ["The user id field is required."],
        },
    }
    r = await client.post(
        f"{BASE}/tickets",
        json={
            "subject": "x" * 256,
            "user_id": 999999999,
            "status": "pending",
            "priority": "urgent",
            "department": "Billing",
            "assigned_to": shop.customer_id,
        },
        headers=shop.headers,
    )
    assert r.status_code == 422
    assert r.json()["errors"] == {
        "subject": ["The subject field must not be greater than 255 characters."],
        "user_id": ["The selected user id is invalid."],
        "department": ["The selected department is invalid."],
        "priority": ["The selected priority is invalid."],
        "status": ["The selected status is invalid."],
        "assigned_to": ["The selected assigned to is invalid."],
    }
    assert r.json()["message"].endswith("(and 5 more errors)")
    r = await client.post(
        f"{BASE}/tickets", json={"subject": 5, "user_id": shop.customer_id}, headers=shop.headers
    )
    assert r.json()["errors"] == {"subject": ["The subject field must be a string."]}
    r = await client.post(f"{BASE}/tickets", content=b"{not json", headers=shop.headers)
    assert r.status_code == 422 and "subject" in r.json()["errors"]
    ticket = await create_ticket(client, shop)
    r = await client.patch(
        f"{BASE}/tickets/{ticket['id']}", json={"subject": "", "status": "x"}, headers=shop.headers
    )
    assert r.status_code == 422
    assert r.json() == {
        "message": "The subject field is required. (and 1 more error)",
        "errors": {
            "subject": ["The subject field is required."],
            "status": ["The selected status is invalid."],
        },
    }


async def test_departments_come_from_the_account(
    app: TicketryApp, client: httpx.AsyncClient
) -> None:
    shop = await make_shop(app, departments=["technical", "billing"])
    data = await create_ticket(client, shop, department="billing")
    assert data["attributes"]["department"] == "billing"
    r = await client.post(
        f"{BASE}/tickets",
        json={"subject": "x", "user_id": shop.customer_id, "department": "Support"},
        headers=shop.headers,
    )
    assert r.json()["errors"] == {"department": ["The selected department is invalid."]}


async def test_filters(app: TicketryApp, client: httpx.AsyncClient, shop: Shop) -> None:
    other_customer = await add_customer(app, shop, "jane@example.com", "Jane Roe")
    a = await create_ticket(client, shop, priority="high", department="Support")
    b = await create_ticket(client, shop, priority="low", status="closed", department="Sales")
    c = await create_ticket(client, shop, user_id=other_customer, status="replied")

    async def ids(query: str) -> list[str]:
        r = await client.get(f"{BASE}/tickets?{query}", headers=shop.headers)
        assert r.status_code == 200, r.text
        return [t["id"] for t in r.json()["data"]]

    assert await ids(f"filter[id]={a['id']}") == [a["id"]]
    assert await ids(f"filter[id]={a['id']},{c['id']}") == [a["id"], c["id"]]
    assert await ids(f"filter[id]={a['id'][:-1] or '0'}9999") == []  # exact, never partial
    assert await ids(f"filter[user_id]={other_customer}") == [c["id"]]
    assert await ids("filter[status]=open") == [a["id"]]
    assert await ids("filter[status]=replied,closed") == [b["id"], c["id"]]
    assert await ids("filter[priority]=high") == [a["id"]]
    assert await ids("filter[department]=sup") == [a["id"]]  # contains, any case
    assert await ids("filter[department]=Sales,Support") == [a["id"], b["id"]]
    assert await ids("filter[status]=") == [a["id"], b["id"], c["id"]]  # empty: no filter

    r = await client.get(f"{BASE}/tickets?filter[subject]=x&filter[foo]=1", headers=shop.headers)
    assert r.status_code == 400
    assert r.json() == {
        "message": "Requested filter(s) `subject, foo` are not allowed. "
        "Allowed filter(s) are `id, user_id, status, priority, department`."
    }


async def test_sort(client: httpx.AsyncClient, shop: Shop) -> None:
    a = await create_ticket(client, shop, priority="high", status="closed")
    b = await create_ticket(client, shop, priority="low", status="open")
    c = await create_ticket(client, shop, priority="medium", status="replied")

    async def ids(query: str) -> list[str]:
        r = await client.get(f"{BASE}/tickets?{query}", headers=shop.headers)
        assert r.status_code == 200, r.text
        return [t["id"] for t in r.json()["data"]]

    assert await ids("") == [a["id"], b["id"], c["id"]]
    assert await ids("sort=-id") == [c["id"], b["id"], a["id"]]
    assert await ids("sort=priority") == [b["id"], c["id"], a["id"]]
    assert await ids("sort=status") == [b["id"], c["id"], a["id"]]
    assert await ids("sort=-created_at") == [c["id"], b["id"], a["id"]]
    r = await client.get(f"{BASE}/tickets?sort=subject", headers=shop.headers)
    assert r.status_code == 400
    assert r.json() == {
        "message": "Requested sort(s) `subject` is not allowed. Allowed sort(s) are "
        "`id, created_at, updated_at, status, priority, department`."
    }


async def test_simple_pagination(client: httpx.AsyncClient, shop: Shop) -> None:
    for _ in range(5):
        await create_ticket(client, shop)
    r = await client.get(f"{BASE}/tickets?per_page=2&filter[status]=open", headers=shop.headers)
    doc = r.json()
    assert len(doc["data"]) == 2
    path = "http://testserver/api/v1/admin/tickets"
    assert doc["meta"] == {"current_page": 1, "from": 1, "path": path, "per_page": 2, "to": 2}
    assert set(doc["links"]) == {"first", "next"}
    assert doc["links"]["next"] == f"{path}?per_page=2&filter%5Bstatus%5D=open&page=2"
    r = await client.get(doc["links"]["next"], headers=shop.headers)
    r = await client.get(r.json()["links"]["next"], headers=shop.headers)
    doc = r.json()
    assert len(doc["data"]) == 1 and set(doc["links"]) == {"first", "prev"}
    assert (doc["meta"]["from"], doc["meta"]["to"], doc["meta"]["current_page"]) == (5, 5, 3)
    r = await client.get(f"{BASE}/tickets?page=9&per_page=2", headers=shop.headers)
    assert r.json()["data"] == [] and r.json()["meta"]["from"] is None
    r = await client.get(f"{BASE}/tickets?per_page=1000&page=x", headers=shop.headers)
    assert r.json()["meta"]["per_page"] == 100 and r.json()["meta"]["current_page"] == 1
    r = await client.get(f"{BASE}/tickets", headers=shop.headers)
    assert r.json()["meta"]["per_page"] == 15


async def test_includes(client: httpx.AsyncClient, shop: Shop) -> None:
    ticket = await create_ticket(client, shop, assigned_to=shop.staff_id)
    first = await create_message(client, shop, ticket["id"], shop.customer_id, "It shows an error.")
    second = await create_message(client, shop, ticket["id"], shop.staff_id, "Password reset.")
    r = await client.get(
        f"{BASE}/tickets/{ticket['id']}?include=messages,user,assigned_to", headers=shop.headers
    )
    assert r.status_code == 200, r.text
    doc = r.json()
    rel = doc["data"]["relationships"]
    assert rel == {
        "messages": {
            "data": [
                {"type": "ticketMessages", "id": first["id"]},
                {"type": "ticketMessages", "id": second["id"]},
            ]
        },
        "user": {"data": {"type": "users", "id": str(shop.customer_id)}},
        "assigned_to": {"data": {"type": "users", "id": str(shop.staff_id)}},
    }
    included = {(i["type"], i["id"]): i for i in doc["included"]}
    assert len(included) == len(doc["included"]) == 4
    john = included[("users", str(shop.customer_id))]["attributes"]
    assert (john["first_name"], john["last_name"], john["email"]) == (
        "John",
        "Doe",
        "john.doe@example.com",
    )
    assert john["email_verified_at"] is None
    sarah = included[("users", str(shop.staff_id))]["attributes"]
    assert (sarah["first_name"], sarah["last_name"]) == ("Sarah", "Agent")
    assert (
        included[("ticketMessages", first["id"])]["attributes"]["message"] == "It shows an error."
    )

    r = await client.get(f"{BASE}/tickets?include=user", headers=shop.headers)
    assert r.json()["included"][0]["type"] == "users"
    r = await client.get(f"{BASE}/tickets?include=messagesCount", headers=shop.headers)
    assert r.status_code == 200
    r = await client.get(f"{BASE}/tickets?include=owner", headers=shop.headers)
    assert r.status_code == 400
    assert r.json() == {
        "message": "Requested include(s) `owner` are not allowed. Allowed include(s) are "
        "`messages, messagesCount, messagesExists, user, userCount, userExists, "
        "assigned_to, assigned_toCount, assigned_toExists`."
    }


async def test_list_query_count_is_fixed(
    client: httpx.AsyncClient, shop: Shop, count_queries
) -> None:
    url = f"{BASE}/tickets?include=messages,user,assigned_to"
    ticket = await create_ticket(client, shop, assigned_to=shop.staff_id)
    await create_message(client, shop, ticket["id"], shop.customer_id)
    assert (await client.get(url, headers=shop.headers)).status_code == 200  # warm
    with count_queries() as few:
        assert (await client.get(url, headers=shop.headers)).status_code == 200
    for _ in range(4):
        t = await create_ticket(client, shop, assigned_to=shop.staff_id)
        await create_message(client, shop, t["id"], shop.staff_id)
    with count_queries() as many:
        r = await client.get(url, headers=shop.headers)
    assert len(r.json()["data"]) == 5
    # the page, the people, the messages (the key is the process's cached credential)
    assert many.selects == few.selects == 3, many.statements


async def test_form_bodies_and_trimming(client: httpx.AsyncClient, shop: Shop) -> None:
    r = await client.post(
        f"{BASE}/tickets",
        data={"subject": "  Form ticket  ", "user_id": str(shop.customer_id), "department": ""},
        headers=shop.headers,
    )
    assert r.status_code == 201, r.text
    attrs = r.json()["data"]["attributes"]
    assert (attrs["subject"], attrs["department"]) == ("Form ticket", None)
    r = await client.post(
        f"{BASE}/tickets",
        json={"subject": "   ", "user_id": shop.customer_id},
        headers=shop.headers,
    )
    assert r.json()["errors"] == {"subject": ["The subject field is required."]}


async def test_equivalent_writes_keep_the_domain_value(
    app: TicketryApp, client: httpx.AsyncClient, shop: Shop
) -> None:
    ticket = await create_ticket(client, shop)
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        await session.execute(
            update(Ticket).where(Ticket.id == int(ticket["id"])).values(priority="urgent")
        )
        await session.commit()
    url = f"{BASE}/tickets/{ticket['id']}"
    r = await client.get(url, headers=shop.headers)
    assert r.json()["data"]["attributes"]["priority"] == "high"
    r = await client.put(url, json={"priority": "high", "status": "open"}, headers=shop.headers)
    assert r.status_code == 200
    async with app.runtime.sessionmaker() as session:
        row = (
            await session.execute(
                select(Ticket.priority, Ticket.status).where(Ticket.id == int(ticket["id"]))
            )
        ).one()
    assert tuple(row) == ("urgent", "new")
    r = await client.get(f"{BASE}/tickets?filter[priority]=high", headers=shop.headers)
    assert [t["id"] for t in r.json()["data"]] == [ticket["id"]]
    r = await client.put(url, json={"status": "open"}, headers=shop.headers)
    r = await client.put(url, json={"status": "replied"}, headers=shop.headers)
    assert r.json()["data"]["attributes"]["status"] == "replied"


async def test_a_page_beyond_any_account_is_empty(client: httpx.AsyncClient, shop: Shop) -> None:
    for path in ("tickets", "ticket-messages"):
        r = await client.get(f"{BASE}/{path}?page=461170000000000000", headers=shop.headers)
        assert r.status_code == 200 and r.json()["data"] == [], r.text


async def test_domain_rules_worded_as_laravel(client: httpx.AsyncClient, shop: Shop) -> None:
    """The face's own rules and the domain's (length, NUL, departments) in one 422, in the
    order of the rules."""
    r = await client.post(
        f"{BASE}/tickets",
        json={"subject": "x\u0000", "department": "Billing", "priority": "urgent"},
        headers=shop.headers,
    )
    assert r.status_code == 422
    assert r.json() == {
        "message": "The subject field must not contain null characters. (and 3 more errors)",
        "errors": {
            "subject": ["The subject field must not contain null characters."],
            "user_id": ["The user id field is required."],
            "department": ["The selected department is invalid."],
            "priority": ["The selected priority is invalid."],
        },
    }
    r = await client.post(
        f"{BASE}/tickets",
        json={"subject": "x" * 256, "user_id": shop.customer_id, "department": "Billing"},
        headers=shop.headers,
    )
    assert r.status_code == 422
    assert r.json()["errors"] == {
        "subject": ["The subject field must not be greater than 255 characters."],
        "department": ["The selected department is invalid."],
    }


async def test_seed_create_example_files_under_billing(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    # The seed's own example: "billing" is one of a new account's departments.
    data = await create_ticket(
        client,
        shop,
        subject="Billing question",
        status="open",
        priority="medium",
        department="billing",
    )
    assert data["attributes"]["department"] == "billing"
