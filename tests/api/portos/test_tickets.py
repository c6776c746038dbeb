"""PORTOS tickets over HTTP: every operation, its rules and its error shapes."""

from __future__ import annotations

import uuid

import httpx

from tests.api.portos.helpers import BASE, create, sign_in, ticket_body
from ticketry.app import TicketryApp


def assert_problem(r: httpx.Response, status: int, error_code: int | None) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    for member in ("type", "title", "status", "detail", "instance", "traceId"):
        assert member in body, member
    assert body["status"] == status
    assert body.get("errorCode") == error_code
    return body


async def test_create_returns_open_ticket_with_math(
    client: httpx.AsyncClient, app: TicketryApp
) -> None:
    till = await sign_in(client, app, role="admin", device="TILL-7")
    t = await create(client, till, discountRate=10, roundingAmount=-0.02)
    uuid.UUID(t["id"])
    assert t["_v"] == 1
    assert t["name"] == "Table 5" and t["externalId"] == "EXT-1"
    assert t["deviceName"] == "TILL-7" and t["originDeviceName"] == "TILL-7"
    assert t["closeDate"] is None and t["closeInfo"] is None
    assert t["currency"] == {"label": "EUR"}
    assert t["employee"] == {"userName": till.email}
    (item,) = t["items"]
    assert item["vat"] == 0.3 and item["unitPriceIncludingVat"] == 1.8
    assert item["effectiveDiscount"] == 0.1
    assert item["totalPrice"] == 3.24  # 1.8 × 2 × 0.9
    assert t["discountAmount"] == 0.36
    assert t["totalPrice"] == 3.22  # with the rounding amount
    assert t["location"] == {"table": {"name": "T5"}, "zone": {"name": "Terrace"}}


async def test_get_and_not_found(client: httpx.AsyncClient, app: TicketryApp) -> None:
    till = await sign_in(client, app, role="admin")
    t = await create(client, till)
    r = await client.get(f"{BASE}/tickets/{t['id']}", headers=till.headers)
    assert r.status_code == 200 and r.json() == t
    assert_problem(
        await client.get(f"{BASE}/tickets/{uuid.uuid4()}", headers=till.headers), 404, None
    )
    assert_problem(await client.get(f"{BASE}/tickets/nope", headers=till.headers), 404, None)
    other = await sign_in(client, app, role="admin")
    r = await client.get(f"{BASE}/tickets/{t['id']}", headers=other.headers)
    assert r.status_code == 404  # another account's ticket does not exist for this one


async def test_v1_prefix_is_accepted(client: httpx.AsyncClient, app: TicketryApp) -> None:
    till = await sign_in(client, app, role="admin")
    t = await create(client, till)
    r = await client.get(f"{BASE}/v1/tickets/{t['id']}", headers=till.headers)
    assert r.status_code == 200 and r.json()["id"] == t["id"]


async def test_put_creates_then_updates(client: httpx.AsyncClient, app: TicketryApp) -> None:
    till = await sign_in(client, app, role="admin")
    tid = str(uuid.uuid4())
    r = await client.put(f"{BASE}/tickets/{tid}", json=ticket_body(), headers=till.headers)
    assert r.status_code == 201, r.text
    assert r.json()["id"] == tid and r.json()["_v"] == 1
    # The same body again changes nothing: no new version.
    r = await client.put(f"{BASE}/tickets/{tid}", json=r.json(), headers=till.headers)
    assert r.status_code == 200 and r.json()["_v"] == 1
    body = ticket_body(name="Table 6")
    body["items"].append(
        {"name": "Tea", "quantity": {"amount": 1}, "unitPrice": 2, "plu": {"code": 7}}
    )
    r = await client.put(f"{BASE}/tickets/{tid}", json=body, headers=till.headers)
    assert r.status_code == 200, r.text
    t = r.json()
    assert t["_v"] == 2 and t["name"] == "Table 6"
    assert [i["name"] for i in t["items"]] == ["Espresso", "Tea"]
    assert t["totalPrice"] == 5.6


async def test_put_with_stale_version_is_a_version_mismatch(
    client: httpx.AsyncClient, app: TicketryApp
) -> None:
    till = await sign_in(client, app, role="admin")
    t = await create(client, till)
    r = await client.put(f"{BASE}/tickets/{t['id']}", json={**t, "name": "A"}, headers=till.headers)
    assert r.status_code == 200 and r.json()["_v"] == 2
    r = await client.put(f"{BASE}/tickets/{t['id']}", json={**t, "name": "B"}, headers=till.headers)
    body = assert_problem(r, 400, 6)
    assert body["resource"] == {"name": "Ticket", "id": t["id"], "version": 2}
    r = await client.put(
        f"{BASE}/tickets/{t['id']}?_v=1", json={**t, "_v": None}, headers=till.headers
    )
    assert_problem(r, 400, 6)


