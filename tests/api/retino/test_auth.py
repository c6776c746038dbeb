"""Retino authentication and authorisation: token headers, roles, renewal, tenancy."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.api.retino.test_notes import PDF, make_credit_note
from tests.conftest import Tenant, make_tenant
from tests.factories import add_product, create_ticket
from ticketry.app import TicketryApp
from ticketry.domain.accounts.models import User
from ticketry.domain.accounts.services import token_issue

MISSING = {"detail": "Authentication credentials were not provided."}


@pytest.mark.parametrize(
    "headers",
    [
        lambda k: {"Authorization": f"Token {k}"},
        lambda k: {"Authentication": f"Token {k}"},
        lambda k: {"Authorization": k},
        lambda k: {"authorization": f"token {k}"},
    ],
    ids=["authorization-token", "authentication-token", "bare-authorization", "lower-case"],
)
async def test_accepted_header_forms(client: httpx.AsyncClient, tenant: Tenant, headers) -> None:
    r = await client.get("/api/v2/tickets", headers=headers(tenant.token))
    assert r.status_code == 200, r.text


async def test_missing_token(client: httpx.AsyncClient) -> None:
    for method, path in (("GET", "/api/v2/tickets"), ("POST", "/api/v2/tickets")):
        r = await client.request(method, path)
        assert r.status_code == 401 and r.json() == MISSING
        assert r.headers.get("www-authenticate") == "Token"


@pytest.mark.parametrize(
    "value",
    ["Token wrong", "wrong", "Bearer abc", "Token", "Token a b", "Token " + "x" * 500, ""],
)
async def test_wrong_token(client: httpx.AsyncClient, tenant: Tenant, value: str) -> None:
    r = await client.get("/api/v2/tickets", headers={"Authorization": value})
    assert r.status_code == 401
    assert "detail" in r.json()


async def test_bearer_with_a_valid_key_is_not_a_token(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    r = await client.get("/api/v2/tickets", headers={"Authorization": f"Bearer {tenant.token}"})
    assert r.status_code == 401


async def test_viewer_reads_but_cannot_write(app: TicketryApp, client: httpx.AsyncClient) -> None:
    viewer = await make_tenant(app, role="viewer")
    admin = await make_tenant(app, slug=viewer.slug)
    t = await create_ticket(client, admin)
    p = await add_product(client, admin, t["id"])

    for path in (
        "/api/v2/tickets",
        f"/api/v2/tickets/{t['id']}",
        f"/api/v2/tickets/{t['id']}/products",
        f"/api/v2/tickets/{t['id']}/products/{p['id']}",
        "/api/v2/tickets/search?search=novak",
        "/api/v2/states",
    ):
        r = await client.get(path, headers=viewer.headers)
        assert r.status_code == 200, path

    forbidden = {"detail": "You do not have permission to perform this action."}
    writes = [
        ("POST", "/api/v2/tickets", {"customer": {"email": "a@example.com"}}),
        ("PUT", f"/api/v2/tickets/{t['id']}", {}),
        ("PATCH", f"/api/v2/tickets/{t['id']}", {"currency": "EUR"}),
        ("POST", f"/api/v2/tickets/{t['id']}/close", None),
        ("POST", f"/api/v2/tickets/{t['id']}/products", {"name": "X"}),
        ("PUT", f"/api/v2/tickets/{t['id']}/products/{p['id']}", {"name": "X"}),
        ("PATCH", f"/api/v2/tickets/{t['id']}/products/{p['id']}", {"name": "X"}),
        ("DELETE", f"/api/v2/tickets/{t['id']}/products/{p['id']}", None),
        ("POST", "/api/v2/internal-note", {"ticket": t["id"], "text": "x"}),
    ]
    for method, path, body in writes:
        r = await client.request(method, path, json=body, headers=viewer.headers)
        assert r.status_code == 403, (method, path, r.text)
        assert r.json() == forbidden
    after = (await client.get(f"/api/v2/tickets/{t['id']}", headers=admin.headers)).json()
    assert after["currency"] == t["currency"] and after["closed_at"] is None
    assert after["products"] == [p]


async def test_renewal_invalidates_the_old_token_at_once(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant
) -> None:
    r = await client.get("/api/v2/tickets", headers=tenant.headers)
    assert r.status_code == 200
    user = await db.scalar(select(User).where(User.public_id == tenant.user_public_id))
    assert user is not None
    new = await token_issue(db, user=user)
    await db.commit()
    assert new != tenant.token
    r = await client.get("/api/v2/tickets", headers=tenant.headers)
    assert r.status_code == 401 and r.json() == {"detail": "Invalid token."}
    r = await client.get("/api/v2/tickets", headers={"Authorization": f"Token {new}"})
    assert r.status_code == 200


async def test_inactive_user_is_401(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant
) -> None:
    user = await db.scalar(select(User).where(User.public_id == tenant.user_public_id))
    assert user is not None
    user.is_active = False
    await db.commit()
    r = await client.get("/api/v2/tickets", headers=tenant.headers)
    assert r.status_code == 401


# ---- 404 across accounts, on every route with an id -----------------------------------


@dataclass
class Owned:
    ticket: str
    product: str
    note: str


@pytest.fixture
async def owned(client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant) -> Owned:
    t = await create_ticket(client, tenant)
    p = await add_product(client, tenant, t["id"])
    note = await make_credit_note(db, tenant, t["id"])
    import base64

    r = await client.patch(
        f"/api/v2/retino-credit-notes/{note}",
        json={"file_base64": base64.b64encode(PDF).decode()},
        headers=tenant.headers,
    )
    assert r.status_code == 200
    return Owned(ticket=t["id"], product=p["id"], note=note)


ID_ROUTES = [
    ("GET", "/tickets/{t}", None),
    ("PUT", "/tickets/{t}", {"customer": {"email": "x@example.com"}, "currency": "EUR"}),
    ("PATCH", "/tickets/{t}", {"currency": "EUR"}),
    ("POST", "/tickets/{t}/close", None),
    ("GET", "/tickets/{t}/products", None),
    ("POST", "/tickets/{t}/products", {"name": "X"}),
    ("GET", "/tickets/{t}/products/{p}", None),
    ("PUT", "/tickets/{t}/products/{p}", {"name": "X"}),
    ("PATCH", "/tickets/{t}/products/{p}", {"name": "X"}),
    ("DELETE", "/tickets/{t}/products/{p}", None),
    ("GET", "/retino-credit-notes/{n}", None),
    ("PATCH", "/retino-credit-notes/{n}", {"file_base64": "JVBERi0xLjQK"}),
    ("GET", "/retino-credit-notes/{n}/file", None),
]


@pytest.mark.parametrize(
    ("method", "route", "body"), ID_ROUTES, ids=[f"{m} {r}" for m, r, _ in ID_ROUTES]
)
async def test_404_across_accounts(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    owned: Owned,
    method: str,
    route: str,
    body: dict | None,
) -> None:
    path = "/api/v2" + route.format(t=owned.ticket, p=owned.product, n=owned.note)
    before = (await client.get(f"/api/v2/tickets/{owned.ticket}", headers=tenant.headers)).json()
    r = await client.request(method, path, json=body, headers=other_tenant.headers)
    assert r.status_code == 404, r.text
    assert r.json() == {"detail": "Not found."}
    after = (await client.get(f"/api/v2/tickets/{owned.ticket}", headers=tenant.headers)).json()
    assert after == before
    # And the owner still gets the object.
    if method == "GET":
        r = await client.get(path, headers=tenant.headers)
        assert r.status_code == 200


async def test_internal_note_across_accounts_names_the_ticket(
    client: httpx.AsyncClient, other_tenant: Tenant, owned: Owned
) -> None:
    r = await client.post(
        "/api/v2/internal-note",
        json={"ticket": owned.ticket, "text": "x"},
        headers=other_tenant.headers,
    )
    assert r.status_code == 400 and set(r.json()) == {"ticket"}
