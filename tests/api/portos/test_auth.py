"""PORTOS sign-in (bearer tokens with refresh), rights, and NWS4-signed API keys."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import httpx

from tests.api.portos.helpers import BASE, PASSWORD, create, make_agent, sign_in, ticket_body
from tests.api.portos.test_tickets import assert_problem
from ticketry.api.portos import nws4
from ticketry.app import TicketryApp
from ticketry.domain.accounts.services import account_get, user_get_or_create
from ticketry.domain.accounts.sessions import signing_key_create
from ticketry.domain.types import utcnow


async def test_sign_in_profile_refresh_logout(client: httpx.AsyncClient, app: TicketryApp) -> None:
    _, email, _, _ = await make_agent(app, rights=["TicketCreate", "TicketUpdate"])
    r = await client.post(
        f"{BASE}/auth", json={"userName": email.upper(), "password": PASSWORD, "deviceName": "K1"}
    )
    assert r.status_code == 200, r.text
    result = r.json()
    assert set(result) == {"tokenId", "refreshToken", "user"}
    user = result["user"]
    assert user["userName"] == email and user["rights"] == ["TicketCreate", "TicketUpdate"]
    assert user["device"]["name"] == "K1" and user["device"]["envName"] == "CashRegister"
    bearer = {"Authorization": f"Bearer {result['tokenId']}"}
    r = await client.get(f"{BASE}/auth", headers=bearer)
    assert r.status_code == 200 and r.json()["userName"] == email

    r = await client.post(
        f"{BASE}/auth/refresh",
        json={"tokenId": result["tokenId"], "refreshToken": result["refreshToken"]},
    )
    assert r.status_code == 200, r.text
    fresh = r.json()
    assert fresh["tokenId"] != result["tokenId"]
    assert_problem(await client.get(f"{BASE}/auth", headers=bearer), 401, 1)
    r = await client.post(
        f"{BASE}/auth/refresh",
        json={"tokenId": result["tokenId"], "refreshToken": result["refreshToken"]},
    )
    assert_problem(r, 401, 1)  # a refresh token works once

    bearer = {"Authorization": f"Bearer {fresh['tokenId']}"}
    assert (await client.get(f"{BASE}/tickets", headers=bearer)).status_code == 200
    assert (await client.delete(f"{BASE}/auth", headers=bearer)).status_code == 204
    assert_problem(await client.get(f"{BASE}/tickets", headers=bearer), 401, 1)


async def test_bad_sign_ins(client: httpx.AsyncClient, app: TicketryApp) -> None:
    _, email, _, _ = await make_agent(app)
    r = await client.post(
        f"{BASE}/auth", json={"UserName": email, "Password": "wrong", "DeviceName": "K1"}
    )
    assert_problem(r, 401, 1)
    r = await client.post(f"{BASE}/auth", json={"Password": "x"})
    problem = assert_problem(r, 400, 3)
    assert {(e["memberName"], e["code"]) for e in problem["errors"]} == {
        ("UserName", 1),
        ("DeviceName", 1),
    }


async def test_new_sign_in_on_a_device_ends_the_old_session(
    client: httpx.AsyncClient, app: TicketryApp
) -> None:
    till = await sign_in(client, app, device="BAR")
    r = await client.post(
        f"{BASE}/auth", json={"UserName": till.email, "Password": PASSWORD, "DeviceName": "BAR"}
    )
    assert r.status_code == 200
    assert_problem(await client.get(f"{BASE}/auth", headers=till.headers), 401, 1)


async def test_missing_and_bad_credentials(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(f"{BASE}/tickets"), 401, 1)
    r = await client.get(f"{BASE}/tickets", headers={"Authorization": "Bearer nope"})
    body = assert_problem(r, 401, 1)
    assert body["instance"] == f"{BASE}/tickets"
    r = await client.get(f"{BASE}/tickets", headers={"Authorization": "Token abc"})
    assert_problem(r, 401, 1)


async def test_rights(client: httpx.AsyncClient, app: TicketryApp) -> None:
    nobody = await sign_in(client, app)
    assert_problem(
        await client.post(f"{BASE}/tickets", json=ticket_body(), headers=nobody.headers), 403, 2
    )
    owner = await sign_in(
        client, app, slug=nobody.slug, device="P2", rights=["TicketCreate", "TicketUpdate"]
    )
    t = await create(client, owner)
    r = await client.post(
        f"{BASE}/tickets", json=ticket_body(customer={"name": "Eva"}), headers=owner.headers
    )
    body = assert_problem(r, 403, 2)  # a customer needs TicketSetCustomer
    # The policy's refusal names the missing right, in PORTOS's words.
    assert body["detail"] == "The right TicketSetCustomer is required."
    # Own ticket: TicketUpdate is enough; renaming needs TicketRename, discounts
    # TicketSetDiscount, deleting TicketDelete.
    r = await client.put(f"{BASE}/tickets/{t['id']}", json=t, headers=owner.headers)
    assert r.status_code == 200, r.text
    for change, right in (
        ({"name": "Renamed"}, "TicketRename"),
        ({"discountRate": 5}, "TicketSetDiscount"),
        ({"customer": {"name": "X", "card": {"serialNumber": "C"}}}, "TicketSetCustomer"),
        ({"employee": {"userName": nobody.email}}, "TicketHandover"),
    ):
        r = await client.put(
            f"{BASE}/tickets/{t['id']}", json={**t, **change}, headers=owner.headers
        )
        assert_problem(r, 403, 2)
        assert right in r.json()["detail"]
    assert_problem(await client.delete(f"{BASE}/tickets/{t['id']}", headers=owner.headers), 403, 2)
    # Someone else's ticket needs TicketUpdateAny.
    other = await sign_in(client, app, slug=nobody.slug, device="P3", rights=["TicketUpdate"])
    r = await client.put(f"{BASE}/tickets/{t['id']}", json=t, headers=other.headers)
    assert_problem(r, 403, 2)
    boss = await sign_in(
        client, app, slug=nobody.slug, device="P4", rights=["TicketUpdateAny", "TicketDelete"]
    )
    r = await client.put(f"{BASE}/tickets/{t['id']}", json=t, headers=boss.headers)
    assert r.status_code == 200, r.text
    assert (
        await client.delete(f"{BASE}/tickets/{t['id']}", headers=boss.headers)
    ).status_code == 204


async def _signing_key(app: TicketryApp, slug: str) -> tuple[str, str]:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        account = await account_get(session, slug=slug)
        user, _ = await user_get_or_create(
            session, account=account, email=f"api@{slug}.invalid", role="admin"
        )
        pair = await signing_key_create(session, user=user)
        await session.commit()
        return pair


def _signed(method: str, url: str, client_id: str, secret: str, body: bytes = b"", **kw) -> dict:
    parts = urlsplit(url)
    return nws4.sign(
        client_id=client_id,
        secret=secret,
        method=method,
        url_path=parts.path,
        query=parts.query,
        host="testserver",
        headers={"content-type": "application/json", "accept": "application/json"},
        body=body,
        now=kw.get("now") or utcnow(),
    )


async def test_nws4_signed_requests(client: httpx.AsyncClient, app: TicketryApp) -> None:
    till = await sign_in(client, app, role="admin")
    t = await create(client, till)
    client_id, secret = await _signing_key(app, till.slug)
    url = f"{BASE}/tickets?Name=eq:Table%205&$sort=-OpenDate"
    r = await client.get(url, headers=_signed("GET", url, client_id, secret))
    assert r.status_code == 200, r.text
    assert [x["id"] for x in r.json()["items"]] == [t["id"]]

    url = f"{BASE}/v1/tickets/{t['id']}"
    r = await client.get(url, headers=_signed("GET", url, client_id, secret))
    assert r.status_code == 200, r.text  # signed over the /v1 path the client used

    body = httpx.Request("POST", "http://x", json=ticket_body()).content
    url = f"{BASE}/tickets"
    headers = _signed("POST", url, client_id, secret, body)
    r = await client.post(url, content=body, headers=headers)
    assert r.status_code == 201, r.text

    # Tampered body, wrong secret, stale clock, unknown key: 401 with errorCode 1.
    r = await client.post(url, content=body + b" ", headers=headers)
    assert_problem(r, 401, 1)
    r = await client.get(url, headers=_signed("GET", url, client_id, "not-the-secret"))
    assert_problem(r, 401, 1)
    stale = utcnow() - timedelta(minutes=6)
    r = await client.get(url, headers=_signed("GET", url, client_id, secret, now=stale))
    assert_problem(r, 401, 1)
    skewed = utcnow() + timedelta(minutes=4)
    r = await client.get(url, headers=_signed("GET", url, client_id, secret, now=skewed))
    assert r.status_code == 200
    r = await client.get(url, headers=_signed("GET", url, "unknown", secret))
    assert_problem(r, 401, 1)
    r = await client.get(url, headers={"Authorization": "NWS4-HMAC-SHA256 garbage"})
    assert_problem(r, 401, 1)
