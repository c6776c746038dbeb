"""Ids, integers and NUL characters in paths, query strings and sign-in inputs, on every
face: what cannot name a row is not found or not valid, in the face's own shape, never a
500 (and nothing stored). The 64-bit limit and ``int()``'s Unicode digits are checked in one
place (api/common/params.py) for all of them."""

from __future__ import annotations

import base64
import hashlib
import secrets

import httpx
import pytest

from tests.api.nextcommerce.helpers import make_oauth_app, nc_client
from tests.api.paymenter.conftest import make_shop
from tests.api.portos.helpers import PASSWORD, make_agent, sign_in
from tests.conftest import make_tenant
from tests.factories import create_ticket
from ticketry.app import TicketryApp

TOO_BIG = str(2**63)
IDS_NO_ROW_CAN_HAVE = [TOO_BIG, "9" * 30, "%C2%B3", "%D9%A1%D9%A2", "%EF%BC%91"]
NUL = "a\x00b"
PM = "/api/v1/admin"


# ---- Paymenter ------------------------------------------------------------------------


@pytest.mark.parametrize("raw_id", IDS_NO_ROW_CAN_HAVE)
async def test_paymenter_path_ids_are_not_found(
    app: TicketryApp, client: httpx.AsyncClient, raw_id: str
) -> None:
    shop = await make_shop(app)
    for model, path in (("Ticket", "tickets"), ("TicketMessage", "ticket-messages")):
        for method in ("GET", "PUT", "PATCH", "DELETE"):
            if path == "ticket-messages" and method in ("PUT", "PATCH"):
                continue
            r = await client.request(
                method, f"{PM}/{path}/{raw_id}", json={"subject": "x"}, headers=shop.headers
            )
            assert r.status_code == 404, (method, path, r.text)
            assert r.json()["message"].startswith(
                f"No query results for model [App\\Models\\{model}]"
            )


@pytest.mark.parametrize("value", [TOO_BIG, "9" * 30, "1e5", "%C2%B3", "a%00b", "-1"])
async def test_paymenter_id_filters_match_nothing(
    app: TicketryApp, client: httpx.AsyncClient, value: str
) -> None:
    shop = await make_shop(app)
    r = await client.post(
        f"{PM}/tickets",
        json={"subject": "s", "message": "m", "user_id": shop.customer_id, "department": "Sales"},
        headers=shop.headers,
    )
    assert r.status_code == 201, r.text
    for url in (
        f"{PM}/tickets?filter[id]={value}",
        f"{PM}/tickets?filter[user_id]={value}",
        f"{PM}/ticket-messages?filter[id]={value}",
        f"{PM}/ticket-messages?filter[ticket_id]={value}",
    ):
        r = await client.get(url, headers=shop.headers)
        assert r.status_code == 200, (url, r.text)
        assert r.json()["data"] == [], url


@pytest.mark.parametrize("value", [TOO_BIG, "%C2%B3", "9" * 30])
async def test_paymenter_page_out_of_range_is_the_first(
    app: TicketryApp, client: httpx.AsyncClient, value: str
) -> None:
    shop = await make_shop(app)
    for name in ("page", "per_page"):
        r = await client.get(f"{PM}/tickets?{name}={value}", headers=shop.headers)
        assert r.status_code == 200, (name, r.text)
        assert r.json()["meta"]["current_page"] == 1


@pytest.mark.parametrize("value", [2**63, str(2**63), "9" * 30, "³"])
async def test_paymenter_people_and_tickets_out_of_range_are_invalid(
    app: TicketryApp, client: httpx.AsyncClient, value: object
) -> None:
    shop = await make_shop(app)
    r = await client.post(
        f"{PM}/tickets",
        json={"subject": "s", "message": "m", "user_id": value, "assigned_to": value},
        headers=shop.headers,
    )
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert errors["user_id"] == ["The selected user id is invalid."]
    assert errors["assigned_to"] == ["The selected assigned to is invalid."]
    r = await client.post(
        f"{PM}/ticket-messages",
        json={"ticket_id": value, "message": "m", "user_id": value},
        headers=shop.headers,
    )
    assert r.status_code == 422, r.text
    assert set(r.json()["errors"]) == {"ticket_id", "user_id"}
    listed = await client.get(f"{PM}/tickets", headers=shop.headers)
    assert listed.json()["data"] == []


