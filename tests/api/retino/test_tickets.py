"""Retino tickets over HTTP: list, create, detail, PUT/PATCH, close, search."""

from __future__ import annotations

import asyncio

import httpx

from tests.conftest import BACKEND, Tenant, make_tenant
from tests.factories import add_product, create_ticket, lookup_ids, ticket_body


async def test_create_ticket_as_in_the_seed(client: httpx.AsyncClient, tenant: Tenant) -> None:
    (type_id, *_) = await lookup_ids(client, tenant, "types")
    r = await client.post(
        "/api/v2/tickets",
        json={
            "customer": {"name": "Jan Novák", "email": "jan@example.com", "phone": "123456789"},
            "currency": "CZK",
            "language": "cs",
            "country": "CZ",
            "order_id": "123456",
            "order_date": "2025-01-15T00:00:00.000Z",
            "type": type_id,
        },
        headers=tenant.headers,
    )
    assert r.status_code == 201, r.text
    t = r.json()
    assert t["type"] == type_id
    assert t["customer"] == {"name": "Jan Novák", "email": "jan@example.com", "phone": "123456789"}
    assert t["code"].isdigit() and len(t["code"]) == 8
    assert t["closed_at"] is None and t["bound_order"] is None
    assert t["verification_state"] == "NOT_VERIFIED"
    assert t["order_date"].startswith("2025-01-15T00:00:00")
    for key in (
        "id",
        "state",
        "tags",
        "owner",
        "products",
        "shipping",
        "currency",
        "language",
        "country",
        "customer_rating",
        "customer_rating_comment",
        "custom_fields",
        "is_unread",
        "created_at",
        "updated_at",
    ):
        assert key in t


async def test_codes_are_sequential_per_account(client: httpx.AsyncClient, tenant: Tenant) -> None:
    a = await create_ticket(client, tenant)
    b = await create_ticket(client, tenant)
    assert int(b["code"]) == int(a["code"]) + 1


async def test_concurrent_creates_get_unique_codes(app, tenant: Tenant) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        results = await asyncio.gather(
            *[
                c.post("/api/v2/tickets", json=ticket_body(), headers=tenant.headers)
                for _ in range(12)
            ]
        )
    assert all(r.status_code == 201 for r in results), [r.text for r in results]
    codes = [r.json()["code"] for r in results]
    assert len(set(codes)) == 12


