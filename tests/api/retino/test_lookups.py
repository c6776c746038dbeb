"""Retino lookup lists over HTTP: shape, pagination, auth, tenancy, query counts."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Tenant
from ticketry.domain.accounts.models import Account, User
from ticketry.domain.catalog.models import (
    CustomField,
    RefundAccount,
    ShippingRoute,
    ShippingType,
    Tag,
    TicketState,
    TicketType,
)

LOOKUPS = [
    "states",
    "tags",
    "types",
    "users",
    "custom-fields",
    "product-custom-fields",
    "shipping-routes",
    "shipping-types",
    "refund-accounts",
]

# The fields of each object (WIRE-NOTES §1: names are {lang: str} objects).
SHAPES: dict[str, set[str]] = {
    "states": {"id", "name"},
    "tags": {"id", "fgcolor", "bgcolor", "name"},
    "types": {"id", "name"},
    "users": {
        "id",
        "role",
        "email",
        "full_name",
        "phone_number",
        "last_activity_at",
        "date_joined",
    },
    "custom-fields": {"id", "key", "type", "position", "name", "options"},
    "product-custom-fields": {"id", "key", "type", "position", "name", "options"},
    "shipping-routes": {"id", "name", "carrier", "shipping_type", "direction", "countries"},
    "shipping-types": {"id", "code", "name"},
    "refund-accounts": {"id", "name", "bank_account", "currency", "due_date"},
}
LOCALIZED = {"states", "tags", "types", "custom-fields", "product-custom-fields"}
LOCALIZED |= {"shipping-routes", "shipping-types"}


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(value)
    except (TypeError, ValueError):
        return False
    return True


def _is_localized(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and bool(value)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    )


async def _account(db: AsyncSession, tenant: Tenant) -> Account:
    account = await db.get(Account, tenant.account_id)
    assert account is not None
    return account


# One more row of each list, written straight to the database.
async def _add_row(db: AsyncSession, path: str, tenant: Tenant, n: int) -> None:
    aid = tenant.account_id
    name = {"cs": f"Řádek {n}", "en": f"Row {n}"}
    if path == "states":
        db.add(TicketState(account_id=aid, name=name, status="open", position=100 + n))
    elif path == "tags":
        db.add(Tag(account_id=aid, name=name, label=f"row-{n}", fgcolor="#000", bgcolor="#fff"))
    elif path == "types":
        db.add(TicketType(account_id=aid, name=name, kind="other", position=100 + n))
    elif path == "users":
        db.add(User(account_id=aid, email=f"user{n}-{uuid.uuid4().hex[:6]}@example.com"))
    elif path in ("custom-fields", "product-custom-fields"):
        target = "ticket" if path == "custom-fields" else "product"
        db.add(
            CustomField(
                account_id=aid,
                target=target,
                key=f"field_{n}_{uuid.uuid4().hex[:6]}",
                type="MULTI_SELECT",
                position=100 + n,
                name=name,
                options=[{"id": str(uuid.uuid4()), "label": name}],
            )
        )
    elif path == "shipping-types":
        db.add(ShippingType(account_id=aid, code=f"TYPE_{n}", name=name))
    elif path == "shipping-routes":
        shipping_type = await db.scalar(
            select(ShippingType).where(ShippingType.account_id == aid).limit(1)
        )
        assert shipping_type is not None
        db.add(
            ShippingRoute(
                account_id=aid,
                name=name,
                carrier="DPD",
                shipping_type_id=shipping_type.id,
                countries=["CZ"],
            )
        )
    elif path == "refund-accounts":
        db.add(
            RefundAccount(
                account_id=aid,
                name=f"Account {n}",
                bank_account="19-2000145399/0800",
                currency="EUR",
                due_date=30,
            )
        )
    await db.commit()


@pytest.mark.parametrize("path", LOOKUPS)
async def test_shape_and_envelope(client: httpx.AsyncClient, tenant: Tenant, path: str) -> None:
    r = await client.get(f"/api/v2/{path}", headers=tenant.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"count", "current_page", "total_pages", "results"}
    assert body["current_page"] == 1 and body["total_pages"] == 1
    assert body["count"] == len(body["results"]) >= 1
    for row in body["results"]:
        assert set(row) == SHAPES[path], row
        assert _is_uuid(row["id"])
        if path in LOCALIZED:
            assert _is_localized(row["name"]), row
    if path in ("custom-fields", "product-custom-fields"):
        for row in body["results"]:
            assert isinstance(row["position"], int)
            for option in row["options"]:
                assert set(option) == {"id", "label"} and _is_localized(option["label"])
    if path == "tags":
        assert all(row["fgcolor"].startswith("#") for row in body["results"])
    if path == "users":
        (user,) = body["results"]
        assert user["id"] == str(tenant.user_public_id) and user["role"] == "admin"
        assert user["last_activity_at"] is None and user["date_joined"]
    if path == "shipping-routes":
        types = await client.get("/api/v2/shipping-types", headers=tenant.headers)
        type_ids = {t["id"] for t in types.json()["results"]}
        assert {row["shipping_type"] for row in body["results"]} <= type_ids
    if path == "refund-accounts":
        (account,) = body["results"]
        assert isinstance(account["due_date"], int) and account["currency"] == "CZK"


async def test_default_reference_data(client: httpx.AsyncClient, tenant: Tenant) -> None:
    states = (await client.get("/api/v2/states", headers=tenant.headers)).json()["results"]
    assert states[0]["name"]["en"] == "New"
    assert len(states) == 6
    fields = (await client.get("/api/v2/custom-fields", headers=tenant.headers)).json()
    assert [f["key"] for f in fields["results"]] == ["resolve_by", "refund_account"]
    assert [f["type"] for f in fields["results"]] == ["DATE", "BANK_ACCOUNT"]
    products = (await client.get("/api/v2/product-custom-fields", headers=tenant.headers)).json()
    (field,) = products["results"]
    assert field["type"] == "SINGLE_SELECT" and len(field["options"]) == 3
    assert field["key"] == field["id"]  # product fields are keyed by id on the wire


@pytest.mark.parametrize("path", ["states", "tags", "types"])
async def test_page_size_and_pages(client: httpx.AsyncClient, tenant: Tenant, path: str) -> None:
    everything = (await client.get(f"/api/v2/{path}", headers=tenant.headers)).json()
    count = everything["count"]
    assert count >= 3
    seen: list[str] = []
    for page in (1, 2):
        r = await client.get(
            f"/api/v2/{path}", params={"page": page, "page_size": 2}, headers=tenant.headers
        )
        assert r.status_code == 200
        body = r.json()
        assert body["count"] == count and body["current_page"] == page
        assert body["total_pages"] == (count + 1) // 2
        assert len(body["results"]) == min(2, count - 2 * (page - 1))
        seen += [row["id"] for row in body["results"]]
    assert seen == [row["id"] for row in everything["results"]][:4]
    r = await client.get(f"/api/v2/{path}", params={"page": 99}, headers=tenant.headers)
    assert r.status_code == 404 and r.json() == {"detail": "Invalid page."}
    for bad in ("0", "x", "-1"):
        r = await client.get(f"/api/v2/{path}", params={"page": bad}, headers=tenant.headers)
        assert r.status_code == 404
    r = await client.get(f"/api/v2/{path}", params={"page_size": "x"}, headers=tenant.headers)
    assert r.status_code == 200 and r.json()["count"] == count


@pytest.mark.parametrize("path", LOOKUPS)
async def test_401_without_token(client: httpx.AsyncClient, path: str) -> None:
    r = await client.get(f"/api/v2/{path}")
    assert r.status_code == 401
    assert r.json() == {"detail": "Authentication credentials were not provided."}
    r = await client.get(f"/api/v2/{path}", headers={"Authorization": "Token nope"})
    assert r.status_code == 401 and r.json() == {"detail": "Invalid token."}


@pytest.mark.parametrize("path", LOOKUPS)
async def test_other_accounts_rows_never_appear(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant, other_tenant: Tenant, path: str
) -> None:
    await _add_row(db, path, other_tenant, 1)
    mine = (await client.get(f"/api/v2/{path}", headers=tenant.headers)).json()
    theirs = (await client.get(f"/api/v2/{path}", headers=other_tenant.headers)).json()
    assert theirs["count"] == mine["count"] + 1
    assert not {r["id"] for r in mine["results"]} & {r["id"] for r in theirs["results"]}


@pytest.mark.parametrize("path", LOOKUPS)
async def test_query_count_does_not_grow(
    client: httpx.AsyncClient,
    db: AsyncSession,
    tenant: Tenant,
    path: str,
    count_queries: Callable[[], Any],
) -> None:
    async def measure() -> int:
        await client.get(f"/api/v2/{path}", headers=tenant.headers)  # the token remembered
        with count_queries() as qc:
            r = await client.get(f"/api/v2/{path}", headers=tenant.headers)
        assert r.status_code == 200
        # Reads only: transaction control and request bookkeeping (rate limits) aside.
        return sum(1 for st in qc.statements if st.lstrip().upper().startswith("SELECT"))

    few = await measure()
    for n in range(5):
        await _add_row(db, path, tenant, n)
    many = await measure()
    body = (await client.get(f"/api/v2/{path}", headers=tenant.headers)).json()
    assert body["count"] >= 6
    assert many == few, path
    assert many <= 3  # count, page (+ shipping types for the routes)
