"""The OAuth2 server against guessing (issue 14): client secrets and the consent page's
password are throttled like every sign-in."""

from __future__ import annotations

import httpx

from tests.api.nextcommerce.helpers import make_oauth_app
from tests.api.nextcommerce.test_oauth import REDIRECT, _agent_with_password, _pkce
from tests.conftest import FakeClock, make_tenant
from ticketry.app import TicketryApp


async def test_wrong_client_secrets_lock_the_client(
    app: TicketryApp, client: httpx.AsyncClient, signin_clock: FakeClock
) -> None:
    oauth = await make_oauth_app(app, await make_tenant(app))

    async def token(secret: str) -> httpx.Response:
        return await client.post(
            "/oauth2/token/",
            data={"grant_type": "client_credentials"},
            auth=(oauth.client_id, secret),
        )

    for n in range(10):
        signin_clock.advance(16 if n else 0)  # each after the wait the one before earned
        r = await token("wrong")
        assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    r = await token(oauth.client_secret)
    assert r.status_code == 429
    assert r.headers["retry-after"] == "900" and r.headers["cache-control"] == "no-store"
    assert r.json()["error"] == "temporarily_unavailable"
    assert "Try again in 900 seconds" in r.json()["error_description"]
    r = await client.post(
        "/oauth2/revoke/", data={"token": "x"}, auth=(oauth.client_id, oauth.client_secret)
    )
    assert r.status_code == 429
    signin_clock.advance(900)
    assert (await token(oauth.client_secret)).status_code == 200
    # A right secret forgets the failures: one more wrong one does not lock again.
    assert (await token("wrong")).status_code == 401
    assert (await token(oauth.client_secret)).status_code == 200


async def test_consent_page_password_is_throttled(
    app: TicketryApp, client: httpx.AsyncClient, signin_clock: FakeClock
) -> None:
    tenant = await make_tenant(app)
    email = await _agent_with_password(app, tenant.slug, tenant.account_id)
    oauth = await make_oauth_app(app, tenant, redirect_uris=[REDIRECT])
    _, challenge = _pkce()
    params = {
        "response_type": "code",
        "client_id": oauth.client_id,
        "redirect_uri": REDIRECT,
        "scope": "tickets:read",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    for _ in range(5):
        r = await client.post(
            "/oauth2/authorize/",
            data={**params, "email": email, "password": "wrong", "decision": "allow"},
        )
        assert r.status_code == 401
    r = await client.post(
        "/oauth2/authorize/",
        data={**params, "email": email, "password": "correct horse battery", "decision": "allow"},
    )
    assert r.status_code == 429 and r.headers["retry-after"] == "1"
    assert "Too many failed sign-in attempts" in r.text
    signin_clock.advance(1)
    r = await client.post(
        "/oauth2/authorize/",
        data={**params, "email": email, "password": "correct horse battery", "decision": "allow"},
    )
    assert r.status_code == 302, r.text
