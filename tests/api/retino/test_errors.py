"""Retino error shapes, request limits, and random bodies that must never be a 5xx."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Tenant
from tests.factories import add_product, create_ticket, ticket_body
from ticketry.app import TicketryApp, create_app


async def test_body_over_the_limit_is_413(app: TicketryApp, tenant: Tenant) -> None:
    small = create_app(replace(app.settings, max_body_bytes=2048))
    await small.startup()
    try:
        transport = httpx.ASGITransport(app=small)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            body = ticket_body(customer={"email": "a@example.com", "name": "x" * 4000})
            r = await c.post("/api/v2/tickets", json=body, headers=tenant.headers)
            assert r.status_code == 413, r.text
            assert r.json() == {"detail": "Request body is too large."}
            r = await c.post("/api/v2/tickets", json=ticket_body(), headers=tenant.headers)
            assert r.status_code == 201
    finally:
        await small.shutdown()


async def test_wrong_method_is_405(client: httpx.AsyncClient, tenant: Tenant) -> None:
    t = await create_ticket(client, tenant)
    for method, path in (
        ("DELETE", "/api/v2/tickets"),
        ("DELETE", f"/api/v2/tickets/{t['id']}"),
        ("GET", f"/api/v2/tickets/{t['id']}/close"),
        ("POST", "/api/v2/states"),
        ("GET", "/api/v2/internal-note"),
    ):
        r = await client.request(method, path, headers=tenant.headers)
        assert r.status_code == 405, (method, path)
        assert r.json() == {"detail": f'Method "{method}" not allowed.'}


async def test_unknown_paths_are_404(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for path in ("/api/v2/nope", "/api/v2/tickets/x/y/z", "/api/v2/", "/nowhere"):
        r = await client.get(path, headers=tenant.headers)
        assert r.status_code == 404, path
        assert r.json() == {"detail": "Not found."}


async def test_ids_that_are_not_uuids(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for path in ("/api/v2/tickets/123", "/api/v2/retino-credit-notes/abc"):
        r = await client.get(path, headers=tenant.headers)
        assert r.status_code in (400, 404), path
        assert "detail" in r.json()


async def test_long_company_is_400_not_500(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.post(
        "/api/v2/tickets", json=ticket_body(company="c" * 201), headers=tenant.headers
    )
    assert r.status_code == 400 and set(r.json()) == {"company"}


@pytest.mark.parametrize(
    "value", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "2025-02-30T00:00:00Z"]
)
async def test_dates_at_the_edge_of_time(
    client: httpx.AsyncClient, tenant: Tenant, value: str
) -> None:
    r = await client.post(
        "/api/v2/tickets", json=ticket_body(order_date=value), headers=tenant.headers
    )
    assert r.status_code == 400, r.text
    assert set(r.json()) == {"order_date"}
    r = await client.get(
        "/api/v2/tickets", params={"created_at_from": value}, headers=tenant.headers
    )
    assert r.status_code in (200, 400), r.text


async def test_failed_write_changes_nothing(client: httpx.AsyncClient, tenant: Tenant) -> None:
    t = await create_ticket(client, tenant)
    r = await client.patch(
        f"/api/v2/tickets/{t['id']}",
        json={"currency": "EUR", "country": "QQ", "customer": {"name": "Changed"}},
        headers=tenant.headers,
    )
    assert r.status_code == 400 and set(r.json()) == {"country"}
    r = await client.get(f"/api/v2/tickets/{t['id']}", headers=tenant.headers)
    assert r.json() == t


# ---- random bodies --------------------------------------------------------------------

KEYS = [
    "customer",
    "name",
    "email",
    "phone",
    "currency",
    "language",
    "country",
    "order_id",
    "order_date",
    "type",
    "state",
    "owner",
    "tags",
    "company",
    "custom_fields",
    "resolve_by",
    "refund_account",
    "products",
    "price",
    "with_vat",
    "without_vat",
    "vat",
    "amount",
    "serial",
    "ean",
    "ticket",
    "text",
    "is_unread",
    "customer_rating",
    "customer_rating_comment",
]
ODD_STRINGS = [
    "",
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "1e999",
    "-0",
    "0x10",
    "null",
    "true",
    "CZK",
    "cs",
    "CZ",
    "2025-01-15",
    "2025-13-45",
    "9999-12-31T23:59:59-05:00",
    "0001-01-01T00:00:00+14:00",
    "2025-01-15T00:00:00.000Z",
    "00000000-0000-0000-0000-000000000000",
    "a@b.cz",
    "\x00",
    "🙂" * 50,
    "x" * 300,
    "y" * 70_000,
    "' OR 1=1 --",
    "%_\\",
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(ODD_STRINGS)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=20,
)
bodies = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8) | json_values


@pytest.fixture
async def target(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, Any]:
    t = await create_ticket(client, tenant)
    p = await add_product(client, tenant, t["id"])
    return {"ticket": t["id"], "product": p["id"]}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=bodies, which=st.sampled_from(range(6)))
async def test_random_bodies_are_never_5xx(
    client: httpx.AsyncClient, tenant: Tenant, target: dict[str, Any], body: Any, which: int
) -> None:
    t, p = target["ticket"], target["product"]
    method, path = [
        ("POST", "/api/v2/tickets"),
        ("PATCH", f"/api/v2/tickets/{t}"),
        ("PUT", f"/api/v2/tickets/{t}"),
        ("POST", f"/api/v2/tickets/{t}/products"),
        ("PATCH", f"/api/v2/tickets/{t}/products/{p}"),
        ("POST", "/api/v2/internal-note"),
    ][which]
    if isinstance(body, dict) and path == "/api/v2/internal-note" and "ticket" in body:
        body["ticket"] = t if body["ticket"] is None else body["ticket"]

    async def snapshot() -> tuple[Any, int]:
        detail = await client.get(f"/api/v2/tickets/{t}", headers=tenant.headers)
        listing = await client.get("/api/v2/tickets", headers=tenant.headers)
        return detail.json(), listing.json()["count"]

    before = await snapshot()
    r = await client.request(method, path, json=body, headers=tenant.headers)
    assert r.status_code < 500, (method, path, body, r.text)
    assert isinstance(r.json(), dict)
    if r.status_code >= 400:
        assert await snapshot() == before, (method, path, body, r.text)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "page",
                "page_size",
                "ordering",
                "is_closed",
                "created_at_from",
                "updated_at_from",
                "closed_at_from",
                "search",
            ]
        ),
        st.text(max_size=40) | st.sampled_from(ODD_STRINGS[:20]),
        max_size=4,
    )
)
async def test_random_query_strings_are_never_5xx(
    client: httpx.AsyncClient, tenant: Tenant, params: dict[str, str]
) -> None:
    for path in ("/api/v2/tickets", "/api/v2/tickets/search", "/api/v2/states"):
        r = await client.get(path, params=params, headers=tenant.headers)
        assert r.status_code in (200, 400, 404), (path, params, r.text)


async def test_every_bad_field_at_once_wire_and_rules_together(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    # The body: a currency of the wrong type, a bad e-mail, no language.
    body = {"customer": {"name": "Jan", "email": "not-an-email"}, "currency": 5}
    r = await client.post("/api/v2/tickets", json=body, headers=tenant.headers)
    assert r.status_code == 400
    assert r.json() == {
        "currency": ["Not a valid string."],
        "language": ["This field is required."],
        "customer": {"email": ["Enter a valid email address."]},
    }
    t = await create_ticket(client, tenant)
    r = await client.patch(
        f"/api/v2/tickets/{t['id']}",
        json={"order_date": "yesterday", "currency": "EURO", "type": 7, "is_unread": "maybe"},
        headers=tenant.headers,
    )
    assert r.status_code == 400
    assert r.json() == {
        "order_date": [
            "Datetime has wrong format. Use one of these formats instead: "
            "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
        ],
        "type": ["Must be a valid UUID."],
        "is_unread": ["Must be a valid boolean."],
        "currency": ['"EURO" is not a valid ISO 4217 currency code.'],
    }
    r = await client.get(f"/api/v2/tickets/{t['id']}", headers=tenant.headers)
    assert r.json()["currency"] == t["currency"]  # nothing half-written