async def test_create_validation_names_every_field(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    r = await client.post(
        "/api/v2/tickets",
        json={
            "customer": {"email": "not-an-email"},
            "currency": "XXY",
            "language": "zz",
            "country": "QQ",
            "type": "00000000-0000-0000-0000-000000000000",
        },
        headers=tenant.headers,
    )
    assert r.status_code == 400
    errors = r.json()
    assert set(errors) >= {"customer", "currency", "language", "country", "type"}
    assert "email" in errors["customer"]


async def test_create_requires_mandatory_fields(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.post("/api/v2/tickets", json={}, headers=tenant.headers)
    assert r.status_code == 400
    assert r.json() == {
        "customer": ["This field is required."],
        "currency": ["This field is required."],
        "language": ["This field is required."],
    }


async def test_wrong_types_are_400_not_500(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.post(
        "/api/v2/tickets",
        json=ticket_body(tags=[1], order_date="yesterday", customer="x"),
        headers=tenant.headers,
    )
    assert r.status_code == 400
    assert set(r.json()) == {"tags", "order_date", "customer"}


async def test_malformed_json_and_media_type(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.post(
        "/api/v2/tickets",
        content=b"{bad",
        headers={**tenant.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 400 and "JSON parse error" in r.json()["detail"]
    r = await client.post(
        "/api/v2/tickets", content=b"a=b", headers={**tenant.headers, "Content-Type": "text/plain"}
    )
    assert r.status_code == 415
    r = await client.post("/api/v2/tickets", json=[1, 2], headers=tenant.headers)
    assert r.status_code == 400 and "non_field_errors" in r.json()


async def test_detail_and_404_across_accounts(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    t = await create_ticket(client, tenant)
    r = await client.get(f"/api/v2/tickets/{t['id']}", headers=tenant.headers)
    assert r.status_code == 200 and r.json()["id"] == t["id"]
    for method in ("GET", "PUT", "PATCH"):
        r = await client.request(
            method, f"/api/v2/tickets/{t['id']}", json={}, headers=other_tenant.headers
        )
        assert r.status_code == 404, (method, r.text)
        assert r.json() == {"detail": "Not found."}
    r = await client.post(f"/api/v2/tickets/{t['id']}/close", headers=other_tenant.headers)
    assert r.status_code == 404
    r = await client.get("/api/v2/tickets/not-a-uuid", headers=tenant.headers)
    assert r.status_code in (400, 404)


async def test_patch_changes_only_what_is_sent(client: httpx.AsyncClient, tenant: Tenant) -> None:
    t = await create_ticket(client, tenant)
    states = await lookup_ids(client, tenant, "states")
    users = await lookup_ids(client, tenant, "users")
    tags = await lookup_ids(client, tenant, "tags")
    r = await client.patch(
        f"/api/v2/tickets/{t['id']}",
        json={
            "state": states[1],
            "owner": users[0],
            "tags": tags[:2],
            "custom_fields": {"resolve_by": "2025-02-01"},
        },
        headers=tenant.headers,
    )
    assert r.status_code == 200, r.text
    u = r.json()
    assert (
        u["state"] == states[1] and u["owner"] == users[0] and sorted(u["tags"]) == sorted(tags[:2])
    )
    assert u["custom_fields"] == {"resolve_by": "2025-02-01"}
    assert u["customer"] == t["customer"] and u["currency"] == t["currency"]
    assert u["updated_at"] > t["updated_at"]


async def test_patch_customer_merges(client: httpx.AsyncClient, tenant: Tenant) -> None:
    t = await create_ticket(client, tenant)
    r = await client.patch(
        f"/api/v2/tickets/{t['id']}", json={"customer": {"phone": "999"}}, headers=tenant.headers
    )
    assert r.status_code == 200
    assert r.json()["customer"] == {**t["customer"], "phone": "999"}


async def test_custom_field_values_are_typed(client: httpx.AsyncClient, tenant: Tenant) -> None:
    t = await create_ticket(client, tenant)
    r = await client.patch(
        f"/api/v2/tickets/{t['id']}",
        json={"custom_fields": {"resolve_by": "tomorrow", "refund_account": "nonsense", "nope": 1}},
        headers=tenant.headers,
    )
    assert r.status_code == 400
    errors = r.json()["custom_fields"]
    assert set(errors) == {"resolve_by", "refund_account", "nope"}
    r = await client.patch(
        f"/api/v2/tickets/{t['id']}",
        json={"custom_fields": {"refund_account": "CZ6508000000192000145399"}},
        headers=tenant.headers,
    )
    assert r.status_code == 200, r.text


async def test_put_requires_all_mandatory_fields(client: httpx.AsyncClient, tenant: Tenant) -> None:
    t = await create_ticket(client, tenant)
    r = await client.put(
        f"/api/v2/tickets/{t['id']}", json={"currency": "EUR"}, headers=tenant.headers
    )
    assert r.status_code == 400
    assert set(r.json()) == {"customer", "language", "state"}
    states = await lookup_ids(client, tenant, "states")
    r = await client.put(
        f"/api/v2/tickets/{t['id']}",
        json={
            "customer": {"email": "x@example.com"},
            "currency": "EUR",
            "language": "en",
            "state": states[0],
        },
        headers=tenant.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["currency"] == "EUR" and r.json()["customer"]["email"] == "x@example.com"


async def test_close_is_idempotent(client: httpx.AsyncClient, tenant: Tenant) -> None:
    t = await create_ticket(client, tenant)
    r1 = await client.post(f"/api/v2/tickets/{t['id']}/close", headers=tenant.headers)
    assert r1.status_code == 200 and r1.json()["closed_at"] is not None
    r2 = await client.post(f"/api/v2/tickets/{t['id']}/close", headers=tenant.headers)
    assert r2.status_code == 200 and r2.json()["closed_at"] == r1.json()["closed_at"]
    r = await client.get("/api/v2/tickets?is_closed=true", headers=tenant.headers)
    assert [x["id"] for x in r.json()["results"]] == [t["id"]]
    r = await client.get("/api/v2/tickets?is_closed=false", headers=tenant.headers)
    assert r.json()["count"] == 0


async def test_list_filters_ordering_and_pagination(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    made = [await create_ticket(client, tenant) for _ in range(5)]
    r = await client.get("/api/v2/tickets?page_size=2", headers=tenant.headers)
    body = r.json()
    assert (body["count"], body["current_page"], body["total_pages"]) == (5, 1, 3)
    assert [x["id"] for x in body["results"]] == [made[4]["id"], made[3]["id"]]
    r = await client.get(
        "/api/v2/tickets?page_size=2&page=3&ordering=created_at", headers=tenant.headers
    )
    assert [x["id"] for x in r.json()["results"]] == [made[4]["id"]]
    r = await client.get("/api/v2/tickets?page=4&page_size=2", headers=tenant.headers)
    assert r.status_code == 404 and r.json() == {"detail": "Invalid page."}
    r = await client.get(
        "/api/v2/tickets", params={"created_at_from": made[2]["created_at"]}, headers=tenant.headers
    )
    assert r.json()["count"] == 3
    r = await client.get(
        "/api/v2/tickets?created_at_from=garbage&ordering=nope", headers=tenant.headers
    )
    assert r.status_code == 400 and set(r.json()) == {"created_at_from"}
    # An unknown ordering field is ignored, as DRF's OrderingFilter does.
    for ordering in ("nope", "-nope,", "created_at,nope", "--created_at"):
        r = await client.get(
            "/api/v2/tickets", params={"ordering": ordering, "page_size": 5}, headers=tenant.headers
        )
        assert r.status_code == 200, (ordering, r.text)
        expected = made if ordering == "created_at,nope" else made[::-1]
        assert [x["id"] for x in r.json()["results"]] == [t["id"] for t in expected], ordering
    r = await client.get("/api/v2/tickets?page_size=1000", headers=tenant.headers)
    assert r.status_code == 200


async def test_updated_and_closed_filters(client: httpx.AsyncClient, tenant: Tenant) -> None:
    a = await create_ticket(client, tenant)
    b = await create_ticket(client, tenant)
    closed = (await client.post(f"/api/v2/tickets/{a['id']}/close", headers=tenant.headers)).json()
    r = await client.get(
        "/api/v2/tickets", params={"updated_at_from": closed["updated_at"]}, headers=tenant.headers
    )
    assert [x["id"] for x in r.json()["results"]] == [a["id"]]
    r = await client.get(
        "/api/v2/tickets", params={"closed_at_from": closed["closed_at"]}, headers=tenant.headers
    )
    assert [x["id"] for x in r.json()["results"]] == [a["id"]]
    r = await client.get("/api/v2/tickets?ordering=-closed_at", headers=tenant.headers)
    assert [x["id"] for x in r.json()["results"]] == [a["id"], b["id"]]


async def test_search_ignores_accents_and_case(client: httpx.AsyncClient, tenant: Tenant) -> None:
    t = await create_ticket(
        client, tenant, customer={"name": "Vladimír Remek", "email": "remek@example.com"}
    )
    await create_ticket(client, tenant)
    await add_product(
        client, tenant, t["id"], name="Apollo 11", product_id="#1", ean="8590001", serial="SN-XYZ"
    )
    for q in (
        "Vladimir Remek",
        "vladimír",
        "REMEK@example",
        t["code"],
        "apollo",
        "SN-xyz",
        "8590001",
    ):
        r = await client.get("/api/v2/tickets/search", params={"search": q}, headers=tenant.headers)
        assert r.status_code == 200
        assert [x["id"] for x in r.json()["results"]] == [t["id"]], q
    r = await client.get(
        "/api/v2/tickets/search", params={"search": "123456"}, headers=tenant.headers
    )
    assert r.json()["count"] == 2  # order id
    r = await client.get(
        "/api/v2/tickets/search", params={"search": "50%_"}, headers=tenant.headers
    )
    assert r.json()["count"] == 0


async def test_search_never_crosses_accounts(app, client: httpx.AsyncClient) -> None:
    a = await make_tenant(app)
    b = await make_tenant(app)
    await create_ticket(client, a, customer={"name": "Unique Person", "email": "u@example.com"})
    r = await client.get("/api/v2/tickets/search?search=unique", headers=b.headers)
    assert r.json()["count"] == 0


async def test_trailing_slashes(client: httpx.AsyncClient, tenant: Tenant) -> None:
    t = await create_ticket(client, tenant)
    for path in ("/api/v2/tickets/", f"/api/v2/tickets/{t['id']}/", "/api/v2/states/"):
        r = await client.get(path, headers=tenant.headers)
        assert r.status_code == 200, path


async def test_list_query_count_is_constant(
    client: httpx.AsyncClient, tenant: Tenant, count_queries
) -> None:
    for _ in range(3):
        t = await create_ticket(client, tenant)
        await add_product(client, tenant, t["id"])
    await client.get("/api/v2/tickets", headers=tenant.headers)  # warm: the token remembered
    with count_queries() as few:
        await client.get("/api/v2/tickets", headers=tenant.headers)
    for _ in range(6):
        t = await create_ticket(client, tenant)
        await add_product(client, tenant, t["id"])
        await add_product(client, tenant, t["id"])
    with count_queries() as many:
        r = await client.get("/api/v2/tickets", headers=tenant.headers)
    assert r.json()["count"] == 9
    # the count (kept per account) and the page with its products, tags, shipments, orders
    assert many.count == few.count == 2, many.statements
    with count_queries() as one:
        await client.get(f"/api/v2/tickets/{t['id']}", headers=tenant.headers)
    assert one.count == 1, one.statements
    with count_queries() as search:
        r = await client.get("/api/v2/tickets/search?search=macbook", headers=tenant.headers)
    # (SQLite first asks its full-text index whether the words match many tickets)
    assert r.json()["count"] == 9, r.text
    assert search.count == (3 if BACKEND == "sqlite" else 2), search.statements


async def test_a_page_beyond_any_account_is_404(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for page in ("461170000000000000", str(2**62)):
        r = await client.get(f"/api/v2/tickets?page={page}", headers=tenant.headers)
        assert r.status_code == 404 and r.json() == {"detail": "Invalid page."}


async def test_every_bad_field_in_one_400_worded_as_drf(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """A missing field (the wire's rule) and the domain's codes come back together."""
    r = await client.post(
        "/api/v2/tickets",
        json={"customer": {"email": "x" * 300}, "currency": "XXY"},
        headers=tenant.headers,
    )
    assert r.status_code == 400
    assert r.json() == {
        "language": ["This field is required."],
        "currency": ['"XXY" is not a valid ISO 4217 currency code.'],
        "customer": {"email": ["Ensure this field has no more than 254 characters."]},
    }
    r = await client.post(
        "/api/v2/tickets",
        json={"customer": {"email": "not-an-email"}, "currency": "XXY"},
        headers=tenant.headers,
    )
    assert r.status_code == 400 and set(r.json()) == {"language", "currency", "customer"}
    assert r.json()["customer"] == {"email": ["Enter a valid email address."]}


async def test_long_and_nul_text_is_a_field_error(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """The same 400 on both databases: no 500 on PostgreSQL, nothing stored past the
    column on SQLite."""
    r = await client.post(
        "/api/v2/tickets",
        json=ticket_body(
            customer={"email": "a@example.com", "name": "Jo\u0000"}, company="x" * 201
        ),
        headers=tenant.headers,
    )
    assert r.status_code == 400
    assert r.json() == {
        "customer": {"name": ["Null characters are not allowed."]},
        "company": ["Ensure this field has no more than 200 characters."],
    }
    r = await client.post(
        "/api/v2/tickets",
        json=ticket_body(customer={"email": "a\u0000@example.com"}, order_id="\u0000"),
        headers=tenant.headers,
    )
    assert r.status_code == 400
    assert r.json() == {
        "order_id": ["Null characters are not allowed."],
        "customer": {"email": ["Null characters are not allowed."]},
    }
