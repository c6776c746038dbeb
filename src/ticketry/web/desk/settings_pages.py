"""Settings: store IDs and API tokens (read + create), webhooks with their delivery log and
OAuth apps (read). Reference data (states, types, tags, custom fields) has its own pages in
``reference_pages``."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.services import token_issue
from ticketry.domain.errors import Forbidden, NotFound, ValidationFailed
from ticketry.domain.orders.services import store_create
from ticketry.domain.pagination import PageRequest
from ticketry.domain.web.sessions import DeskIdentity
from ticketry.domain.web.settings_queries import api_tokens_all, oauth_apps_all, stores_all
from ticketry.web.desk.auth import rollback_keeping
from ticketry.web.desk.session_pages import PREFIX
from ticketry.web.desk.ticket_pages import base_context


def require_admin(identity: DeskIdentity) -> None:
    """Changing the account's settings is for admins: anyone else gets ``Forbidden``."""
    if identity.user.role != "admin":
        raise Forbidden()


async def _stores_page(db: AsyncSession, identity: DeskIdentity, **extra: Any) -> Template:
    stores = await stores_all(db, account_id=identity.account.id)
    return Template(
        template_name="desk/stores.html",
        context=base_context(identity, stores=stores, section="stores", **extra),
        status_code=400 if extra.get("errors") else 200,
    )


@get(f"{PREFIX}/settings/stores")
async def stores_page(db: AsyncSession, identity: DeskIdentity) -> Template:
    return await _stores_page(db, identity)


@post(f"{PREFIX}/settings/stores")
async def stores_create(
    request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool
) -> Template:
    require_admin(identity)
    form = await request.form()
    code, name = str(form.get("code") or ""), str(form.get("name") or "")
    try:
        store = await store_create(db, account=identity.account, code=code, name=name)
    except ValidationFailed as exc:
        await rollback_keeping(db, identity)
        return await _stores_page(
            db, identity, errors=exc.errors, values={"code": code, "name": name}
        )
    return await _stores_page(db, identity, created=store.code)


async def _tokens_page(db: AsyncSession, identity: DeskIdentity, **extra: Any) -> Template:
    rows = await api_tokens_all(db, account_id=identity.account.id)
    return Template(
        template_name="desk/tokens.html",
        context=base_context(identity, rows=rows, section="tokens", **extra),
    )


@get(f"{PREFIX}/settings/tokens")
async def tokens_page(db: AsyncSession, identity: DeskIdentity) -> Template:
    return await _tokens_page(db, identity)


@post(f"{PREFIX}/settings/tokens")
async def tokens_create(
    request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool
) -> Template:
    """Issue a token (replacing any earlier one) for oneself, or, as an admin, for an agent."""
    form = await request.form()
    user_id = str(form.get("user") or "")
    target = identity.user
    if user_id and user_id != str(identity.user.public_id):
        require_admin(identity)
        rows = await api_tokens_all(db, account_id=identity.account.id)
        found = next((r.user for r in rows if str(r.user.public_id) == user_id), None)
        if found is None:
            raise NotFound()
        target = found
    raw = await token_issue(db, user=target)
    await db.commit()
    return await _tokens_page(db, identity, new_token=raw, new_token_user=target.email)


@get(f"{PREFIX}/settings/webhooks")
async def webhooks_page(db: AsyncSession, identity: DeskIdentity) -> Template:
    from ticketry.domain.webhooks.queries import subscription_list_all

    subs = await subscription_list_all(db, account_id=identity.account.id)
    return Template(
        template_name="desk/webhooks.html",
        context=base_context(identity, subscriptions=subs, section="webhooks"),
    )


@get(f"{PREFIX}/settings/webhooks/{{sub:uuid}}")
async def webhook_deliveries(
    request: Request, db: AsyncSession, identity: DeskIdentity, sub: uuid.UUID
) -> Template:
    from ticketry.domain.webhooks.queries import delivery_list, subscription_get

    subscription = await subscription_get(db, account_id=identity.account.id, ref=sub)
    try:
        number = max(1, int(request.query_params.get("page") or 1))
    except ValueError:
        number = 1
    page = await delivery_list(
        db,
        account_id=identity.account.id,
        subscription_ref=sub,
        page=PageRequest(page=number, page_size=50),
    )
    return Template(
        template_name="desk/webhook_deliveries.html",
        context=base_context(identity, subscription=subscription, page=page, section="webhooks"),
    )


@get(f"{PREFIX}/settings/oauth")
async def oauth_page(db: AsyncSession, identity: DeskIdentity) -> Template:
    apps = await oauth_apps_all(db, account_id=identity.account.id)
    return Template(
        template_name="desk/oauth.html",
        context=base_context(identity, apps=apps, section="oauth"),
    )


HANDLERS = [
    stores_page,
    stores_create,
    tokens_page,
    tokens_create,
    webhooks_page,
    webhook_deliveries,
    oauth_page,
]