async def test_close_delete_and_closed_is_read_only(
    client: httpx.AsyncClient, app: TicketryApp
) -> None:
    till = await sign_in(client, app, role="admin", device="POS9")
    t = await create(client, till)
    r = await client.post(
        f"{BASE}/tickets/{t['id']}/close",
        json={
            "closeInfo": {
                "fiscalName": "FP1",
                "number": 42,
                "dailySalesReportNumber": 3,
                "fiscalMemorySerialNumber": "SN-1",
            }
        },
        headers=till.headers,
    )
    assert r.status_code == 200, r.text
    closed = r.json()
    assert closed["closeDate"] is not None
    assert closed["closeInfo"] == {
        "deviceName": "POS9",
        "fiscalName": "FP1",
        "number": 42,
        "dailySalesReportNumber": 3,
        "fiscalMemorySerialNumber": "SN-1",
    }
    assert_problem(
        await client.put(f"{BASE}/tickets/{t['id']}", json=t, headers=till.headers), 403, 2
    )
    assert_problem(
        await client.post(f"{BASE}/tickets/{t['id']}/close", headers=till.headers), 403, 2
    )
    assert_problem(await client.delete(f"{BASE}/tickets/{t['id']}", headers=till.headers), 403, 2)
    # An open ticket can be deleted; then it is gone.
    t2 = await create(client, till)
    r = await client.delete(f"{BASE}/tickets/{t2['id']}", headers=till.headers)
    assert r.status_code == 204
    assert (await client.get(f"{BASE}/tickets/{t2['id']}", headers=till.headers)).status_code == 404
    assert_problem(
        await client.delete(f"{BASE}/tickets/{t2['id']}", headers=till.headers), 404, None
    )


async def test_close_without_body(client: httpx.AsyncClient, app: TicketryApp) -> None:
    till = await sign_in(client, app, role="admin", device="POS3")
    t = await create(client, till)
    r = await client.post(f"{BASE}/tickets/{t['id']}/close", headers=till.headers)
    assert r.status_code == 200, r.text
    assert r.json()["closeInfo"]["deviceName"] == "POS3"


async def test_one_problem_lists_every_bad_field(
    client: httpx.AsyncClient, app: TicketryApp
) -> None:
    """The ticket's own fields (currency, customer e-mail) and the receipt's (a rate) fail
    together, in one problem document."""
    till = await sign_in(client, app, role="admin")
    body = ticket_body(
        currency={"label": "XXY"}, customer={"email": "not-an-email"}, discountRate=150
    )
    problem = assert_problem(
        await client.post(f"{BASE}/tickets", json=body, headers=till.headers), 400, 3
    )
    assert {e["memberName"] for e in problem["errors"]} == {
        "currency.label",
        "customer.email",
        "discountRate",
    }


async def test_validation_problem_details(client: httpx.AsyncClient, app: TicketryApp) -> None:
    till = await sign_in(client, app, role="admin")
    body = ticket_body(discountRate=150)
    body["items"][0]["plu"]["vatInfo"]["rate"] = -1
    r = await client.post(f"{BASE}/tickets", json=body, headers=till.headers)
    problem = assert_problem(r, 400, 3)
    members = {e["memberName"]: e for e in problem["errors"]}
    assert set(members) == {"discountRate", "items[0].plu.vatInfo.rate"}
    assert all(e["code"] == 0 for e in problem["errors"])
    r = await client.post(
        f"{BASE}/tickets", json={"items": [{"unitPrice": "x"}]}, headers=till.headers
    )
    problem = assert_problem(r, 400, 3)
    assert problem["errors"][0]["memberName"] == "items[0].unitPrice"
    r = await client.post(
        f"{BASE}/tickets",
        content=b"{nope",
        headers={**till.headers, "content-type": "application/json"},
    )
    assert_problem(r, 400, 3)


async def test_creating_an_existing_id_is_unique_error(
    client: httpx.AsyncClient, app: TicketryApp
) -> None:
    till = await sign_in(client, app, role="admin")
    t = await create(client, till)
    r = await client.post(f"{BASE}/tickets", json=ticket_body(id=t["id"]), headers=till.headers)
    problem = assert_problem(r, 400, 3)
    assert problem["errors"] == [
        {"memberName": "id", "message": "A ticket with this id already exists.", "code": 2}
    ]