# ---- Next Commerce, Retino, PORTOS ids ------------------------------------------------


@pytest.mark.parametrize("raw_id", IDS_NO_ROW_CAN_HAVE)
async def test_nextcommerce_path_ids_are_not_found(
    app: TicketryApp, client: httpx.AsyncClient, raw_id: str
) -> None:
    nc = await nc_client(app, client)
    headers = {"Authorization": f"Bearer {nc.token}"}
    for method, path in (
        ("GET", f"/api/admin/tickets/{raw_id}/"),
        ("PATCH", f"/api/admin/tickets/{raw_id}/"),
        ("POST", f"/api/admin/tickets/{raw_id}/comments/"),
        ("GET", f"/api/admin/tickettypes/{raw_id}/"),
    ):
        r = await client.request(method, path, json={"body": "x"}, headers=headers)
        assert r.status_code in (400, 404), (method, path, r.text)
        assert "detail" in r.json()


@pytest.mark.parametrize("value", [TOO_BIG, "9" * 30, "%C2%B3"])
async def test_nextcommerce_integer_filters_are_whole_numbers(
    app: TicketryApp, client: httpx.AsyncClient, value: str
) -> None:
    nc = await nc_client(app, client)
    headers = {"Authorization": f"Bearer {nc.token}"}
    for name in ("id", "requester", "assignee", "ticket_type"):
        r = await client.get(f"/api/admin/tickets/?{name}={value}", headers=headers)
        assert r.status_code == 400, (name, r.text)
        assert r.json() == {name: ["Enter a whole number."]}


@pytest.mark.parametrize("value", [TOO_BIG, "9" * 30, "%C2%B3", "%D9%A1"])
async def test_retino_page_out_of_range_is_an_invalid_page(
    app: TicketryApp, client: httpx.AsyncClient, value: str
) -> None:
    tenant = await make_tenant(app)
    for path in ("/api/v2/tickets", "/api/v2/orders", "/api/v2/states"):
        r = await client.get(f"{path}?page={value}", headers=tenant.headers)
        assert r.status_code == 404, (path, r.text)
        assert r.json() == {"detail": "Invalid page."}
        r = await client.get(f"{path}?page_size={value}", headers=tenant.headers)
        assert r.status_code == 200, (path, r.text)


# ---- NUL characters -------------------------------------------------------------------


async def test_retino_text_filters_refuse_nul_and_search_finds_nothing(
    app: TicketryApp, client: httpx.AsyncClient
) -> None:
    tenant = await make_tenant(app)
    await create_ticket(client, tenant)
    for name in ("code", "store_id"):
        r = await client.get(f"/api/v2/orders?{name}=abc%00", headers=tenant.headers)
        assert r.status_code == 400, r.text
        assert r.json() == {name: ["Null characters are not allowed."]}
    for term in ("abc%00", "novak%00", "%00", "jan.novak%40example.com%00x"):
        r = await client.get(f"/api/v2/tickets/search?search={term}", headers=tenant.headers)
        assert r.status_code == 200, (term, r.text)
        assert r.json()["count"] == 0, term


async def test_paths_holding_nul_are_not_found_on_every_face(
    app: TicketryApp, client: httpx.AsyncClient
) -> None:
    tenant = await make_tenant(app)
    shop = await make_shop(app)
    till = await sign_in(client, app)
    for path, headers, key in (
        ("/api/v2/tickets/a%00b", tenant.headers, "detail"),
        ("/api/v1/admin/tickets/a%00b", shop.headers, "message"),
        ("/api/portos/tickets/a%00b", till.headers, "title"),
    ):
        r = await client.get(path, headers=headers)
        assert r.status_code == 404, (path, r.text)
        assert key in r.json(), (path, r.text)


