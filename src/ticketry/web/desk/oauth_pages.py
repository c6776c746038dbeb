"""OAuth apps in the desk: everyone reads them; users with ``settings.manage`` also create
(the client secret shown once, only its digest kept), edit, activate or deactivate (revoking
the app's tokens), rotate the secret and delete (confirmed by the ``confirm_delete`` box).
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import User
from ticketry.domain.accounts.rights import SETTINGS_MANAGE
from ticketry.domain.errors import FieldErrors, ValidationFailed
from ticketry.domain.oauth.apps import (
    oauth_app_create,
    oauth_app_delete,
    oauth_app_rotate_secret,
    oauth_app_update,
)
from ticketry.domain.oauth.models import OAuthApp
from ticketry.domain.oauth.services import SCOPES
from ticketry.domain.refs import ref_id_or_404
from ticketry.domain.web.sessions import DeskIdentity
from ticketry.domain.web.settings_queries import api_tokens_all, oauth_apps_all
from ticketry.web.desk.auth import rollback_keeping
from ticketry.web.desk.integration_common import CONFIRM_MISSING, done_notice, unknown_action
from ticketry.web.desk.session_pages import PREFIX
from ticketry.web.desk.ticket_pages import base_context
from ticketry.web.errors import web_errors
from ticketry.web.forms import CONFIRM_FIELD, form_text, form_texts

OAUTH = f"{PREFIX}/settings/oauth"
_OAUTH_DONE = ("saved", "activated", "deactivated", "deleted")


# ---- OAuth apps -------------------------------------------------------------------------------


async def _agents(db: AsyncSession, identity: DeskIdentity) -> list[User]:
    """The account's active users: who client-credentials tokens may act as."""
    rows = await api_tokens_all(db, account_id=identity.account.id)
    return [r.user for r in rows if r.user.is_active]


async def _oauth_page(
    request: Request, db: AsyncSession, identity: DeskIdentity, **extra: Any
) -> Template:
    apps = await oauth_apps_all(db, account_id=identity.account.id)
    agents = await _agents(db, identity)
    errors = extra.pop("errors", None) or {}
    extra.setdefault("done", done_notice(request, _OAUTH_DONE))
    return Template(
        template_name="desk/oauth.html",
        context=base_context(
            identity,
            apps=apps,
            agents=agents,
            agent_emails={u.id: u.email for u in agents},
            scopes=SCOPES,
            section="oauth",
            errors=errors,
            **extra,
        ),
        status_code=400 if errors else 200,
    )


def _app_values(form: FormMultiDict) -> dict[str, Any]:
    return {
        "name": form_text(form, "name"),
        "scopes": form_texts(form, "scopes"),
        "redirect_uris": [line.strip() for line in form_text(form, "redirect_uris").splitlines()],
        "user": form_text(form, "user"),
    }


@get(OAUTH)
async def oauth_page(request: Request, db: AsyncSession, identity: DeskIdentity) -> Template:
    return await _oauth_page(request, db, identity)


@post(OAUTH)
async def oauth_create(
    request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool
) -> Template:
    """Create an app; the answer shows its client id and secret, the secret only this once."""
    identity.require(SETTINGS_MANAGE)
    values = _app_values(await request.form())
    uris = [uri for uri in values["redirect_uris"] if uri]
    agent = None
    problems: FieldErrors = {}
    if values["user"]:
        agents = await _agents(db, identity)
        agent = next((u for u in agents if str(u.public_id) == values["user"]), None)
        if agent is None:
            problems["user"] = ["Choose an agent of this account."]
    try:
        app, secret = await oauth_app_create(
            db,
            account=identity.account,
            name=values["name"],
            scopes=values["scopes"],
            redirect_uris=uris,
            user=agent,
        )
        if problems:
            raise ValidationFailed(problems)
    except ValidationFailed as exc:
        await rollback_keeping(db, identity)
        return await _oauth_page(
            request,
            db,
            identity,
            errors={**problems, **web_errors(exc.errors)},
            editing="new",
            values=values,
        )
    await db.commit()
    return await _oauth_page(request, db, identity, new_app=app, new_secret=secret, done="created")


@post(f"{OAUTH}/{{ref:uuid}}")
async def oauth_change(
    request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool, ref: uuid.UUID
) -> Template | Redirect:
    """``action``: save (name, scopes, redirect URIs), activate, deactivate (revoking its
    tokens), rotate or delete."""
    identity.require(SETTINGS_MANAGE)
    form = await request.form()
    action = form_text(form, "action")
    account = identity.account
    await ref_id_or_404(db, OAuthApp, account_id=account.id, ref=ref)  # 404 comes first
    if action == "delete":
        if CONFIRM_FIELD not in form:
            return await _oauth_page(
                request, db, identity, errors=CONFIRM_MISSING, editing=str(ref)
            )
        await oauth_app_delete(db, account=account, ref=ref)
        await db.commit()
        return Redirect(path=f"{OAUTH}?done=deleted", status_code=303)
    if action == "rotate":
        app, secret = await oauth_app_rotate_secret(db, account=account, ref=ref)
        await db.commit()
        return await _oauth_page(
            request, db, identity, new_app=app, new_secret=secret, done="rotated"
        )
    if action in ("activate", "deactivate"):
        await oauth_app_update(db, account=account, ref=ref, is_active=action == "activate")
        await db.commit()
        return Redirect(path=f"{OAUTH}?done={action}d", status_code=303)
    if action != "save":
        raise unknown_action()
    values = _app_values(form)
    try:
        await oauth_app_update(
            db,
            account=account,
            ref=ref,
            name=values["name"],
            scopes=values["scopes"],
            redirect_uris=[uri for uri in values["redirect_uris"] if uri],
        )
    except ValidationFailed as exc:
        await rollback_keeping(db, identity)
        return await _oauth_page(
            request, db, identity, errors=web_errors(exc.errors), editing=str(ref), values=values
        )
    await db.commit()
    return Redirect(path=f"{OAUTH}?done=saved", status_code=303)


HANDLERS = [oauth_page, oauth_create, oauth_change]
