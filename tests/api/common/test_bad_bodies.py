"""Bodies that are not JSON in ways msgspec reports other than DecodeError (bytes that are
not UTF-8, nesting beyond the recursion limit) are the client's mistake on every face: a
4xx in that face's shape, signed in or not, and nothing stored."""

from __future__ import annotations

import httpx
import pytest

from tests.api.nextcommerce.helpers import nc_client
from tests.api.paymenter.conftest import make_shop
from tests.api.portos.helpers import sign_in
from tests.conftest import make_tenant
from ticketry.app import TicketryApp

DEEP_LIST = b"[" * 5000 + b"]" * 5000
DEEP_OBJECT = b'{"a":' * 5000 + b"1" + b"}" * 5000
NOT_UTF8 = b'{"subject": "\xff\xfe", "\xc3": 1}'
BODIES = {"deep list": DEEP_LIST, "deep object": DEEP_OBJECT, "not utf-8": NOT_UTF8}
JSON = {"Content-Type": "application/json"}


async def _answers(client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str]):
    for name, body in BODIES.items():
        r = await client.request(method, path, content=body, headers={**headers, **JSON})
        yield name, r


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v2/tickets"),
        ("POST", "/api/v2/orders"),
        ("POST", "/api/v2/orders/bulk"),
        ("POST", "/api/v2/webhooks"),
        ("POST", "/api/v2/internal-note"),
        ("POST", "/api/v2/store-ids"),
    ],
)
async def test_retino(app: TicketryApp, client: httpx.AsyncClient, method: str, path: str) -> None:
    tenant = await make_tenant(app)
    async for name, r in _answers(client, method, path, tenant.headers):
        assert r.status_code == 400, (name, r.text)
        assert r.json()["detail"].startswith("JSON parse error - "), (name, r.text)
    listed = await client.get("/api/v2/tickets", headers=tenant.headers)
    assert listed.json()["count"] == 0


async def test_retino_credit_note_patch(app: TicketryApp, client: httpx.AsyncClient) -> None:
    tenant = await make_tenant(app)
    path = "/api/v2/retino-credit-notes/00000000-0000-0000-0000-000000000000"
    async for name, r in _answers(client, "PATCH", path, tenant.headers):
        assert r.status_code in (400, 404), (name, r.text)
        assert "detail" in r.json()


async def test_nextcommerce(app: TicketryApp, client: httpx.AsyncClient) -> None:
    nc = await nc_client(app, client)
    headers = {"Authorization": f"Bearer {nc.token}"}
    async for name, r in _answers(client, "POST", "/api/admin/tickets/", headers):
        assert r.status_code == 400, (name, r.text)
        assert r.json()["detail"].startswith("JSON parse error - "), (name, r.text)
    assert (await client.get("/api/admin/tickets/", headers=headers)).json()["results"] == []


@pytest.mark.parametrize("path", ["/api/portos/auth", "/api/portos/auth/refresh"])
async def test_portos_unauthenticated(client: httpx.AsyncClient, path: str) -> None:
    async for name, r in _answers(client, "POST", path, {}):
        assert r.status_code == 400, (name, r.text)
        problem = r.json()
        assert problem["status"] == 400 and problem["errorCode"] == 3, (name, problem)


async def test_portos_tickets(app: TicketryApp, client: httpx.AsyncClient) -> None:
    till = await sign_in(client, app)
    async for name, r in _answers(client, "POST", "/api/portos/tickets", till.headers):
        assert r.status_code == 400, (name, r.text)
        assert r.json()["errorCode"] == 3, (name, r.text)
    listed = await client.get("/api/portos/tickets", headers=till.headers)
    assert listed.status_code == 200 and listed.json()["items"] == [], listed.text


@pytest.mark.parametrize("path", ["/api/v1/admin/tickets", "/api/v1/admin/ticket-messages"])
async def test_paymenter(app: TicketryApp, client: httpx.AsyncClient, path: str) -> None:
    """Laravel reads a body that is not JSON as no input: the rules then say what is missing."""
    shop = await make_shop(app)
    async for name, r in _answers(client, "POST", path, shop.headers):
        assert r.status_code == 422, (name, r.text)
        assert r.json()["errors"], (name, r.text)
    listed = await client.get("/api/v1/admin/tickets", headers=shop.headers)
    assert listed.json()["data"] == []
