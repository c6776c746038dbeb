"""Retino Orders API over HTTP: store ids, upsert, bulk, PATCH, statuses, list, binding."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import Tenant, make_tenant
from tests.factories import add_product, create_ticket

SEED_ORDER: dict[str, Any] = {
    "code": "ORD-2025-001",
    "store_id": "main-shop",
    "order_date": "2025-10-23T14:00:00Z",
    "currency": "USD",
    "language": "en",
    "price": {"with_vat": "199.99"},
    "customer": {"email": "john@example.com", "phone": "+1234567890"},
    "shipping_address": {
        "name": "John Doe",
        "street": "Test Street",
        "house_number": "1",
        "city": "New York",
        "postal_code": "10001",
        "country": "US",
    },
    "items": [
        {
            "name": "Smartphone XY",
            "code": "PROD-001",
            "amount": "1.00",
            "item_type": "PRODUCT",
            "total_price": {"with_vat": "179.99"},
        },
        {"name": "Shipping Fee", "item_type": "SHIPPING", "total_price": {"with_vat": "19.99"}},
    ],
}


def bare(tenant: Tenant) -> dict[str, str]:
    """The Orders API document's header form: the token without a ``Token`` prefix."""
    return {"Authorization": tenant.token}


async def make_store(client: httpx.AsyncClient, tenant: Tenant, code: str = "main-shop") -> None:
    r = await client.post("/api/v2/store-ids", json={"store_id": code}, headers=bare(tenant))
    assert r.status_code == 201, r.text


async def upsert(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any], status: int = 201
) -> dict[str, Any]:
    r = await client.post("/api/v2/orders", json=body, headers=bare(tenant))
    assert r.status_code == status, r.text
    return r.json()  # type: ignore[no-any-return]


@pytest.fixture
async def shop(client: httpx.AsyncClient, tenant: Tenant) -> Tenant:
    await make_store(client, tenant)
    return tenant


# ---- store ids --------------------------------------------------------------------------