async def test_portos_ticket_reads_the_same_through_retino(
    client: httpx.AsyncClient, app: TicketryApp
) -> None:
    till = await sign_in(client, app, role="admin")
    t = await create(client, till, customer={"name": "Eva", "email": "eva@example.com"})
    r = await client.get(f"/api/v2/tickets/{t['id']}", headers=till.retino)
    assert r.status_code == 200, r.text
    rt = r.json()
    assert rt["customer"]["name"] == "Eva" and rt["currency"] == "EUR"
    (product,) = rt["products"]
    assert product["name"] == "Espresso" and product["product_id"] == "101"
    assert product["amount"] == "2.0000"
    assert product["price"] == {"with_vat": "1.8000", "without_vat": "1.5000", "vat": "0.3000"}
    # Closing through PORTOS closes the domain ticket.
    await client.post(f"{BASE}/tickets/{t['id']}/close", headers=till.headers)
    rt = (await client.get(f"/api/v2/tickets/{t['id']}", headers=till.retino)).json()
    assert rt["closed_at"] is not None


async def test_retino_ticket_reads_through_portos(
    client: httpx.AsyncClient, app: TicketryApp
) -> None:
    till = await sign_in(client, app, role="admin")
    r = await client.post(
        "/api/v2/tickets",
        json={
            "customer": {"name": "Jan", "email": "jan@example.com"},
            "currency": "CZK",
            "language": "cs",
            "products": [
                {
                    "name": "Kettle",
                    "amount": "2",
                    "product_id": "K-1",
                    "price": {"with_vat": "121", "without_vat": "100", "vat": "21"},
                }
            ],
        },
        headers=till.retino,
    )
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    r = await client.get(f"{BASE}/tickets/{rid}", headers=till.headers)
    assert r.status_code == 200, r.text
    t = r.json()
    assert t["customer"]["email"] == "jan@example.com" and t["currency"]["label"] == "CZK"
    (item,) = t["items"]
    assert item["unitPrice"] == 100 and item["plu"]["vatInfo"]["rate"] == 21
    assert item["unitPriceIncludingVat"] == 121 and item["totalPrice"] == 242
    assert t["totalPrice"] == 242
    # Closed through Retino: read-only for PORTOS.
    await client.post(f"/api/v2/tickets/{rid}/close", headers=till.retino)
    r = await client.get(f"{BASE}/tickets?IsClosed=true&Id=eq:{rid}", headers=till.headers)
    assert [x["id"] for x in r.json()["items"]] == [rid]
    assert_problem(await client.put(f"{BASE}/tickets/{rid}", json=t, headers=till.headers), 403, 2)


async def test_list_query_count_is_fixed(
    client: httpx.AsyncClient, app: TicketryApp, count_queries
) -> None:
    till = await sign_in(client, app, role="admin")
    await create(client, till)
    await client.get(f"{BASE}/tickets", headers=till.headers)  # warm
    with count_queries() as few:
        r = await client.get(f"{BASE}/tickets", headers=till.headers)
    assert len(r.json()["items"]) == 1
    for _ in range(4):
        await create(client, till)
    with count_queries() as many:
        r = await client.get(f"{BASE}/tickets", headers=till.headers)
    assert len(r.json()["items"]) == 5
    assert few.selects == many.selects == 2, many.statements  # the session, the page


async def test_concurrent_puts_of_a_new_id_create_once(
    client: httpx.AsyncClient, app: TicketryApp
) -> None:
    import asyncio

    till = await sign_in(client, app, role="admin")
    tid = str(uuid.uuid4())
    results = await asyncio.gather(
        *(
            client.put(
                f"{BASE}/tickets/{tid}", json=ticket_body(name=f"N{i}"), headers=till.headers
            )
            for i in range(4)
        )
    )
    assert sorted(r.status_code for r in results) == [200, 200, 200, 201], [r.text for r in results]
    r = await client.get(f"{BASE}/tickets?Id={tid}&$count=true", headers=till.headers)
    assert r.json() == {"count": 1}


async def test_domain_codes_as_problem_details(client: httpx.AsyncClient, app: TicketryApp) -> None:
    """The domain's codes, worded by this face, under PORTOS member names; a text too long
    for its column or holding a NUL is a validation error (not a 500 on PostgreSQL)."""
    till = await sign_in(client, app, role="admin")
    body = ticket_body(name="n" * 256, externalId="E\u0000", discountRate=150)
    r = await client.post(f"{BASE}/tickets", json=body, headers=till.headers)
    problem = assert_problem(r, 400, 3)
    assert sorted(problem["errors"], key=lambda e: e["memberName"]) == [
        {"memberName": "discountRate", "message": "Must be between 0 and 100.", "code": 0},
        {"memberName": "externalId", "message": "Null characters are not allowed.", "code": 0},
        {
            "memberName": "name",
            "message": "Ensure this field has no more than 255 characters.",
            "code": 0,
        },
    ]
