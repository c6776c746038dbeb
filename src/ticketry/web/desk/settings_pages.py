"""Settings: store IDs and API tokens (read + create). Reference data (states, types, tags,
custom fields) has its own pages in ``reference_pages``; webhooks and OAuth apps theirs in
``webhook_pages`` and ``oauth_pages``."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.rights import SETTINGS_MANAGE
from ticketry.domain.accounts.services import token_issue, token_revoke
from ticketry.domain.errors import NotFound, ValidationFailed
from ticketry.domain.orders.services import store_create
from ticketry.domain.web.sessions import DeskIdentity
from ticketry.domain.web.settings_queries import api_tokens_all, stores_all
from ticketry.web.desk.auth import rollback_keeping
from ticketry.web.desk.session_pages import PREFIX
from ticketry.web.desk.ticket_pages import base_context
from ticketry.web.errors import web_errors


def require_admin(identity: DeskIdentity) -> None:
    """Changing the account's settings needs the ``settings.manage`` right (admins, or an
    agent given it): anyone else gets ``Forbidden``."""
    identity.require(SETTINGS_MANAGE)


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
            db, identity, errors=web_errors(exc.errors), values={"code": code, "name": name}
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
    """Issue a token (replacing any earlier one) or, with ``action=revoke``, take it away:
    for oneself, or, with ``settings.manage``, for any agent of the account."""
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
    if form.get("action") == "revoke":
        await token_revoke(db, user=target)
        await db.commit()
        return await _tokens_page(db, identity, revoked=target.email)
    raw = await token_issue(db, user=target)
    await db.commit()
    return await _tokens_page(db, identity, new_token=raw, new_token_user=target.email)


HANDLERS = [
    stores_page,
    stores_create,
    tokens_page,
    tokens_create,
]