async def test_store_ids_are_created_and_listed(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await make_store(client, tenant, "shop-us")
    await make_store(client, tenant, "shop-uk")
    r = await client.post("/api/v2/store-ids", json={"store_id": "shop-uk"}, headers=bare(tenant))
    assert r.status_code == 400
    assert r.json() == {"store_id": ["Store ID 'shop-uk' already exists"]}
    r = await client.get("/api/v2/store-ids", headers=bare(tenant))
    assert r.status_code == 200
    page = r.json()
    assert page["count"] == 2 and page["current_page"] == 1 and page["total_pages"] == 1
    assert [s["store_id"] for s in page["results"]] == ["shop-uk", "shop-us"]


async def test_store_ids_need_an_admin(app: Any, client: httpx.AsyncClient) -> None:
    agent = await make_tenant(app, role="agent")
    r = await client.post("/api/v2/store-ids", json={"store_id": "x"}, headers=bare(agent))
    assert r.status_code == 403
    r = await client.get("/api/v2/store-ids", headers=bare(agent))
    assert r.status_code == 200


async def test_unknown_store_is_the_seeds_error(client: httpx.AsyncClient, shop: Tenant) -> None:
    r = await client.post(
        "/api/v2/orders", json={**SEED_ORDER, "store_id": "xyz"}, headers=bare(shop)
    )
    assert r.status_code == 400
    assert r.json() == {"store_id": ["Store ID 'xyz' does not exist"]}


# ---- upsert -----------------------------------------------------------------------------


async def test_use_case_1_order_is_created_then_updated(
    client: httpx.AsyncClient, shop: Tenant
) -> None:
    order = await upsert(client, shop, SEED_ORDER, 201)
    uuid.UUID(order["id"])
    assert order["code"] == "ORD-2025-001" and order["store_id"] == "main-shop"
    assert order["order_date"].startswith("2025-10-23T14:00:00")
    assert order["currency"] == "USD" and order["language"] == "en"
    assert order["price"] == {"with_vat": "199.9900", "without_vat": None, "vat": None}
    assert order["customer"]["email"] == "john@example.com"
    assert order["customer"]["phone"] == "+1234567890"
    assert order["shipping_address"]["city"] == "New York"
    assert order["shipping_address"]["country"] == "US"
    assert order["billing_address"] is None
    assert [(i["name"], i["code"], i["item_type"]) for i in order["items"]] == [
        ("Smartphone XY", "PROD-001", "PRODUCT"),
        ("Shipping Fee", None, "SHIPPING"),
    ]
    assert order["items"][0]["amount"] == "1.0000"
    assert order["items"][0]["total_price"]["with_vat"] == "179.9900"
    assert order["processing_status"] == "NEW" and order["payment_status"] is None
    assert order["statuses"] == []

    again = await upsert(client, shop, {**SEED_ORDER, "currency": "EUR"}, 200)
    assert again["id"] == order["id"]
    assert again["currency"] == "EUR"
    assert len(again["items"]) == 2
    r = await client.get("/api/v2/orders", params={"code": "ORD-2025-001"}, headers=bare(shop))
    assert r.json()["count"] == 1


async def test_upsert_keeps_fields_not_sent(client: httpx.AsyncClient, shop: Tenant) -> None:
    order = await upsert(client, shop, SEED_ORDER)
    again = await upsert(
        client, shop, {"code": "ORD-2025-001", "store_id": "main-shop", "language": "de"}, 200
    )
    assert again["id"] == order["id"]
    assert again["language"] == "de"
    assert again["customer"] == order["customer"]
    assert again["items"] == order["items"]
    assert again["price"] == order["price"]


async def test_same_code_in_another_store_is_another_order(
    client: httpx.AsyncClient, shop: Tenant
) -> None:
    await make_store(client, shop, "shop-uk")
    a = await upsert(client, shop, SEED_ORDER, 201)
    b = await upsert(client, shop, {**SEED_ORDER, "store_id": "shop-uk"}, 201)
    assert a["id"] != b["id"]


async def test_every_field_is_stored(client: httpx.AsyncClient, shop: Tenant) -> None:
    body = {
        **SEED_ORDER,
        "code": "FULL-1",
        "remote_id": "9001",
        "price": {"with_vat": "1210", "without_vat": "1000", "vat": "210"},
        "customer": {
            "email": "Jane@Example.com",
            "phone": "+420123",
            "name": "Jane Roe",
            "first_name": "Jane",
            "last_name": "Roe",
            "company": "Roe s.r.o.",
        },
        "billing_address": {"name": "Roe s.r.o.", "city": "Praha", "country": "CZ"},
        "items": [
            {
                "name": "Widget",
                "code": "W-1",
                "amount": "2",
                "item_type": "PRODUCT",
                "total_price": {"with_vat": "121", "without_vat": "100", "vat": "21"},
            },
            {"name": "Card fee", "item_type": "BILLING", "total_price": {"with_vat": "10"}},
            {"name": "Coupon", "item_type": "DISCOUNT", "total_price": {"with_vat": "-50"}},
        ],
        "statuses": [
            {"name": "PAID", "date": "2025-10-23T10:00:00Z"},
            {"name": "PICKING", "date": "2025-10-23T12:00:00Z"},
            {"name": "DISPATCHED", "date": "2025-10-23T15:00:00Z"},
        ],
    }
    order = await upsert(client, shop, body)
    assert order["remote_id"] == "9001"
    assert order["price"] == {
        "with_vat": "1210.0000",
        "without_vat": "1000.0000",
        "vat": "210.0000",
    }
    assert order["customer"] == {
        "email": "Jane@Example.com",
        "phone": "+420123",
        "name": "Jane Roe",
        "first_name": "Jane",
        "last_name": "Roe",
        "company": "Roe s.r.o.",
    }
    assert order["billing_address"]["city"] == "Praha"
    assert [i["item_type"] for i in order["items"]] == ["PRODUCT", "BILLING", "DISCOUNT"]
    assert order["items"][0]["total_price"] == {
        "with_vat": "121.0000",
        "without_vat": "100.0000",
        "vat": "21.0000",
    }
    assert order["items"][2]["total_price"]["with_vat"] == "-50.0000"
    assert [s["name"] for s in order["statuses"]] == ["PAID", "PICKING", "DISPATCHED"]
    assert order["processing_status"] == "DISPATCHED" and order["payment_status"] == "PAID"
    detail = (await client.get(f"/api/v2/orders/{order['id']}", headers=bare(shop))).json()
    assert detail == order


async def test_numbers_are_exact_decimals(client: httpx.AsyncClient, shop: Tenant) -> None:
    body = {
        **SEED_ORDER,
        "price": {"with_vat": 0.3, "without_vat": 0.1, "vat": 0.2},
        "items": [],
    }
    order = await upsert(client, shop, body)
    assert order["price"] == {"with_vat": "0.3000", "without_vat": "0.1000", "vat": "0.2000"}
    assert order["items"] == []


async def test_price_mismatch_is_the_seeds_message(client: httpx.AsyncClient, shop: Tenant) -> None:
    body = {**SEED_ORDER, "price": {"with_vat": "1200", "without_vat": "1000", "vat": "210"}}
    r = await client.post("/api/v2/orders", json=body, headers=bare(shop))
    assert r.status_code == 400
    assert r.json() == {"price": ["Price mismatch: 1000 + 210 ≠ 1200"]}
    items = [{"name": "X", "total_price": {"with_vat": "12", "without_vat": "10", "vat": "1"}}]
    r = await client.post("/api/v2/orders", json={**SEED_ORDER, "items": items}, headers=bare(shop))
    assert r.status_code == 400
    assert r.json() == {"items": [{"total_price": ["Price mismatch: 10 + 1 ≠ 12"]}]}
    two = {"without_vat": "1000", "vat": "210"}
    order = await upsert(client, shop, {**SEED_ORDER, "price": two})
    assert order["price"] == {"with_vat": None, "without_vat": "1000.0000", "vat": "210.0000"}


async def test_validation_names_every_field(client: httpx.AsyncClient, shop: Tenant) -> None:
    r = await client.post(
        "/api/v2/orders",
        json={
            "code": "V-1",
            "store_id": "main-shop",
            "currency": "XXY",
            "language": "zz",
            "price": {"with_vat": "1.23456"},
            "customer": {"email": "not-an-email"},
            "shipping_address": {"country": "QQ"},
            "items": [{"name": "ok"}, {"name": "bad", "item_type": "GIFT", "amount": "x"}],
            "statuses": [{"name": "LOST"}],
        },
        headers=bare(shop),
    )
    assert r.status_code == 400
    errors = r.json()
    assert "amount" in errors["items"][1]
    r = await client.post(
        "/api/v2/orders",
        json={
            "code": "V-1",
            "store_id": "main-shop",
            "currency": "XXY",
            "language": "zz",
            "price": {"with_vat": "1.23456"},
            "customer": {"email": "not-an-email"},
            "shipping_address": {"country": "QQ"},
            "items": [{"name": "ok"}, {"name": "bad", "item_type": "GIFT"}],
            "statuses": [{"name": "LOST"}],
        },
        headers=bare(shop),
    )
    assert r.status_code == 400
    errors = r.json()
    assert set(errors) == {
        "currency",
        "language",
        "price",
        "customer",
        "shipping_address",
        "items",
        "statuses",
    }
    assert errors["price"] == {"with_vat": ["Ensure that there are no more than 4 decimal places."]}
    assert errors["items"][0] == {} and "item_type" in errors["items"][1]
    assert "name" in errors["statuses"][0]


async def test_required_fields_and_bad_bodies(client: httpx.AsyncClient, shop: Tenant) -> None:
    r = await client.post("/api/v2/orders", json={}, headers=bare(shop))
    assert r.status_code == 400
    assert r.json() == {
        "code": ["This field is required."],
        "store_id": ["This field is required."],
    }
    r = await client.post(
        "/api/v2/orders",
        content=b'{"code": "x",',
        headers={**bare(shop), "Content-Type": "application/json"},
    )
    assert r.status_code == 400 and r.json()["detail"].startswith("JSON parse error")
    r = await client.post(
        "/api/v2/orders/bulk",
        content=b"[{",
        headers={**bare(shop), "Content-Type": "application/json"},
    )
    assert r.status_code == 400 and r.json()["detail"].startswith("JSON parse error")
    r = await client.post("/api/v2/orders", json=[1], headers=bare(shop))
    assert r.status_code == 400 and "non_field_errors" in r.json()


async def test_auth_and_rights(app: Any, client: httpx.AsyncClient, shop: Tenant) -> None:
    r = await client.post("/api/v2/orders", json=SEED_ORDER)
    assert r.status_code == 401
    r = await client.get("/api/v2/orders", headers={"Authorization": "nope"})
    assert r.status_code == 401
    r = await client.get("/api/v2/orders", headers=shop.headers)  # "Token <key>" works too
    assert r.status_code == 200
    viewer = await make_tenant(app, role="viewer", slug=f"v-{uuid.uuid4().hex[:8]}")
    r = await client.post("/api/v2/orders", json=SEED_ORDER, headers=bare(viewer))
    assert r.status_code == 403
    r = await client.post("/api/v2/orders/bulk", json=[SEED_ORDER], headers=bare(viewer))
    assert r.status_code == 403
    r = await client.get("/api/v2/orders", headers=bare(viewer))
    assert r.status_code == 200


async def test_orders_of_another_account_are_404(
    client: httpx.AsyncClient, shop: Tenant, other_tenant: Tenant
) -> None:
    order = await upsert(client, shop, SEED_ORDER)
    url = f"/api/v2/orders/{order['id']}"
    other = bare(other_tenant)
    assert (await client.get(url, headers=other)).status_code == 404
    assert (await client.patch(url, json={"language": "de"}, headers=other)).status_code == 404
    r = await client.patch(f"{url}/status", params={"status_value": "PAID"}, headers=other)
    assert r.status_code == 404
    assert (await client.get("/api/v2/orders", headers=other)).json()["count"] == 0
    # Another account's store id does not exist for this one.
    r = await client.post("/api/v2/orders", json=SEED_ORDER, headers=other)
    assert r.status_code == 400
    r = await client.get(f"/api/v2/orders/{uuid.uuid4()}", headers=bare(shop))
    assert r.status_code == 404


async def test_concurrent_upserts_make_one_order(app: Any, shop: Tenant) -> None:
    transport = httpx.ASGITransport(app=app)
    body = {**SEED_ORDER, "code": "RACE-1"}
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        results = await asyncio.gather(
            *[c.post("/api/v2/orders", json=body, headers=bare(shop)) for _ in range(50)]
        )
        assert all(r.status_code in (200, 201) for r in results), [r.text for r in results]
        assert sorted(r.status_code for r in results) == [200] * 49 + [201]
        assert len({r.json()["id"] for r in results}) == 1
        listed = await c.get("/api/v2/orders", params={"code": "RACE-1"}, headers=bare(shop))
    page = listed.json()
    assert page["count"] == 1
    assert len(page["results"][0]["items"]) == 2


# ---- bulk -------------------------------------------------------------------------------


async def test_use_case_3_bulk_import(client: httpx.AsyncClient, shop: Tenant) -> None:
    r = await client.post(
        "/api/v2/orders/bulk",
        json=[
            {
                "code": "ORD-001",
                "store_id": "main-shop",
                "price": {"with_vat": "100.00"},
                "customer": {"email": "customer1@example.com"},
            },
            {
                "code": "ORD-002",
                "store_id": "main-shop",
                "price": {"with_vat": "200.00"},
                "customer": {"email": "customer2@example.com"},
            },
        ],
        headers=bare(shop),
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["processed"] == 2 and out["failed"] == 0 and out["created"] == 2
    assert [x["status"] for x in out["results"]] == ["created", "created"]
    assert [x["index"] for x in out["results"]] == [0, 1]
    detail = await client.get(f"/api/v2/orders/{out['results'][1]['id']}", headers=bare(shop))
    assert detail.json()["price"]["with_vat"] == "200.0000"


async def test_bulk_mixed_success_and_failure(client: httpx.AsyncClient, shop: Tenant) -> None:
    await upsert(client, shop, {**SEED_ORDER, "code": "B-0"})
    batch = [
        {**SEED_ORDER, "code": "B-0", "currency": "EUR"},  # updated
        {**SEED_ORDER, "code": "B-1"},  # created
        {**SEED_ORDER, "code": "B-2", "store_id": "nope"},  # unknown store
        {**SEED_ORDER, "code": "B-3", "price": {"with_vat": "3", "without_vat": "1", "vat": "1"}},
        {"store_id": "main-shop"},  # no code
        "not an object",
        {**SEED_ORDER, "code": "B-1", "language": "de"},  # the same key again: last one wins
    ]
    r = await client.post("/api/v2/orders/bulk", json=batch, headers=bare(shop))
    assert r.status_code == 200, r.text
    out = r.json()
    statuses = [x["status"] for x in out["results"]]
    assert statuses == ["updated", "created", "failed", "failed", "failed", "failed", "updated"]
    assert (out["processed"], out["created"], out["updated"], out["failed"]) == (3, 1, 2, 4)
    errors = [x["errors"] for x in out["results"]]
    assert errors[0] is None and out["results"][0]["id"]
    assert errors[2] == {"store_id": ["Store ID 'nope' does not exist"]}
    assert errors[3] == {"price": ["Price mismatch: 1 + 1 ≠ 3"]}
    assert errors[4] == {"code": ["This field is required."]}
    assert "non_field_errors" in errors[5]
    assert out["results"][1]["id"] == out["results"][6]["id"]
    b1 = (await client.get(f"/api/v2/orders/{out['results'][1]['id']}", headers=bare(shop))).json()
    assert b1["language"] == "de"
    listed = (await client.get("/api/v2/orders", headers=bare(shop))).json()
    assert listed["count"] == 2


async def test_bulk_over_100_writes_nothing(client: httpx.AsyncClient, shop: Tenant) -> None:
    batch = [{**SEED_ORDER, "code": f"OVER-{i}"} for i in range(101)]
    r = await client.post("/api/v2/orders/bulk", json=batch, headers=bare(shop))
    assert r.status_code == 400
    assert r.json() == {"non_field_errors": ["Ensure this field has no more than 100 elements."]}
    assert (await client.get("/api/v2/orders", headers=bare(shop))).json()["count"] == 0
    r = await client.post("/api/v2/orders/bulk", json={"code": "x"}, headers=bare(shop))
    assert r.status_code == 400


async def test_bulk_of_100_uses_few_statements(
    client: httpx.AsyncClient, shop: Tenant, count_queries: Any
) -> None:
    batch = [{**SEED_ORDER, "code": f"Q-{i}", "statuses": [{"name": "PAID"}]} for i in range(100)]
    with count_queries() as qc:
        r = await client.post("/api/v2/orders/bulk", json=batch, headers=bare(shop))
    assert r.json()["created"] == 100
    created = qc.count
    with count_queries() as qc:
        r = await client.post("/api/v2/orders/bulk", json=batch, headers=bare(shop))
    assert r.json()["updated"] == 100
    # Neither per order nor per item: a fixed handful of statements for the whole batch.
    assert created <= 14, qc.statements
    assert qc.count <= 14, qc.statements


# ---- PATCH and statuses -----------------------------------------------------------------


async def test_use_case_4_patch_merges_the_customer(
    client: httpx.AsyncClient, shop: Tenant
) -> None:
    order = await upsert(
        client, shop, {**SEED_ORDER, "customer": {**SEED_ORDER["customer"], "name": "John Doe"}}
    )
    r = await client.patch(
        f"/api/v2/orders/{order['id']}",
        json={"customer": {"email": "new.email@example.com", "phone": "+9876543210"}},
        headers=bare(shop),
    )
    assert r.status_code == 200, r.text
    patched = r.json()
    assert patched["customer"]["email"] == "new.email@example.com"
    assert patched["customer"]["phone"] == "+9876543210"
    assert patched["customer"]["name"] == "John Doe"
    assert patched["items"] == order["items"]
    assert patched["shipping_address"] == order["shipping_address"]
    r = await client.patch(
        f"/api/v2/orders/{order['id']}",
        json={"shipping_address": {"city": "Boston", "postal_code": None}},
        headers=bare(shop),
    )
    address = r.json()["shipping_address"]
    assert address["city"] == "Boston" and address["street"] == "Test Street"
    assert address["postal_code"] is None


async def test_patch_cannot_change_the_store(client: httpx.AsyncClient, shop: Tenant) -> None:
    await make_store(client, shop, "shop-uk")
    order = await upsert(client, shop, SEED_ORDER)
    url = f"/api/v2/orders/{order['id']}"
    r = await client.patch(url, json={"store_id": "shop-uk"}, headers=bare(shop))
    assert r.status_code == 400
    assert r.json() == {"store_id": ["Store ID cannot be changed after an order is created."]}
    r = await client.patch(
        url, json={"store_id": "main-shop", "currency": "CZK"}, headers=bare(shop)
    )
    assert r.status_code == 200 and r.json()["currency"] == "CZK"
    r = await client.patch(
        url, json={"price": {"with_vat": "5", "vat": "1", "without_vat": "1"}}, headers=bare(shop)
    )
    assert r.status_code == 400 and r.json() == {"price": ["Price mismatch: 1 + 1 ≠ 5"]}


async def test_use_case_2_status_changes_build_history(
    client: httpx.AsyncClient, shop: Tenant
) -> None:
    order = await upsert(client, shop, SEED_ORDER)
    url = f"/api/v2/orders/{order['id']}/status"
    r = await client.patch(url, params={"status_value": "DISPATCHED"}, headers=bare(shop))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["processing_status"] == "DISPATCHED" and out["payment_status"] is None
    r = await client.patch(url, params={"status_value": "PAID"}, headers=bare(shop))
    assert r.json()["payment_status"] == "PAID"
    assert r.json()["processing_status"] == "DISPATCHED"
    r = await client.patch(url, params={"status_value": "FAILED"}, headers=bare(shop))
    assert r.json()["payment_status"] == "PAYMENT_FAILED"
    r = await client.patch(url, params={"status_value": "PAYMENT_FAILED"}, headers=bare(shop))
    history = r.json()["statuses"]
    assert [h["name"] for h in history] == ["DISPATCHED", "PAID", "PAYMENT_FAILED"]
    assert all(h["date"] for h in history)
    r = await client.patch(url, params={"status_value": "LOST"}, headers=bare(shop))
    assert r.status_code == 400 and "status_value" in r.json()
    r = await client.patch(url, headers=bare(shop))
    assert r.status_code == 400 and r.json() == {"status_value": ["This field is required."]}
    listed = await client.get(
        "/api/v2/orders", params={"payment_status": "FAILED"}, headers=bare(shop)
    )
    assert listed.json()["count"] == 1
    listed = await client.get("/api/v2/orders", params={"status": "PAID"}, headers=bare(shop))
    assert listed.json()["count"] == 0


async def test_statuses_in_an_upsert_are_merged(client: httpx.AsyncClient, shop: Tenant) -> None:
    first = [{"name": "PAID", "date": "2025-10-23T10:00:00Z"}]
    await upsert(client, shop, {**SEED_ORDER, "statuses": first})
    both = [*first, {"name": "PICKING", "date": "2025-10-23T12:00:00Z"}]
    order = await upsert(client, shop, {**SEED_ORDER, "statuses": both}, 200)
    assert [(s["name"], s["date"][:19]) for s in order["statuses"]] == [
        ("PAID", "2025-10-23T10:00:00"),
        ("PICKING", "2025-10-23T12:00:00"),
    ]
    assert order["processing_status"] == "PICKING" and order["payment_status"] == "PAID"


# ---- list -------------------------------------------------------------------------------


async def test_list_filters_and_pages(client: httpx.AsyncClient, shop: Tenant) -> None:
    await make_store(client, shop, "shop-uk")
    for i in range(3):
        await upsert(client, shop, {**SEED_ORDER, "code": f"L-{i}"})
    await upsert(client, shop, {**SEED_ORDER, "code": "L-uk", "store_id": "shop-uk"})
    h = bare(shop)
    page = (await client.get("/api/v2/orders", params={"page_size": 2}, headers=h)).json()
    assert (page["count"], page["total_pages"], len(page["results"])) == (4, 2, 2)
    assert page["results"][0]["code"] == "L-uk"  # newest first
    r = await client.get("/api/v2/orders", params={"page": 3, "page_size": 2}, headers=h)
    assert r.status_code == 404
    uk = (await client.get("/api/v2/orders", params={"store_id": "shop-uk"}, headers=h)).json()
    assert [o["code"] for o in uk["results"]] == ["L-uk"]
    r = await client.get(
        "/api/v2/orders", params={"updated_at_from": "2999-01-01T00:00:00Z"}, headers=h
    )
    assert r.json()["count"] == 0
    r = await client.get("/api/v2/orders", params={"updated_at_from": "yesterday"}, headers=h)
    assert r.status_code == 400
    r = await client.get("/api/v2/orders", params={"ordering": "code"}, headers=h)
    assert r.status_code == 200  # an unknown ordering field is ignored, as DRF does
    default = (await client.get("/api/v2/orders", headers=h)).json()["results"]
    assert r.json()["results"] == default
    new = (await client.get("/api/v2/orders", params={"status": "NEW"}, headers=h)).json()
    assert new["count"] == 4


async def test_list_query_count_is_constant(
    client: httpx.AsyncClient, shop: Tenant, count_queries: Any
) -> None:
    async def queries_for_page() -> int:
        with count_queries() as qc:
            r = await client.get("/api/v2/orders", params={"page_size": 50}, headers=bare(shop))
        assert r.status_code == 200
        return qc.count

    await upsert(client, shop, {**SEED_ORDER, "statuses": [{"name": "PAID"}]})
    await queries_for_page()  # warm: the token is remembered after its first use
    one = await queries_for_page()
    batch = [
        {**SEED_ORDER, "code": f"N-{i}", "statuses": [{"name": "PAID"}, {"name": "PICKING"}]}
        for i in range(30)
    ]
    r = await client.post("/api/v2/orders/bulk", json=batch, headers=bare(shop))
    assert r.json()["created"] == 30
    many = await queries_for_page()
    assert one == many


# ---- tickets meet orders ----------------------------------------------------------------


async def test_ticket_filed_after_the_order_is_bound(
    client: httpx.AsyncClient, shop: Tenant
) -> None:
    order = await upsert(client, shop, SEED_ORDER)
    ticket = await create_ticket(
        client,
        shop,
        order_id="ORD-2025-001",
        customer={"name": "John", "email": "JOHN@example.com"},
        products=[{"name": "Smartphone XY", "product_id": "PROD-001"}],
    )
    assert ticket["verification_state"] == "VERIFIED_AUTOMATICALLY"
    assert ticket["bound_order"]["id"] == order["id"]
    assert ticket["bound_order"]["code"] == "ORD-2025-001"
    assert ticket["bound_order"]["currency"] == "USD"
    assert ticket["products"][0]["bound_order_item"] == order["items"][0]["id"]


async def test_order_synchronised_after_the_ticket_binds_it(
    client: httpx.AsyncClient, shop: Tenant
) -> None:
    ticket = await create_ticket(
        client, shop, order_id="ORD-LATE", customer={"email": "john@example.com"}
    )
    await add_product(client, shop, ticket["id"], product_id="PROD-001")
    stranger = await create_ticket(
        client, shop, order_id="ORD-LATE", customer={"email": "mallory@example.com"}
    )
    assert ticket["verification_state"] == "NOT_VERIFIED"
    order = await upsert(client, shop, {**SEED_ORDER, "code": "ORD-LATE"})
    t = (await client.get(f"/api/v2/tickets/{ticket['id']}", headers=shop.headers)).json()
    assert t["verification_state"] == "VERIFIED_AUTOMATICALLY"
    assert t["bound_order"]["id"] == order["id"]
    assert t["products"][0]["bound_order_item"] == order["items"][0]["id"]
    s = (await client.get(f"/api/v2/tickets/{stranger['id']}", headers=shop.headers)).json()
    assert s["verification_state"] == "NOT_VERIFIED" and s["bound_order"] is None
    # Items replaced by a later upsert: the ticket's product follows the new item.
    again = await upsert(client, shop, {**SEED_ORDER, "code": "ORD-LATE"}, 200)
    t = (await client.get(f"/api/v2/tickets/{ticket['id']}", headers=shop.headers)).json()
    assert t["products"][0]["bound_order_item"] == again["items"][0]["id"]


async def test_bulk_binds_waiting_tickets(client: httpx.AsyncClient, shop: Tenant) -> None:
    ticket = await create_ticket(
        client, shop, order_id="ORD-B", customer={"email": "john@example.com"}
    )
    r = await client.post(
        "/api/v2/orders/bulk",
        json=[{**SEED_ORDER, "code": "ORD-A"}, {**SEED_ORDER, "code": "ORD-B"}],
        headers=bare(shop),
    )
    order_id = r.json()["results"][1]["id"]
    t = (await client.get(f"/api/v2/tickets/{ticket['id']}", headers=shop.headers)).json()
    assert t["bound_order"]["id"] == order_id


async def test_order_events_are_recorded(client: httpx.AsyncClient, shop: Tenant, db: Any) -> None:
    from sqlalchemy import select

    from ticketry.domain.events.models import Event

    order = await upsert(client, shop, SEED_ORDER)
    await upsert(client, shop, SEED_ORDER, 200)
    await client.patch(
        f"/api/v2/orders/{order['id']}/status",
        params={"status_value": "PAID"},
        headers=bare(shop),
    )
    await client.patch(f"/api/v2/orders/{order['id']}", json={"language": "cs"}, headers=bare(shop))
    types = list(
        await db.scalars(
            select(Event.event_type)
            .where(Event.account_id == shop.account_id, Event.entity_type == "order")
            .order_by(Event.id)
        )
    )
    assert types == ["order.created", "order.updated", "order.status_changed", "order.updated"]


# ---- OpenAPI ----------------------------------------------------------------------------


async def test_orders_are_documented_and_answers_match(
    client: httpx.AsyncClient, shop: Tenant
) -> None:
    import jsonschema

    doc = (await client.get("/api/v2/schema")).json()
    ops = {(m.upper(), p) for p, item in doc["paths"].items() for m in item if m != "parameters"}
    assert {
        ("GET", "/api/v2/orders"),
        ("POST", "/api/v2/orders"),
        ("POST", "/api/v2/orders/bulk"),
        ("GET", "/api/v2/orders/{order_id}"),
        ("PATCH", "/api/v2/orders/{order_id}"),
        ("PATCH", "/api/v2/orders/{order_id}/status"),
        ("GET", "/api/v2/store-ids"),
        ("POST", "/api/v2/store-ids"),
    } <= ops
    create = doc["paths"]["/api/v2/orders"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "OrderUpsert"
    )
    assert {"200", "201"} <= set(create["responses"])

    def check(instance: Any, component: str) -> None:
        schema = {"$ref": f"#/components/schemas/{component}", "components": doc["components"]}
        jsonschema.validate(instance, schema)

    order = await upsert(client, shop, {**SEED_ORDER, "statuses": [{"name": "PAID"}]})
    check(order, "OrderOut")
    check(await upsert(client, shop, SEED_ORDER, 200), "OrderOut")
    r = await client.post("/api/v2/orders/bulk", json=[SEED_ORDER, {}], headers=bare(shop))
    check(r.json(), "BulkOut")
