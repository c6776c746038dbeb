"""Retino products in a ticket over HTTP: list, add, detail, PUT/PATCH, DELETE."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Tenant
from tests.factories import add_product, create_ticket, ticket_body

PRODUCT_KEYS = {
    "id",
    "bound_order_item",
    "price",
    "files",
    "name",
    "manufacturer",
    "category",
    "product_id",
    "variant",
    "ean",
    "serial",
    "amount",
    "custom_fields",
}


def _url(ticket_id: str, product_id: str | None = None) -> str:
    base = f"/api/v2/tickets/{ticket_id}/products"
    return f"{base}/{product_id}" if product_id else base


async def _condition_field(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, Any]:
    r = await client.get("/api/v2/product-custom-fields", headers=tenant.headers)
    (field,) = [f for f in r.json()["results"] if f["type"] == "SINGLE_SELECT"]
    return field


async def test_add_list_detail(client: httpx.AsyncClient, tenant: Tenant) -> None:
    t = await create_ticket(client, tenant)
    p = await add_product(client, tenant, t["id"])
    assert set(p) == PRODUCT_KEYS
    assert p["name"] == "MacBook Pro" and p["manufacturer"] == "Apple"
    assert p["category"] == "Notebooky" and p["variant"] == "Space Black"
    assert p["product_id"] == "MBP-2024" and p["amount"] == "1.0000"
    assert p["price"] == {"with_vat": "45000.0000", "without_vat": None, "vat": None}
    assert p["files"] == [] and p["bound_order_item"] is None and p["serial"] is None
    assert p["ean"] == "" and p["custom_fields"] == {}

    r = await client.get(_url(t["id"]), headers=tenant.headers)
    assert r.status_code == 200 and r.json() == [p]
    r = await client.get(_url(t["id"], p["id"]), headers=tenant.headers)
    assert r.status_code == 200 and r.json() == p
    r = await client.get(f"/api/v2/tickets/{t['id']}", headers=tenant.headers)
    assert r.json()["products"] == [p]


async def test_amount_defaults_to_one_and_products_keep_their_order(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    t = await create_ticket(client, tenant)
    names = ["A", "B", "C"]
    for name in names:
        r = await client.post(_url(t["id"]), json={"name": name}, headers=tenant.headers)
        assert r.status_code == 201, r.text
        assert r.json()["amount"] == "1.0000"
        assert r.json()["price"] == {"with_vat": None, "without_vat": None, "vat": None}
    r = await client.get(_url(t["id"]), headers=tenant.headers)
    assert [p["name"] for p in r.json()] == names


async def test_patch_as_in_the_seed(client: httpx.AsyncClient, tenant: Tenant) -> None:
    t = await create_ticket(client, tenant)
    p = await add_product(client, tenant, t["id"])
    r = await client.patch(
        _url(t["id"], p["id"]),
        json={"amount": "2.0000", "price": {"with_vat": "90000.0000"}},
        headers=tenant.headers,
    )
    assert r.status_code == 200, r.text
    u = r.json()
    assert u["amount"] == "2.0000" and u["price"]["with_vat"] == "90000.0000"
    assert {k: v for k, v in u.items() if k not in ("amount", "price")} == {
        k: v for k, v in p.items() if k not in ("amount", "price")
    }


async def test_patch_price_replaces_the_whole_price(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """A price object is one value: parts a PATCH leaves out become null, so a stored price
    can never end up inconsistent (1000 + 210 with a new with_vat of 90000)."""
    t = await create_ticket(client, tenant)
    p = await add_product(
        client,
        tenant,
        t["id"],
        price={"with_vat": "1210.0000", "without_vat": "1000.0000", "vat": "210.0000"},
    )
    r = await client.patch(
        _url(t["id"], p["id"]), json={"price": {"with_vat": "90000"}}, headers=tenant.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["price"] == {"with_vat": "90000.0000", "without_vat": None, "vat": None}
    r = await client.patch(_url(t["id"], p["id"]), json={"price": None}, headers=tenant.headers)
    assert r.status_code == 200
    assert r.json()["price"] == {"with_vat": None, "without_vat": None, "vat": None}
    r = await client.patch(_url(t["id"], p["id"]), json={"name": "X"}, headers=tenant.headers)
    assert r.json()["price"] == {"with_vat": None, "without_vat": None, "vat": None}


async def test_put_requires_name_and_updates(client: httpx.AsyncClient, tenant: Tenant) -> None:
    t = await create_ticket(client, tenant)
    p = await add_product(client, tenant, t["id"])
    r = await client.put(_url(t["id"], p["id"]), json={"amount": "3"}, headers=tenant.headers)
    assert r.status_code == 400 and r.json() == {"name": ["This field is required."]}
    r = await client.put(
        _url(t["id"], p["id"]),
        json={"name": "iPhone 15", "amount": "3", "serial": "SN-1", "ean": "123"},
        headers=tenant.headers,
    )
    assert r.status_code == 200, r.text
    u = r.json()
    assert (u["name"], u["amount"], u["serial"], u["ean"]) == ("iPhone 15", "3.0000", "SN-1", "123")
    assert u["id"] == p["id"]


async def test_delete(client: httpx.AsyncClient, tenant: Tenant) -> None:
    t = await create_ticket(client, tenant)
    p = await add_product(client, tenant, t["id"])
    keep = await add_product(client, tenant, t["id"], name="Keep me")
    r = await client.delete(_url(t["id"], p["id"]), headers=tenant.headers)
    assert r.status_code == 204 and r.content == b""
    r = await client.get(_url(t["id"], p["id"]), headers=tenant.headers)
    assert r.status_code == 404 and r.json() == {"detail": "Not found."}
    r = await client.delete(_url(t["id"], p["id"]), headers=tenant.headers)
    assert r.status_code == 404
    r = await client.get(_url(t["id"]), headers=tenant.headers)
    assert [x["id"] for x in r.json()] == [keep["id"]]


@pytest.mark.parametrize(
    ("price", "message"),
    [
        (
            {"with_vat": "1200", "without_vat": "1000", "vat": "210"},
            "Price mismatch: 1000 + 210 ≠ 1200",
        ),
        (
            {"with_vat": "1200.5000", "without_vat": "1000.25", "vat": "200"},
            "Price mismatch: 1000.25 + 200 ≠ 1200.5",
        ),
    ],
)
async def test_price_must_add_up(
    client: httpx.AsyncClient, tenant: Tenant, price: dict[str, str], message: str
) -> None:
    t = await create_ticket(client, tenant)
    r = await client.post(_url(t["id"]), json={"name": "X", "price": price}, headers=tenant.headers)
    assert r.status_code == 400 and r.json() == {"price": [message]}
    p = await add_product(client, tenant, t["id"])
    r = await client.patch(_url(t["id"], p["id"]), json={"price": price}, headers=tenant.headers)
    assert r.status_code == 400 and r.json() == {"price": [message]}
    r = await client.get(_url(t["id"], p["id"]), headers=tenant.headers)
    assert r.json() == p


async def test_consistent_and_partial_prices(client: httpx.AsyncClient, tenant: Tenant) -> None:
    t = await create_ticket(client, tenant)
    for price in (
        {"with_vat": "1210", "without_vat": "1000", "vat": "210"},
        {"with_vat": "1210", "vat": "210"},
        {"without_vat": "1000"},
        {"with_vat": None, "without_vat": "0", "vat": None},
    ):
        r = await client.post(
            _url(t["id"]), json={"name": "X", "price": price}, headers=tenant.headers
        )
        assert r.status_code == 201, (price, r.text)
        out = r.json()["price"]
        for part in ("with_vat", "without_vat", "vat"):
            sent = price.get(part)
            assert out[part] == (None if sent is None else f"{sent}.0000")


@pytest.mark.parametrize(
    "price",
    [
        {"with_vat": "abc"},
        {"with_vat": "NaN"},
        {"vat": "Infinity"},
        {"with_vat": "1e20"},
        {"with_vat": [1]},
        "1200",
    ],
)
async def test_bad_prices(client: httpx.AsyncClient, tenant: Tenant, price: Any) -> None:
    t = await create_ticket(client, tenant)
    r = await client.post(_url(t["id"]), json={"name": "X", "price": price}, headers=tenant.headers)
    assert r.status_code == 400, r.text
    assert set(r.json()) == {"price"}


@pytest.mark.parametrize("amount", ["0", "-1", "abc", "NaN", "Infinity", "100000000", None, [1]])
async def test_amount_validation(client: httpx.AsyncClient, tenant: Tenant, amount: Any) -> None:
    t = await create_ticket(client, tenant)
    r = await client.post(
        _url(t["id"]), json={"name": "X", "amount": amount}, headers=tenant.headers
    )
    assert r.status_code == 400, r.text
    assert set(r.json()) == {"amount"}
    p = await add_product(client, tenant, t["id"])
    r = await client.patch(_url(t["id"], p["id"]), json={"amount": amount}, headers=tenant.headers)
    assert r.status_code == 400 and set(r.json()) == {"amount"}


@pytest.mark.parametrize("amount", ["0.5", "2", 3, "99999999.9999"])
async def test_good_amounts(client: httpx.AsyncClient, tenant: Tenant, amount: Any) -> None:
    t = await create_ticket(client, tenant)
    r = await client.post(
        _url(t["id"]), json={"name": "X", "amount": amount}, headers=tenant.headers
    )
    assert r.status_code == 201, r.text
    assert r.json()["amount"] == f"{float(amount):.4f}"


async def test_name_and_text_limits(client: httpx.AsyncClient, tenant: Tenant) -> None:
    t = await create_ticket(client, tenant)
    for body in ({}, {"name": ""}, {"name": None}):
        r = await client.post(_url(t["id"]), json=body, headers=tenant.headers)
        assert r.status_code == 400 and set(r.json()) == {"name"}, body
    p = await add_product(client, tenant, t["id"])
    for change in (client.patch, client.put):  # a product keeps a name on change too
        r = await change(_url(t["id"], p["id"]), json={"name": " "}, headers=tenant.headers)
        assert r.status_code == 400, r.text
        assert r.json() == {"name": ["This field may not be blank."]}
    r = await client.post(
        _url(t["id"]),
        json={"name": "x" * 256, "ean": "1" * 65, "serial": "s" * 101, "variant": "v" * 201},
        headers=tenant.headers,
    )
    assert r.status_code == 400
    assert set(r.json()) == {"name", "ean", "serial", "variant"}
    r = await client.post(
        _url(t["id"]), json={"name": 1, "manufacturer": 5, "ean": []}, headers=tenant.headers
    )
    assert r.status_code == 400 and set(r.json()) == {"name", "manufacturer", "ean"}


async def test_single_select_custom_field(client: httpx.AsyncClient, tenant: Tenant) -> None:
    field = await _condition_field(client, tenant)
    option = field["options"][0]["id"]
    t = await create_ticket(client, tenant)
    r = await client.post(
        _url(t["id"]),
        json={"name": "X", "custom_fields": {field["id"]: option}},
        headers=tenant.headers,
    )
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["custom_fields"] == {field["id"]: option}

    for bad in ("74ea523e-ea95-44d4-85ff-758c485ff77d", 1, [option], True):
        r = await client.patch(
            _url(t["id"], p["id"]),
            json={"custom_fields": {field["id"]: bad}},
            headers=tenant.headers,
        )
        assert r.status_code == 400, bad
        assert set(r.json()["custom_fields"]) == {field["id"]}
    r = await client.patch(
        _url(t["id"], p["id"]),
        json={"custom_fields": {"no-such-field": "x"}},
        headers=tenant.headers,
    )
    assert r.status_code == 400
    assert r.json() == {"custom_fields": {"no-such-field": ["Unknown custom field."]}}
    r = await client.get(_url(t["id"], p["id"]), headers=tenant.headers)
    assert r.json()["custom_fields"] == {field["id"]: option}

    other = field["options"][2]["id"]
    r = await client.patch(
        _url(t["id"], p["id"]), json={"custom_fields": {field["id"]: other}}, headers=tenant.headers
    )
    assert r.status_code == 200 and r.json()["custom_fields"] == {field["id"]: other}
    r = await client.patch(
        _url(t["id"], p["id"]), json={"custom_fields": {field["id"]: None}}, headers=tenant.headers
    )
    assert r.status_code == 200 and r.json()["custom_fields"] == {}


async def test_option_of_another_account_is_rejected(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = await _condition_field(client, tenant)
    theirs = await _condition_field(client, other_tenant)
    t = await create_ticket(client, tenant)
    r = await client.post(
        _url(t["id"]),
        json={"name": "X", "custom_fields": {mine["id"]: theirs["options"][0]["id"]}},
        headers=tenant.headers,
    )
    assert r.status_code == 400
    r = await client.post(
        _url(t["id"]),
        json={"name": "X", "custom_fields": {theirs["id"]: theirs["options"][0]["id"]}},
        headers=tenant.headers,
    )
    assert r.status_code == 400
    assert r.json() == {"custom_fields": {theirs["id"]: ["Unknown custom field."]}}


async def test_404_across_accounts(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    t = await create_ticket(client, tenant)
    p = await add_product(client, tenant, t["id"])
    calls = [
        ("GET", _url(t["id"]), None),
        ("POST", _url(t["id"]), {"name": "X"}),
        ("GET", _url(t["id"], p["id"]), None),
        ("PUT", _url(t["id"], p["id"]), {"name": "X"}),
        ("PATCH", _url(t["id"], p["id"]), {"name": "X"}),
        ("DELETE", _url(t["id"], p["id"]), None),
    ]
    for method, url, body in calls:
        r = await client.request(method, url, json=body, headers=other_tenant.headers)
        assert r.status_code == 404, (method, url, r.text)
        assert r.json() == {"detail": "Not found."}
    r = await client.get(_url(t["id"]), headers=tenant.headers)
    assert r.json() == [p]


async def test_product_of_another_ticket_is_404(client: httpx.AsyncClient, tenant: Tenant) -> None:
    a = await create_ticket(client, tenant)
    b = await create_ticket(client, tenant)
    p = await add_product(client, tenant, a["id"])
    for method, body in (("GET", None), ("PUT", {"name": "X"}), ("PATCH", {"name": "X"})):
        r = await client.request(method, _url(b["id"], p["id"]), json=body, headers=tenant.headers)
        assert r.status_code == 404, method
    r = await client.delete(_url(b["id"], p["id"]), headers=tenant.headers)
    assert r.status_code == 404
    r = await client.get(_url(a["id"], p["id"]), headers=tenant.headers)
    assert r.status_code == 200 and r.json() == p


async def test_unknown_ids_are_404(client: httpx.AsyncClient, tenant: Tenant) -> None:
    t = await create_ticket(client, tenant)
    missing = "00000000-0000-0000-0000-000000000000"
    r = await client.get(_url(missing), headers=tenant.headers)
    assert r.status_code == 404
    r = await client.post(_url(missing), json={"name": "X"}, headers=tenant.headers)
    assert r.status_code == 404
    r = await client.get(_url(t["id"], missing), headers=tenant.headers)
    assert r.status_code == 404


async def test_search_follows_products(client: httpx.AsyncClient, tenant: Tenant) -> None:
    t = await create_ticket(client, tenant)
    await create_ticket(client, tenant)

    async def found(q: str) -> list[str]:
        r = await client.get("/api/v2/tickets/search", params={"search": q}, headers=tenant.headers)
        return [x["id"] for x in r.json()["results"]]

    assert await found("Žluťoučký") == []
    p = await add_product(client, tenant, t["id"], name="Žluťoučký kůň", serial="SER-77")
    assert await found("zlutoucky kun") == [t["id"]]
    assert await found("ser-77") == [t["id"]]
    r = await client.patch(
        _url(t["id"], p["id"]), json={"name": "Modrý pes"}, headers=tenant.headers
    )
    assert r.status_code == 200
    assert await found("zlutoucky") == []
    assert await found("modry pes") == [t["id"]]
    r = await client.delete(_url(t["id"], p["id"]), headers=tenant.headers)
    assert r.status_code == 204
    assert await found("modry") == []
    assert await found("ser-77") == []


async def test_product_changes_touch_the_ticket(client: httpx.AsyncClient, tenant: Tenant) -> None:
    t = await create_ticket(client, tenant)
    p = await add_product(client, tenant, t["id"])
    after_add = (await client.get(f"/api/v2/tickets/{t['id']}", headers=tenant.headers)).json()
    assert after_add["updated_at"] > t["updated_at"]
    await client.delete(_url(t["id"], p["id"]), headers=tenant.headers)
    after_delete = (await client.get(f"/api/v2/tickets/{t['id']}", headers=tenant.headers)).json()
    assert after_delete["updated_at"] > after_add["updated_at"]
    assert after_delete["products"] == []


async def test_price_with_more_than_4_places_is_400(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    # The column keeps 4 places: a fifth was rounded away silently before.
    t = await create_ticket(client, tenant)
    price = {"with_vat": "12.34567", "without_vat": "10.00001"}
    r = await client.post(_url(t["id"]), json={"name": "X", "price": price}, headers=tenant.headers)
    assert r.status_code == 400, r.text
    message = ["Ensure that there are no more than 4 decimal places."]
    assert r.json() == {"price": {"with_vat": message, "without_vat": message}}
    r = await client.get(_url(t["id"]), headers=tenant.headers)
    assert r.json() == []


RANGE = ["Ensure this value is greater than 0 and below 100000000."]
PLACES = ["Ensure that there are no more than 4 decimal places."]


async def test_product_write_names_wire_and_rule_errors_at_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    # DRF checks every field: a wrong type in one does not hide the rules of the others.
    t = await create_ticket(client, tenant)
    p = await add_product(client, tenant, t["id"])
    r = await client.post(
        _url(t["id"]),
        json={"name": 5, "amount": "0", "price": {"with_vat": "1.123456"}},
        headers=tenant.headers,
    )
    assert r.status_code == 400
    assert r.json() == {
        "name": ["Not a valid string."],
        "amount": RANGE,
        "price": {"with_vat": PLACES},
    }
    r = await client.post(
        _url(t["id"]), json={"name": "", "amount": [1], "ean": 5}, headers=tenant.headers
    )
    assert r.status_code == 400
    assert r.json() == {
        "name": ["This field may not be blank."],
        "amount": ["A valid number is required."],
        "ean": ["Not a valid string."],
    }
    r = await client.patch(
        _url(t["id"], p["id"]),
        json={"name": 5, "amount": "-1", "serial": "s" * 101},
        headers=tenant.headers,
    )
    assert r.status_code == 400
    assert r.json() == {
        "name": ["Not a valid string."],
        "amount": RANGE,
        "serial": ["Ensure this field has no more than 100 characters."],
    }
    r = await client.put(
        _url(t["id"], p["id"]),
        json={"amount": "x", "variant": "v" * 201},
        headers=tenant.headers,
    )
    assert r.status_code == 400
    assert r.json() == {
        "name": ["This field is required."],
        "amount": ["A valid number is required."],
        "variant": ["Ensure this field has no more than 200 characters."],
    }
    r = await client.get(_url(t["id"]), headers=tenant.headers)
    assert r.json() == [p]


async def test_products_of_a_new_ticket_report_per_item(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    # DRF's nested list: one dict per product sent, empty for the good ones; a wrong type in
    # an item does not hide that item's other errors, nor the ticket's.
    products = [
        {"name": "Good"},
        {"name": "x" * 256, "price": {"with_vat": "abc"}, "amount": "0"},
        {"name": "Also good", "amount": "-1"},
        7,
    ]
    r = await client.post(
        "/api/v2/tickets", json=ticket_body(products=products), headers=tenant.headers
    )
    assert r.status_code == 400
    assert r.json() == {
        "products": [
            {},
            {
                "name": ["Ensure this field has no more than 255 characters."],
                "price": {"with_vat": ["A valid number is required."]},
                "amount": RANGE,
            },
            {"amount": RANGE},
            {"non_field_errors": ["Invalid data. Expected a dictionary, but got int."]},
        ]
    }
    # A wire-type error in the ticket does not hide its products' rule errors.
    body = ticket_body(currency=5, products=[{"name": "Good"}, {"name": "X", "amount": "0"}])
    r = await client.post("/api/v2/tickets", json=body, headers=tenant.headers)
    assert r.status_code == 400
    assert r.json() == {"currency": ["Not a valid string."], "products": [{}, {"amount": RANGE}]}
    # Every field of the body decodes: the domain's errors come in the same list shape.
    body = ticket_body(currency="EURO", products=[{"name": "X", "amount": "0"}, {"name": "Good"}])
    r = await client.post("/api/v2/tickets", json=body, headers=tenant.headers)
    assert r.status_code == 400
    assert r.json() == {
        "currency": ['"EURO" is not a valid ISO 4217 currency code.'],
        "products": [{"amount": RANGE}, {}],
    }
    r = await client.get("/api/v2/tickets", headers=tenant.headers)
    assert r.json()["count"] == 0
