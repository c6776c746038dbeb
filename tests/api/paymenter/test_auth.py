"""Paymenter's API keys: bearer, enabled, admin type, IP allow-list, permissions."""

from __future__ import annotations

import httpx
from sqlalchemy import select, update

from tests.api.paymenter.conftest import BASE, Shop, create_ticket, issue_key
from ticketry.app import TicketryApp
from ticketry.domain.accounts.credentials import CredentialEpoch
from ticketry.domain.apikeys.models import ApiKey
from ticketry.domain.apikeys.services import api_key_hash


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Accept": "application/json"}


async def test_missing_and_invalid_keys(client: httpx.AsyncClient, shop: Shop) -> None:
    r = await client.get(f"{BASE}/tickets")
    assert r.status_code == 401
    assert r.json() == {"error": "The request is missing a valid bearer token."}
    r = await client.get(f"{BASE}/tickets", headers={"Authorization": f"Token {shop.key}"})
    assert r.json() == {"error": "The request is missing a valid bearer token."}
    r = await client.get(f"{BASE}/tickets", headers=_bearer("nope"))
    assert r.status_code == 401
    assert r.json() == {"message": "The provided API key is invalid or has been disabled."}
    # The Retino token of the same account is not an API key.
    r = await client.get(f"{BASE}/tickets", headers=_bearer(shop.tenant.token))
    assert r.status_code == 401


async def test_disabled_key_and_wrong_type(
    app: TicketryApp, client: httpx.AsyncClient, shop: Shop
) -> None:
    assert app.runtime is not None
    # Used first, so the process keeps the key: disabling it must reach that cache too.
    assert (await client.get(f"{BASE}/tickets", headers=shop.headers)).status_code == 200
    async with app.runtime.sessionmaker() as session:
        await session.execute(
            update(ApiKey).where(ApiKey.token_hash == api_key_hash(shop.key)).values(enabled=False)
        )
        await session.commit()
    r = await client.get(f"{BASE}/tickets", headers=shop.headers)
    assert r.status_code == 401
    assert r.json() == {"message": "The provided API key is invalid or has been disabled."}
    client_key = await issue_key(app, shop.tenant.account_id, key_type="client")
    r = await client.get(f"{BASE}/tickets", headers=_bearer(client_key))
    assert r.status_code == 403
    assert r.json() == {"message": "You do not have permission to access this resource."}


async def test_ip_allow_list(app: TicketryApp, shop: Shop) -> None:
    key = await issue_key(app, shop.tenant.account_id, ip_addresses=["10.1.2.3"])
    for ip, status in (("127.0.0.1", 403), ("10.1.2.3", 200)):
        transport = httpx.ASGITransport(app=app, client=(ip, 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            r = await c.get(f"{BASE}/tickets", headers=_bearer(key))
        assert r.status_code == status, (ip, r.text)
    assert r.status_code == 200


async def test_permissions_per_endpoint(
    app: TicketryApp, client: httpx.AsyncClient, shop: Shop
) -> None:
    ticket = await create_ticket(client, shop)
    viewer = _bearer(await issue_key(app, shop.tenant.account_id, ["admin.tickets.view"]))
    r = await client.get(f"{BASE}/tickets/{ticket['id']}", headers=viewer)
    assert r.status_code == 200
    denied = [
        ("POST", f"{BASE}/tickets"),
        ("PUT", f"{BASE}/tickets/{ticket['id']}"),
        ("PATCH", f"{BASE}/tickets/{ticket['id']}"),
        ("DELETE", f"{BASE}/tickets/{ticket['id']}"),
        ("GET", f"{BASE}/ticket-messages"),
        ("POST", f"{BASE}/ticket-messages"),
        ("GET", f"{BASE}/ticket-messages/1"),
        ("DELETE", f"{BASE}/ticket-messages/1"),
    ]
    for method, url in denied:
        r = await client.request(method, url, json={}, headers=viewer)
        assert r.status_code == 403, (method, url)
        assert r.json() == {"message": "This action is unauthorized."}
    # Includes need the related permission too.
    r = await client.get(f"{BASE}/tickets?include=user", headers=viewer)
    assert r.status_code == 400
    assert r.json() == {
        "message": "Requested include(s) `user` are not allowed. Allowed include(s) are ``."
    }
    both = _bearer(
        await issue_key(
            app, shop.tenant.account_id, ["admin.tickets.view", "admin.ticket_messages.view"]
        )
    )
    r = await client.get(f"{BASE}/tickets?include=messages", headers=both)
    assert r.status_code == 200
    r = await client.get(f"{BASE}/tickets?include=assigned_to", headers=both)
    assert r.status_code == 400
    assert (
        "Allowed include(s) are `messages, messagesCount, messagesExists`." in r.json()["message"]
    )


async def test_use_is_recorded(app: TicketryApp, client: httpx.AsyncClient, shop: Shop) -> None:
    r = await client.get(f"{BASE}/tickets", headers=shop.headers)
    assert r.status_code == 200
    assert app.runtime is not None and app.runtime.credentials is not None

    async def last_used() -> object:
        await app.runtime.credentials.touched()  # type: ignore[union-attr]
        async with app.runtime.sessionmaker() as session:  # type: ignore[union-attr]
            return await session.scalar(
                select(ApiKey.last_used_at).where(ApiKey.token_hash == api_key_hash(shop.key))
            )

    async def epoch() -> object:
        async with app.runtime.sessionmaker() as session:  # type: ignore[union-attr]
            return await session.scalar(select(CredentialEpoch.value))

    before = await epoch()
    used = await last_used()
    assert used is not None
    # Recording a use moves no credential epoch (no process forgets its cached keys), and
    # more requests within the interval write nothing.
    assert await epoch() == before
    for _ in range(3):
        assert (await client.get(f"{BASE}/tickets", headers=shop.headers)).status_code == 200
    assert await last_used() == used
