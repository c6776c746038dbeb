"""The desk's webhook and OAuth app pages over HTTP: admins create, edit, enable/disable,
rotate secrets, test, redeliver and delete; everyone else reads; other accounts' objects
are 404."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import func, select

from tests.web.conftest import PASSWORD, Desk, hidden, make_desk, sign_in
from ticketry.app import TicketryApp
from ticketry.domain.accounts.models import Account
from ticketry.domain.accounts.passwords import password_hash
from ticketry.domain.accounts.services import user_get_or_create
from ticketry.domain.oauth.apps import oauth_app_create
from ticketry.domain.oauth.models import OAuthApp
from ticketry.domain.oauth.services import secret_hash
from ticketry.domain.webhooks.models import WebhookDelivery, WebhookSubscription
from ticketry.domain.webhooks.services import subscription_create
from ticketry.registries import webhook_flavours

HOOK_URL = "https://93.184.215.14/hooks"  # a public address: no DNS needed
WEBHOOKS = "/desk/settings/webhooks"
OAUTH = "/desk/settings/oauth"
NC_HEADERS = {"X-29Next-Api-Version": "2024-04-01"}


@pytest.fixture
async def admin(client: httpx.AsyncClient, desk: Desk) -> httpx.AsyncClient:
    assert (await sign_in(client, desk)).status_code == 303
    return client


@pytest.fixture
def strict(app: TicketryApp, monkeypatch: pytest.MonkeyPatch) -> None:
    """Private and loopback webhook targets refused, whatever the environment says."""
    assert app.runtime is not None
    settings = replace(app.runtime.settings, webhook_allow_private=False)
    monkeypatch.setattr(app.runtime, "settings", settings)


async def csrf_of(client: httpx.AsyncClient, path: str = WEBHOOKS) -> str:
    return hidden((await client.get(path)).text, "_csrf")


def shown_secret(html: str) -> str:
    found = re.findall(r'<code class="secret">([^<]+)</code>', html)
    assert len(found) == 1, html
    return found[0]


async def subscriptions(app: TicketryApp, account_id: int) -> list[WebhookSubscription]:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        rows = await session.scalars(
            select(WebhookSubscription).where(WebhookSubscription.account_id == account_id)
        )
        return list(rows)


async def deliveries(app: TicketryApp, subscription_id: int) -> list[WebhookDelivery]:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        rows = await session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.subscription_id == subscription_id)
            .order_by(WebhookDelivery.id)
        )
        return list(rows)


async def create_hook(admin: httpx.AsyncClient, **extra: object) -> httpx.Response:
    data = {
        "_csrf": await csrf_of(admin),
        "format": "retino",
        "url": HOOK_URL,
        "events": ["ticket.created", "ticket.updated"],
        **extra,
    }
    return await admin.post(WEBHOOKS, data=data)


async def user_in(app: TicketryApp, desk: Desk, role: str) -> Desk:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        account = await session.get(Account, desk.account_id)
        assert account is not None
        email = f"{role}-{uuid.uuid4().hex[:6]}@{desk.slug}.test"
        user, _ = await user_get_or_create(session, account=account, email=email, role=role)
        user.password_hash = password_hash(PASSWORD)
        await session.commit()
        return Desk(slug=desk.slug, account_id=desk.account_id, email=email, user_id=user.id)


@pytest.fixture
async def second(app: TicketryApp) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as c:
        yield c


# ---- webhooks ---------------------------------------------------------------------------------


async def test_create_shows_the_secret_once(
    app: TicketryApp, admin: httpx.AsyncClient, desk: Desk, strict: None
) -> None:
    r = await create_hook(admin)
    assert r.status_code == 200, r.text
    assert "Store this secret now" in r.text
    secret = shown_secret(r.text)
    [sub] = await subscriptions(app, desk.account_id)
    assert sub.url == HOOK_URL and sub.flavour == "retino" and sub.is_active
    assert sub.events == ["ticket.created", "ticket.updated"]
    assert sub.secret == secret and len(secret) >= 32
    # Never again: neither on its page nor in the list.
    page = await admin.get(f"{WEBHOOKS}/{sub.public_id}")
    assert page.status_code == 200 and secret not in page.text
    assert secret not in (await admin.get(WEBHOOKS)).text

    # A given secret is kept; the Next Commerce format offers its own events.
    r = await create_hook(
        admin, format="nextcommerce", events=["ticket.updated"], secret="my-own-secret"
    )
    assert r.status_code == 200 and shown_secret(r.text) == "my-own-secret"
    nc = [s for s in await subscriptions(app, desk.account_id) if s.flavour == "nextcommerce"]
    assert [s.events for s in nc] == [["ticket.updated"]]
    assert nc[0].secret == "my-own-secret"


async def test_create_refuses_bad_input(
    app: TicketryApp, admin: httpx.AsyncClient, desk: Desk, strict: None
) -> None:
    r = await create_hook(admin, url="http://127.0.0.1/", secret="typed-secret")
    assert r.status_code == 400
    assert 'id="err-new-retino-url"' in r.text and "loopback" in r.text
    assert 'value="http://127.0.0.1/"' in r.text  # typed values kept
    assert re.search(r'value="ticket.updated" checked', r.text)
    assert "typed-secret" not in r.text
    r = await create_hook(admin, events=["no.such.event"])
    assert r.status_code == 400 and "is not a valid choice" in r.text
    r = await create_hook(admin, events=[])
    assert r.status_code == 400 and "may not be empty" in r.text
    r = await create_hook(admin, format="nonsense")
    assert r.status_code == 400 and "Choose a format" in r.text
    assert await subscriptions(app, desk.account_id) == []


async def test_create_refuses_the_same_subscription_twice(
    app: TicketryApp, admin: httpx.AsyncClient, desk: Desk, strict: None
) -> None:
    assert (await create_hook(admin)).status_code == 200
    r = await create_hook(admin, events=["ticket.updated", "ticket.created"])
    assert r.status_code == 400
    assert 'id="err-new-retino-url"' in r.text and "already exists" in r.text
    # The Next Commerce format to the same URL is another subscription.
    assert (await create_hook(admin, format="nextcommerce")).status_code == 200
    assert len(await subscriptions(app, desk.account_id)) == 2


async def test_edit_disable_enable(
    app: TicketryApp, admin: httpx.AsyncClient, desk: Desk, strict: None
) -> None:
    await create_hook(admin)
    [sub] = await subscriptions(app, desk.account_id)
    path = f"{WEBHOOKS}/{sub.public_id}"
    csrf = await csrf_of(admin, path)

    r = await admin.post(
        path, data={"_csrf": csrf, "action": "save", "url": "http://10.1.2.3/", "events": []}
    )
    assert r.status_code == 400
    assert f'id="err-{sub.public_id}-url"' in r.text and 'value="http://10.1.2.3/"' in r.text
    r = await admin.post(
        path,
        data={
            "_csrf": csrf,
            "action": "save",
            "url": "https://93.184.215.15/new",
            "events": ["ticket.product.created"],
        },
    )
    assert r.status_code == 303
    [sub] = await subscriptions(app, desk.account_id)
    assert sub.url == "https://93.184.215.15/new" and sub.events == ["ticket.product.created"]

    r = await admin.post(path, data={"_csrf": csrf, "action": "disable"})
    assert r.status_code == 303 and r.headers["location"].endswith("?done=disabled")
    [sub] = await subscriptions(app, desk.account_id)
    assert not sub.is_active and sub.disabled_at is not None
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        row = await session.get(WebhookSubscription, sub.id)
        assert row is not None
        row.consecutive_failures = 7
        await session.commit()
    assert 'value="enable"' in (await admin.get(path)).text
    r = await admin.post(path, data={"_csrf": csrf, "action": "enable"})
    assert r.status_code == 303
    [sub] = await subscriptions(app, desk.account_id)
    assert sub.is_active and sub.disabled_at is None and sub.consecutive_failures == 0

    old = sub.secret
    r = await admin.post(path, data={"_csrf": csrf, "action": "rotate"})
    assert r.status_code == 200
    [sub] = await subscriptions(app, desk.account_id)
    assert sub.secret == shown_secret(r.text) != old


async def test_test_event_and_redeliver(
    app: TicketryApp, admin: httpx.AsyncClient, desk: Desk, strict: None
) -> None:
    await create_hook(admin, format="nextcommerce", events=["ticket.created"])
    [sub] = await subscriptions(app, desk.account_id)
    path = f"{WEBHOOKS}/{sub.public_id}"
    csrf = await csrf_of(admin, path)
    r = await admin.post(path, data={"_csrf": csrf, "action": "test"})
    assert r.status_code == 303
    done = r.headers["location"]
    [test] = await deliveries(app, sub.id)
    assert test.is_test and test.status == "pending" and not test.is_redelivery
    expected = webhook_flavours()["nextcommerce"].test_payload(str(test.event_public_id), "x")
    assert test.event_type == expected.event_type

    page = await admin.get(done)
    assert "Test event queued" in page.text
    redeliver = f"{path}/deliveries/{test.public_id}/redeliver"
    assert f'action="{redeliver}"' in page.text
    r = await admin.post(redeliver, data={"_csrf": csrf})
    assert r.status_code == 303
    first, again = await deliveries(app, sub.id)
    assert again.is_redelivery and again.public_id != first.public_id
    assert again.event_public_id == first.event_public_id and again.payload == first.payload
    # Without the token: refused, nothing queued.
    r = await admin.post(redeliver, data={})
    assert r.status_code == 403 and len(await deliveries(app, sub.id)) == 2
    # A delivery of another subscription is not this one's.
    r = await admin.post(
        f"{WEBHOOKS}/{uuid.uuid4()}/deliveries/{test.public_id}/redeliver", data={"_csrf": csrf}
    )
    assert r.status_code == 404


async def test_delete_asks_first(
    app: TicketryApp, admin: httpx.AsyncClient, desk: Desk, strict: None
) -> None:
    await create_hook(admin)
    [sub] = await subscriptions(app, desk.account_id)
    path = f"{WEBHOOKS}/{sub.public_id}"
    page = await admin.get(path)
    assert "<summary>Delete…" in page.text and 'name="confirm_delete"' in page.text
    csrf = hidden(page.text, "_csrf")
    r = await admin.post(path, data={"_csrf": csrf, "action": "delete"})
    assert r.status_code == 400 and "Nothing was deleted." in r.text
    assert len(await subscriptions(app, desk.account_id)) == 1
    r = await admin.post(path, data={"_csrf": csrf, "action": "delete", "confirm_delete": "1"})
    assert r.status_code == 303
    assert await subscriptions(app, desk.account_id) == []
    assert (await admin.get(path)).status_code == 404


# ---- OAuth apps -------------------------------------------------------------------------------


async def create_app(admin: httpx.AsyncClient, **extra: object) -> httpx.Response:
    data = {
        "_csrf": await csrf_of(admin, OAUTH),
        "name": "Partner",
        "scopes": ["tickets:read", "tickets:write"],
        "redirect_uris": "https://partner.example.com/cb\n",
        "user": "",
        **extra,
    }
    return await admin.post(OAUTH, data=data)


async def token(client: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
    return await client.post(
        "/oauth2/token/",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )


async def tickets_with(client: httpx.AsyncClient, access: str) -> int:
    r = await client.get(
        "/api/admin/tickets/", headers={"Authorization": f"Bearer {access}", **NC_HEADERS}
    )
    return r.status_code


async def oauth_apps(app: TicketryApp, account_id: int) -> list[OAuthApp]:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        rows = await session.scalars(select(OAuthApp).where(OAuthApp.account_id == account_id))
        return list(rows)


async def test_oauth_app_lifecycle(app: TicketryApp, admin: httpx.AsyncClient, desk: Desk) -> None:
    r = await create_app(admin, user=await _public_id(app, desk))
    assert r.status_code == 200, r.text
    assert "Store the client secret now" in r.text
    client_id = re.search(r'<code class="client-id">([^<]+)</code>', r.text)
    assert client_id
    secret = shown_secret(r.text)
    [row] = await oauth_apps(app, desk.account_id)
    assert row.client_id == client_id.group(1) and row.client_secret_hash == secret_hash(secret)
    assert row.scopes == "tickets:read tickets:write" and row.user_id == desk.user_id
    assert row.redirect_uris == ["https://partner.example.com/cb"]
    assert secret not in (await admin.get(OAUTH)).text

    issued = await token(admin, row.client_id, secret)
    assert issued.status_code == 200, issued.text
    access = issued.json()["access_token"]
    assert await tickets_with(admin, access) == 200

    path = f"{OAUTH}/{row.public_id}"
    csrf = await csrf_of(admin, OAUTH)
    r = await admin.post(
        path,
        data={
            "_csrf": csrf,
            "action": "save",
            "name": "Partner 2",
            "scopes": ["tickets:read"],
            "redirect_uris": "",
        },
    )
    assert r.status_code == 303
    [row] = await oauth_apps(app, desk.account_id)
    assert row.name == "Partner 2" and row.scopes == "tickets:read" and row.redirect_uris == []

    r = await admin.post(path, data={"_csrf": csrf, "action": "rotate"})
    assert r.status_code == 200
    new_secret = shown_secret(r.text)
    assert new_secret != secret
    assert (await token(admin, row.client_id, secret)).status_code == 401
    assert (await token(admin, row.client_id, new_secret)).status_code == 200

    r = await admin.post(path, data={"_csrf": csrf, "action": "deactivate"})
    assert r.status_code == 303
    assert await tickets_with(admin, access) == 401
    assert (await token(admin, row.client_id, new_secret)).status_code == 401
    r = await admin.post(path, data={"_csrf": csrf, "action": "activate"})
    assert r.status_code == 303
    assert await tickets_with(admin, access) == 401  # revoked tokens stay revoked
    assert (await token(admin, row.client_id, new_secret)).status_code == 200

    r = await admin.post(path, data={"_csrf": csrf, "action": "delete"})
    assert r.status_code == 400 and "Nothing was deleted." in r.text
    assert len(await oauth_apps(app, desk.account_id)) == 1
    r = await admin.post(path, data={"_csrf": csrf, "action": "delete", "confirm_delete": "1"})
    assert r.status_code == 303
    assert await oauth_apps(app, desk.account_id) == []


async def _public_id(app: TicketryApp, desk: Desk) -> str:
    from ticketry.domain.accounts.models import User

    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        user = await session.get(User, desk.user_id)
        assert user is not None
        return str(user.public_id)


async def test_oauth_app_refuses_bad_input(
    app: TicketryApp, admin: httpx.AsyncClient, desk: Desk
) -> None:
    r = await create_app(
        admin, name="Kept name", scopes=[], redirect_uris="http://partner.example.com/cb"
    )
    assert r.status_code == 400
    assert 'id="err-new-scopes"' in r.text and 'id="err-new-redirect_uris"' in r.text
    assert 'value="Kept name"' in r.text and "http://partner.example.com/cb</textarea>" in r.text
    r = await create_app(admin, user=str(uuid.uuid4()))
    assert r.status_code == 400 and "Choose an agent" in r.text
    assert await oauth_apps(app, desk.account_id) == []
    await create_app(admin)
    [row] = await oauth_apps(app, desk.account_id)
    r = await admin.post(
        f"{OAUTH}/{row.public_id}",
        data={"_csrf": await csrf_of(admin, OAUTH), "action": "save", "name": " ", "scopes": []},
    )
    assert r.status_code == 400 and f'id="err-{row.public_id}-name"' in r.text
    [row] = await oauth_apps(app, desk.account_id)
    assert row.name == "Partner"


# ---- rights and tenancy -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "viewer"])
async def test_others_read_only(
    app: TicketryApp,
    admin: httpx.AsyncClient,
    second: httpx.AsyncClient,
    desk: Desk,
    role: str,
    strict: None,
) -> None:
    await create_hook(admin)
    await create_app(admin)
    [sub] = await subscriptions(app, desk.account_id)
    [row] = await oauth_apps(app, desk.account_id)
    assert (await sign_in(second, await user_in(app, desk, role))).status_code == 303

    listing = await second.get(WEBHOOKS)
    assert listing.status_code == 200 and HOOK_URL in listing.text
    assert 'name="format"' not in listing.text
    page = await second.get(f"{WEBHOOKS}/{sub.public_id}")
    assert page.status_code == 200 and 'name="action"' not in page.text
    apps = await second.get(OAUTH)
    assert (
        apps.status_code == 200 and row.client_id in apps.text and 'name="action"' not in apps.text
    )
    csrf = hidden(listing.text, "_csrf")

    attempts = [
        (WEBHOOKS, {"format": "retino", "url": HOOK_URL, "events": ["ticket.created"]}),
        (f"{WEBHOOKS}/{sub.public_id}", {"action": "disable"}),
        (f"{WEBHOOKS}/{sub.public_id}", {"action": "test"}),
        (f"{WEBHOOKS}/{sub.public_id}", {"action": "delete", "confirm_delete": "1"}),
        (OAUTH, {"name": "Mine", "scopes": ["tickets:read"]}),
        (f"{OAUTH}/{row.public_id}", {"action": "rotate"}),
        (f"{OAUTH}/{row.public_id}", {"action": "delete", "confirm_delete": "1"}),
    ]
    for path, data in attempts:
        r = await second.post(path, data={"_csrf": csrf, **data})
        assert r.status_code == 403, (path, data)
        assert "Your role does not allow this." in r.text
    [after] = await subscriptions(app, desk.account_id)
    assert after.is_active and await deliveries(app, sub.id) == []
    [app_after] = await oauth_apps(app, desk.account_id)
    assert app_after.client_secret_hash == row.client_secret_hash


async def test_another_accounts_objects_are_404(app: TicketryApp, admin: httpx.AsyncClient) -> None:
    other = await make_desk(app)
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        account = await session.get(Account, other.account_id)
        assert account is not None
        sub = await subscription_create(
            session,
            account=account,
            url=HOOK_URL,
            events=["ticket.created"],
            secret="theirs",
            flavour="retino",
            allowed_events=webhook_flavours()["retino"].event_names,
            allow_private=False,
        )
        oauth, _ = await oauth_app_create(
            session, account=account, name="Theirs", scopes=["tickets:read"]
        )
        await session.commit()
    csrf = await csrf_of(admin)
    assert (await admin.get(f"{WEBHOOKS}/{sub.public_id}")).status_code == 404
    for action in ("save", "disable", "test", "rotate", "delete"):
        r = await admin.post(
            f"{WEBHOOKS}/{sub.public_id}",
            data={"_csrf": csrf, "action": action, "url": HOOK_URL, "confirm_delete": "1"},
        )
        assert r.status_code == 404, action
    for action in ("save", "deactivate", "rotate", "delete"):
        r = await admin.post(
            f"{OAUTH}/{oauth.public_id}",
            data={"_csrf": csrf, "action": action, "name": "Mine", "confirm_delete": "1"},
        )
        assert r.status_code == 404, action
    [theirs] = await subscriptions(app, other.account_id)
    assert theirs.secret == "theirs" and theirs.is_active
    assert [a.name for a in await oauth_apps(app, other.account_id)] == ["Theirs"]
    async with app.runtime.sessionmaker() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(WebhookDelivery.subscription_id == sub.id)
        )
        assert count == 0
