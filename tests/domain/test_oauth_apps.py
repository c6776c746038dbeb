"""Managing OAuth apps: redirect URI rules, deactivation revokes tokens, secret rotation,
deletion, and tenancy."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Tenant
from ticketry.domain.accounts.models import Account
from ticketry.domain.errors import NotFound, ValidationFailed, codes_of
from ticketry.domain.oauth.apps import (
    oauth_app_create,
    oauth_app_delete,
    oauth_app_rotate_secret,
    oauth_app_update,
)
from ticketry.domain.oauth.services import (
    OAuthDenied,
    oauth_bearer_authenticate,
    oauth_client_authenticate,
    oauth_client_credentials,
)


async def _account(db: AsyncSession, tenant: Tenant) -> Account:
    account = await db.get(Account, tenant.account_id)
    assert account is not None
    return account


async def test_redirect_uris_and_fields_are_checked_together(
    db: AsyncSession, tenant: Tenant
) -> None:
    account = await _account(db, tenant)
    with pytest.raises(ValidationFailed) as caught:
        await oauth_app_create(
            db,
            account=account,
            name=" ",
            scopes=["tickets:read", "orders:everything"],
            redirect_uris=[
                "http://shop.example.com/cb",
                "https://shop.example.com/cb#frag",
                "/relative",
                "http://127.0.0.1:8765/cb",
                "https://shop.example.com/cb",
            ],
        )
    errors = caught.value.errors
    assert codes_of(errors["name"]) == ["blank"]
    assert "orders:everything" in errors["scopes"][0]
    assert len(errors["redirect_uris"]) == 3  # http off loopback, fragment, relative
    assert any("https" in e for e in errors["redirect_uris"])
    await db.rollback()


async def test_deactivation_revokes_tokens_and_rotation_replaces_the_secret(
    db: AsyncSession, tenant: Tenant
) -> None:
    account = await _account(db, tenant)
    app, secret = await oauth_app_create(
        db, account=account, name="ERP", scopes=["tickets:read"], redirect_uris=[]
    )
    await db.commit()
    issued = await oauth_client_credentials(db, app=app, scope=None)
    await db.commit()  # the caller's unit of work
    assert await oauth_bearer_authenticate(db, issued.access_token) is not None

    await oauth_app_update(db, account=account, ref=app.public_id, is_active=False)
    await db.commit()
    assert await oauth_bearer_authenticate(db, issued.access_token) is None
    with pytest.raises(OAuthDenied):
        await oauth_client_authenticate(db, client_id=app.client_id, client_secret=secret)

    await oauth_app_update(db, account=account, ref=app.public_id, is_active=True)
    await db.commit()
    # Turning the app on again does not revive the old token.
    assert await oauth_bearer_authenticate(db, issued.access_token) is None
    assert await oauth_client_authenticate(db, client_id=app.client_id, client_secret=secret)

    _, new_secret = await oauth_app_rotate_secret(db, account=account, ref=app.public_id)
    await db.commit()
    assert new_secret != secret
    with pytest.raises(OAuthDenied):
        await oauth_client_authenticate(db, client_id=app.client_id, client_secret=secret)
    again = await oauth_client_authenticate(db, client_id=app.client_id, client_secret=new_secret)
    assert again.id == app.id


async def test_delete_and_tenancy(db: AsyncSession, tenant: Tenant, other_tenant: Tenant) -> None:
    account = await _account(db, tenant)
    other = await _account(db, other_tenant)
    app, secret = await oauth_app_create(db, account=account, name="Shop", scopes=["admin:read"])
    await db.commit()
    issued = await oauth_client_credentials(db, app=app, scope=None)
    await db.commit()  # the caller's unit of work
    ref, client_id = app.public_id, app.client_id
    for call in (
        oauth_app_update(db, account=other, ref=ref, name="stolen"),
        oauth_app_rotate_secret(db, account=other, ref=ref),
        oauth_app_delete(db, account=other, ref=ref),
    ):
        with pytest.raises(NotFound):
            await call
    await db.rollback()

    account = await _account(db, tenant)
    await oauth_app_delete(db, account=account, ref=ref)
    await db.commit()
    assert await oauth_bearer_authenticate(db, issued.access_token) is None
    with pytest.raises(OAuthDenied):
        await oauth_client_authenticate(db, client_id=client_id, client_secret=secret)