async def test_portos_sign_in_with_nul_is_wrong_credentials(
    app: TicketryApp, client: httpx.AsyncClient
) -> None:
    _, email, _, _ = await make_agent(app)
    for user_name, password in ((NUL, PASSWORD), (email + "\x00", PASSWORD), (email, NUL)):
        r = await client.post(
            "/api/portos/auth",
            json={"UserName": user_name, "Password": password, "DeviceName": "POS1"},
        )
        assert r.status_code == 401, r.text
        assert r.json()["errorCode"] == 1
    r = await client.post(
        "/api/portos/auth", json={"UserName": email, "Password": PASSWORD, "DeviceName": NUL}
    )
    assert r.status_code == 400, r.text
    assert [e["memberName"] for e in r.json()["errors"]] == ["DeviceName"]


async def test_oauth_token_with_nul_is_wrong_credentials(
    app: TicketryApp, client: httpx.AsyncClient
) -> None:
    oauth = await make_oauth_app(app, await make_tenant(app), scopes="tickets:read")
    good = {"client_id": oauth.client_id, "client_secret": oauth.client_secret}
    for form, error in (
        (
            {"grant_type": "client_credentials", "client_id": NUL, "client_secret": "x"},
            "invalid_client",
        ),
        ({"grant_type": "client_credentials", **good, "client_secret": NUL}, "invalid_client"),
        ({"grant_type": "client_credentials", **good, "scope": NUL}, "invalid_scope"),
        ({"grant_type": "refresh_token", **good, "refresh_token": NUL}, "invalid_grant"),
        ({"grant_type": "authorization_code", **good, "code": NUL}, "invalid_grant"),
    ):
        r = await client.post("/oauth2/token/", data=form)
        assert r.status_code in (400, 401), (form, r.text)
        assert r.json()["error"] == error, (form, r.text)
    basic = base64.b64encode(b"a\x00b:secret").decode()
    r = await client.post(
        "/oauth2/token/",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert r.status_code == 401 and r.json()["error"] == "invalid_client", r.text
    r = await client.post("/oauth2/revoke/", data={"client_id": NUL, "client_secret": "x"})
    assert r.status_code == 401 and r.json()["error"] == "invalid_client", r.text


async def test_oauth_authorize_with_nul_is_refused_on_the_page(
    app: TicketryApp, client: httpx.AsyncClient
) -> None:
    redirect = "https://app.example.com/callback"
    oauth = await make_oauth_app(app, await make_tenant(app), redirect_uris=[redirect])
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(secrets.token_urlsafe(32).encode()).digest()
    ).rstrip(b"=")
    params = {
        "response_type": "code",
        "client_id": oauth.client_id,
        "redirect_uri": redirect,
        "scope": "tickets:read",
        "state": "xyz",
        "code_challenge": challenge.decode(),
        "code_challenge_method": "S256",
    }
    for name in ("client_id", "scope", "state"):
        bad = {**params, name: NUL}
        r = await client.get("/oauth2/authorize/", params=bad)
        assert r.status_code == 400, (name, r.text)
        r = await client.post(
            "/oauth2/authorize/", data={**bad, "email": "x@y.z", "decision": "allow"}
        )
        assert r.status_code == 400, (name, r.text)
    r = await client.post(
        "/oauth2/authorize/",
        data={**params, "email": NUL, "password": "x", "decision": "allow"},
    )
    assert r.status_code == 401 and "Wrong e-mail or password." in r.text


async def test_retino_webhook_host_label_over_63_characters_is_a_bad_url(
    app: TicketryApp, client: httpx.AsyncClient
) -> None:
    tenant = await make_tenant(app)
    for url in (f"https://{'a' * 64}.example.com/hook", "https://a..example.com/hook"):
        body = {"url": url, "events": ["ticket.created"]}
        r = await client.post("/api/v2/webhooks", json=body, headers=tenant.headers)
        assert r.status_code == 400, (url, r.text)
        assert r.json() == {"url": ["Enter a valid URL."]}
        r = await client.get("/api/v2/webhooks", headers=tenant.headers)
    assert r.json()["count"] == 0
