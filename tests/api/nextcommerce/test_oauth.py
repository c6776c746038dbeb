"""The OAuth2 server: client credentials, authorization code with PKCE, refresh, revoke,
and how the face treats tokens and scopes."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select, update

from tests.api.nextcommerce.helpers import (
    NCClient,
    client_credentials_token,
    make_oauth_app,
)
from tests.conftest import make_tenant
from ticketry.app import TicketryApp
from ticketry.domain.accounts.models import User
from ticketry.domain.accounts.passwords import password_hash
from ticketry.domain.oauth.models import OAuthToken
from ticketry.domain.oauth.services import secret_hash

REDIRECT = "https://partner.example.com/callback"


async def test_client_credentials(app: TicketryApp, client: httpx.AsyncClient) -> None:
    oauth = await make_oauth_app(app, await make_tenant(app))
    r = await client.post(
        "/oauth2/token/",
        data={
            "grant_type": "client_credentials",
            "client_id": oauth.client_id,
            "client_secret": oauth.client_secret,
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    assert body["scope"] == "tickets:read tickets:write" and "refresh_token" not in body
    assert r.headers["cache-control"] == "no-store"
    # Stored hashed only.
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        row = await session.scalar(
            select(OAuthToken).where(
                OAuthToken.access_token_hash == secret_hash(body["access_token"])
            )
        )
        assert row is not None
        raw_hits = await session.scalar(
            select(OAuthToken.id).where(OAuthToken.access_token_hash == body["access_token"])
        )
        assert raw_hits is None
    nc = NCClient(client, body["access_token"])
    assert (await nc.get("/tickets/")).status_code == 200


async def test_token_endpoint_errors(app: TicketryApp, client: httpx.AsyncClient) -> None:
    oauth = await make_oauth_app(app, await make_tenant(app), scopes="tickets:read")
    r = await client.post(
        "/oauth2/token/",
        data={"grant_type": "client_credentials"},
        auth=(oauth.client_id, "wrong"),
    )
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    r = await client.post(
        "/oauth2/token/",
        data={"grant_type": "password"},
        auth=(oauth.client_id, oauth.client_secret),
    )
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    r = await client.post(
        "/oauth2/token/",
        data={"grant_type": "client_credentials", "scope": "tickets:write"},
        auth=(oauth.client_id, oauth.client_secret),
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_scope"


async def test_bearer_errors(app: TicketryApp, client: httpx.AsyncClient) -> None:
    r = await client.get("/api/admin/tickets/")
    assert r.status_code == 401
    assert r.json() == {"detail": "Authentication credentials were not provided."}
    assert r.headers["www-authenticate"].startswith("Bearer")
    r = await client.get("/api/admin/tickets/", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json() == {"detail": "Invalid token."}
    # An account API token is not an OAuth token.
    tenant = await make_tenant(app)
    r = await client.get("/api/admin/tickets/", headers={"Authorization": f"Bearer {tenant.token}"})
    assert r.status_code == 401


async def test_expired_token_is_401(app: TicketryApp, client: httpx.AsyncClient) -> None:
    oauth = await make_oauth_app(app, await make_tenant(app))
    token = await client_credentials_token(client, oauth)
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        await session.execute(
            update(OAuthToken)
            .where(OAuthToken.access_token_hash == secret_hash(token))
            .values(expires_at=OAuthToken.created_at)
        )
        await session.commit()
    r = await client.get("/api/admin/tickets/", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


async def test_missing_scope_is_403(app: TicketryApp, client: httpx.AsyncClient) -> None:
    reader = await make_oauth_app(app, await make_tenant(app), scopes="tickets:read")
    nc = NCClient(client, await client_credentials_token(client, reader))
    assert (await nc.get("/tickets/")).status_code == 200
    assert (await nc.get("/tickettypes/")).status_code == 200
    r = await nc.post("/tickets/", json={"subject": "x"})
    assert r.status_code == 403
    assert r.json() == {"detail": "You do not have permission to perform this action."}

    writer = await make_oauth_app(app, await make_tenant(app), scopes="tickets:write")
    nc = NCClient(client, await client_credentials_token(client, writer))
    assert (await nc.post("/tickets/", json={})).status_code == 201
    assert (await nc.get("/tickets/")).status_code == 403

    admin = await make_oauth_app(app, await make_tenant(app), scopes="admin:read admin:write")
    nc = NCClient(client, await client_credentials_token(client, admin))
    assert (await nc.post("/tickets/", json={})).status_code == 201
    assert (await nc.get("/tickets/")).status_code == 200


async def test_revoke(app: TicketryApp, client: httpx.AsyncClient) -> None:
    oauth = await make_oauth_app(app, await make_tenant(app))
    token = await client_credentials_token(client, oauth)
    r = await client.post(
        "/oauth2/revoke/", data={"token": token}, auth=(oauth.client_id, oauth.client_secret)
    )
    assert r.status_code == 200
    r = await client.get("/api/admin/tickets/", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    # Unknown tokens are fine (RFC 7009); a bad client is not.
    r = await client.post(
        "/oauth2/revoke/", data={"token": "x"}, auth=(oauth.client_id, oauth.client_secret)
    )
    assert r.status_code == 200
    r = await client.post("/oauth2/revoke/", data={"token": "x"}, auth=(oauth.client_id, "no"))
    assert r.status_code == 401


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def _agent_with_password(app: TicketryApp, tenant_slug: str, account_id: int) -> str:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        user = await session.scalar(select(User).where(User.account_id == account_id))
        assert user is not None
        user.password_hash = password_hash("correct horse battery")
        await session.commit()
        return user.email


async def test_authorization_code_with_pkce(app: TicketryApp, client: httpx.AsyncClient) -> None:
    tenant = await make_tenant(app)
    email = await _agent_with_password(app, tenant.slug, tenant.account_id)
    oauth = await make_oauth_app(app, tenant, redirect_uris=[REDIRECT])
    verifier, challenge = _pkce()
    params = {
        "response_type": "code",
        "client_id": oauth.client_id,
        "redirect_uri": REDIRECT,
        "scope": "tickets:read",
        "state": "xyz",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    r = await client.get("/oauth2/authorize/", params=params)
    assert r.status_code == 200 and "<form" in r.text and "tickets:read" in r.text
    assert r.headers["x-frame-options"] == "DENY"

    r = await client.post(
        "/oauth2/authorize/",
        data={**params, "email": email, "password": "wrong", "decision": "allow"},
    )
    assert r.status_code == 401 and "Wrong e-mail or password." in r.text

    r = await client.post(
        "/oauth2/authorize/", data={**params, "email": email, "password": "", "decision": "deny"}
    )
    assert r.status_code == 302
    assert parse_qs(urlsplit(r.headers["location"]).query)["error"] == ["access_denied"]

    r = await client.post(
        "/oauth2/authorize/",
        data={**params, "email": email, "password": "correct horse battery", "decision": "allow"},
    )
    assert r.status_code == 302, r.text
    location = urlsplit(r.headers["location"])
    assert location.geturl().startswith(REDIRECT)
    query = parse_qs(location.query)
    assert query["state"] == ["xyz"]
    code = query["code"][0]

    basic = (oauth.client_id, oauth.client_secret)
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    r = await client.post(
        "/oauth2/token/", data={**exchange, "code_verifier": "x" * 50}, auth=basic
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    r = await client.post(
        "/oauth2/token/", data={**exchange, "code_verifier": verifier}, auth=basic
    )
    # The failed attempt did not burn the code; this one does.
    assert r.status_code == 200, r.text
    tokens = r.json()
    assert tokens["scope"] == "tickets:read" and tokens["refresh_token"]
    r = await client.post(
        "/oauth2/token/", data={**exchange, "code_verifier": verifier}, auth=basic
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"

    nc = NCClient(client, tokens["access_token"])
    assert (await nc.get("/tickets/")).status_code == 200
    assert (await nc.post("/tickets/", json={})).status_code == 403  # read scope only

    # Refresh rotates: the old pair stops working.
    r = await client.post(
        "/oauth2/token/",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=basic,
    )
    assert r.status_code == 200, r.text
    fresh = r.json()
    assert fresh["access_token"] != tokens["access_token"]
    assert (await NCClient(client, tokens["access_token"]).get("/tickets/")).status_code == 401
    assert (await NCClient(client, fresh["access_token"]).get("/tickets/")).status_code == 200
    r = await client.post(
        "/oauth2/token/",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=basic,
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


async def test_authorize_rejects_unknown_client_and_redirect(
    app: TicketryApp, client: httpx.AsyncClient
) -> None:
    oauth = await make_oauth_app(app, await make_tenant(app), redirect_uris=[REDIRECT])
    _, challenge = _pkce()
    base = {
        "response_type": "code",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    r = await client.get("/oauth2/authorize/", params={**base, "client_id": "nope"})
    assert r.status_code == 400 and "Unknown client_id" in r.text
    r = await client.get(
        "/oauth2/authorize/",
        params={**base, "client_id": oauth.client_id, "redirect_uri": "https://evil.example"},
    )
    assert r.status_code == 400 and "not registered" in r.text
    r = await client.get(
        "/oauth2/authorize/",
        params={
            **base,
            "client_id": oauth.client_id,
            "redirect_uri": REDIRECT,
            "code_challenge_method": "plain",
        },
    )
    assert r.status_code == 302  # PKCE, but not S256: an error back to the client
    assert parse_qs(urlsplit(r.headers["location"]).query)["error"] == ["invalid_request"]


async def _consent(
    app: TicketryApp, client: httpx.AsyncClient, client_id: str, **pkce: str
) -> httpx.Response:
    tenant_slug, account_id = await _tenant_of(app, client_id)
    email = await _agent_with_password(app, tenant_slug, account_id)
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "state": "s",
        **pkce,
    }
    r = await client.get("/oauth2/authorize/", params=params)
    if r.status_code != 200:
        return r
    return await client.post(
        "/oauth2/authorize/",
        data={**params, "email": email, "password": "correct horse battery", "decision": "allow"},
    )


async def _tenant_of(app: TicketryApp, client_id: str) -> tuple[str, int]:
    from ticketry.domain.accounts.models import Account
    from ticketry.domain.oauth.models import OAuthApp

    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        row = (
            await session.execute(
                select(Account.slug, Account.id)
                .join(OAuthApp, OAuthApp.account_id == Account.id)
                .where(OAuthApp.client_id == client_id)
            )
        ).one()
        return row[0], row[1]


def _code(r: httpx.Response) -> str:
    assert r.status_code == 302, r.text
    return parse_qs(urlsplit(r.headers["location"]).query)["code"][0]


async def test_confidential_client_may_leave_pkce_out(
    app: TicketryApp, client: httpx.AsyncClient
) -> None:
    oauth = await make_oauth_app(app, await make_tenant(app), redirect_uris=[REDIRECT])
    code = _code(await _consent(app, client, oauth.client_id))
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    # Without its secret the code is worth nothing; a verifier for no challenge is refused.
    r = await client.post("/oauth2/token/", data={**exchange, "client_id": oauth.client_id})
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    basic = (oauth.client_id, oauth.client_secret)
    r = await client.post(
        "/oauth2/token/", data={**exchange, "code_verifier": "x" * 50}, auth=basic
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    r = await client.post("/oauth2/token/", data=exchange, auth=basic)
    assert r.status_code == 200, r.text
    nc = NCClient(client, r.json()["access_token"])
    assert (await nc.get("/tickets/")).status_code == 200


async def test_public_client_must_use_pkce(app: TicketryApp, client: httpx.AsyncClient) -> None:
    tenant = await make_tenant(app)
    oauth = await make_oauth_app(app, tenant, redirect_uris=[REDIRECT], public=True)
    assert oauth.client_secret == ""
    r = await _consent(app, client, oauth.client_id)
    assert r.status_code == 302
    query = parse_qs(urlsplit(r.headers["location"]).query)
    assert query["error"] == ["invalid_request"]
    assert "required for public clients" in query["error_description"][0]

    verifier, challenge = _pkce()
    pkce = {"code_challenge": challenge, "code_challenge_method": "S256"}
    code = _code(await _consent(app, client, oauth.client_id, **pkce))
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": oauth.client_id,
    }
    r = await client.post("/oauth2/token/", data=exchange)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"  # no verifier
    r = await client.post("/oauth2/token/", data={**exchange, "code_verifier": verifier})
    assert r.status_code == 200, r.text
    tokens = r.json()
    r = await client.post(
        "/oauth2/token/",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": oauth.client_id,
        },
    )
    assert r.status_code == 200, r.text
    # A public client has no secret to prove: it gets no client-credentials token.
    r = await client.post(
        "/oauth2/token/", data={"grant_type": "client_credentials", "client_id": oauth.client_id}
    )
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
