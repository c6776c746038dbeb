"""Webhook subscriptions in the desk, with their delivery log.

Everyone reads them; users with ``settings.manage`` also create, edit, enable or disable,
rotate secrets, send test events, redeliver and delete. Each subscription has one POST URL
whose ``action`` says what to do; deleting counts only with the ``confirm_delete`` box
ticked. A refused change renders the page again with 400, the errors next to the fields and
the typed values kept. A new or rotated secret is rendered once into the answer of that POST
(never into a URL, never logged).
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.rights import SETTINGS_MANAGE
from ticketry.domain.errors import ValidationFailed
from ticketry.domain.pagination import PageRequest
from ticketry.domain.types import utcnow
from ticketry.domain.web.sessions import DeskIdentity
from ticketry.domain.webhooks.flavours import Flavour, Flavours
from ticketry.domain.webhooks.models import WebhookSubscription
from ticketry.domain.webhooks.queries import delivery_list, subscription_get, subscription_list_all
from ticketry.domain.webhooks.services import (
    delivery_enqueue_test,
    delivery_redeliver,
    subscription_create,
    subscription_delete,
    subscription_update,
)
from ticketry.http.params import parse_id
from ticketry.runtime import Runtime
from ticketry.web.desk.auth import rollback_keeping
from ticketry.web.desk.integration_common import CONFIRM_MISSING, done_notice, unknown_action
from ticketry.web.desk.session_pages import PREFIX
from ticketry.web.desk.ticket_pages import base_context
from ticketry.web.errors import web_errors
from ticketry.web.forms import CONFIRM_FIELD, form_text, form_texts

WEBHOOKS = f"{PREFIX}/settings/webhooks"
FORMAT_LABELS = {"retino": "Retino", "nextcommerce": "Next Commerce"}
_WEBHOOK_DONE = ("saved", "enabled", "disabled", "test", "redelivered", "deleted")


# ---- webhooks ---------------------------------------------------------------------------------


def _allow_private(request: Request) -> bool:
    runtime: Runtime = request.app.state.runtime
    return runtime.settings.webhook_allow_private


def _flavours(request: Request) -> Flavours:
    """The payload formats the program was assembled with (the runtime holds them)."""
    runtime: Runtime = request.app.state.runtime
    return runtime.flavours


def _formats(request: Request) -> list[tuple[str, str, tuple[str, ...]]]:
    """(name, label, event names) of every payload format, for the forms."""
    return [(f.name, FORMAT_LABELS.get(f.name, f.name), f.event_names) for f in _flavours(request)]


async def _webhooks_page(
    request: Request, db: AsyncSession, identity: DeskIdentity, **extra: Any
) -> Template:
    subs = await subscription_list_all(db, account_id=identity.account.id)
    errors = extra.pop("errors", None) or {}
    return Template(
        template_name="desk/webhooks.html",
        context=base_context(
            identity,
            subscriptions=subs,
            section="webhooks",
            formats=_formats(request),
            format_labels=FORMAT_LABELS,
            errors=errors,
            done=done_notice(request, _WEBHOOK_DONE),
            **extra,
        ),
        status_code=400 if errors else 200,
    )


async def _webhook_page(
    request: Request, db: AsyncSession, identity: DeskIdentity, ref: uuid.UUID, **extra: Any
) -> Template:
    subscription = await subscription_get(db, account_id=identity.account.id, ref=ref)
    number = parse_id(request.query_params.get("page")) or 1
    page = await delivery_list(
        db,
        account_id=identity.account.id,
        subscription_ref=ref,
        page=PageRequest(page=number, page_size=50),
    )
    flavour = _flavours(request).get(subscription.flavour)
    errors = extra.pop("errors", None) or {}
    extra.setdefault("done", done_notice(request, _WEBHOOK_DONE))
    return Template(
        template_name="desk/webhook_deliveries.html",
        context=base_context(
            identity,
            subscription=subscription,
            page=page,
            section="webhooks",
            event_names=flavour.event_names if flavour else tuple(subscription.events),
            format_label=FORMAT_LABELS.get(subscription.flavour, subscription.flavour),
            errors=errors,
            **extra,
        ),
        status_code=400 if errors else 200,
    )


@get(WEBHOOKS)
async def webhooks_page(request: Request, db: AsyncSession, identity: DeskIdentity) -> Template:
    return await _webhooks_page(request, db, identity)


@post(WEBHOOKS)
async def webhook_create(
    request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool
) -> Template:
    """Subscribe a URL; the answer is the subscription's page with its secret, shown once."""
    identity.require(SETTINGS_MANAGE)
    form = await request.form()
    fmt, secret = form_text(form, "format"), form_text(form, "secret").strip()
    # The secret typed is not echoed back after an error: it is asked for again.
    url, events = form_text(form, "url").strip(), form_texts(form, "events")
    values = {"url": url, "events": events, "secret_given": bool(secret)}
    known = _flavours(request)
    if fmt not in known:
        return await _webhooks_page(
            request, db, identity, errors={"format": ["Choose a format."]}, values=values
        )
    flavour = known[fmt]
    try:
        sub = await subscription_create(
            db,
            account=identity.account,
            url=url,
            events=events,
            secret=secret or None,
            flavour=flavour.name,
            allowed_events=flavour.event_names,
            allow_private=_allow_private(request),
        )
    except ValidationFailed as exc:
        await rollback_keeping(db, identity)
        return await _webhooks_page(
            request, db, identity, errors=web_errors(exc.errors), values=values, editing=fmt
        )
    return await _webhook_page(
        request, db, identity, sub.public_id, new_secret=sub.secret, done="created"
    )


@get(f"{WEBHOOKS}/{{sub:uuid}}")
async def webhook_deliveries(
    request: Request, db: AsyncSession, identity: DeskIdentity, sub: uuid.UUID
) -> Template:
    return await _webhook_page(request, db, identity, sub)


async def _enqueue_test(
    db: AsyncSession, identity: DeskIdentity, sub: WebhookSubscription, flavour: Flavour
) -> None:
    """A test event in the subscription's format, queued for the worker like the API's."""
    event_id = uuid.uuid4()
    built = flavour.test_payload(str(event_id), msgspec.json.encode(utcnow()).decode().strip('"'))
    await delivery_enqueue_test(
        db,
        account=identity.account,
        ref=sub.id,
        event_type=built.event_type,
        payload=msgspec.json.encode(built.payload).decode(),
        event_public_id=event_id,
    )


@post(f"{WEBHOOKS}/{{sub:uuid}}")
async def webhook_change(
    request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool, sub: uuid.UUID
) -> Template | Redirect:
    """``action``: save (URL, events), enable, disable, rotate, test or delete."""
    identity.require(SETTINGS_MANAGE)
    form = await request.form()
    action = form_text(form, "action")
    subscription = await subscription_get(db, account_id=identity.account.id, ref=sub)
    flavour = _flavours(request)[subscription.flavour]
    common: dict[str, Any] = {
        "account": identity.account,
        "ref": sub,
        "allowed_events": flavour.event_names,
        "allow_private": _allow_private(request),
    }
    here = f"{WEBHOOKS}/{sub}"
    if action == "delete":
        if CONFIRM_FIELD not in form:
            return await _webhook_page(request, db, identity, sub, errors=CONFIRM_MISSING)
        await subscription_delete(db, account=identity.account, ref=sub)
        return Redirect(path=f"{WEBHOOKS}?done=deleted", status_code=303)
    if action == "test":
        await _enqueue_test(db, identity, subscription, flavour)
        return Redirect(path=f"{here}?done=test", status_code=303)
    if action == "rotate":
        rotated = await subscription_update(db, secret="", **common)  # "" generates one
        return await _webhook_page(
            request, db, identity, sub, new_secret=rotated.secret, done="rotated"
        )
    if action in ("enable", "disable"):
        await subscription_update(db, is_active=action == "enable", **common)
        return Redirect(path=f"{here}?done={action}d", status_code=303)
    if action != "save":
        raise unknown_action()
    url, events = form_text(form, "url").strip(), form_texts(form, "events")
    values = {"url": url, "events": events}
    try:
        await subscription_update(db, url=url, events=events, **common)
    except ValidationFailed as exc:
        await rollback_keeping(db, identity)
        return await _webhook_page(
            request, db, identity, sub, errors=web_errors(exc.errors), values=values
        )
    return Redirect(path=f"{here}?done=saved", status_code=303)


@post(f"{WEBHOOKS}/{{sub:uuid}}/deliveries/{{delivery:uuid}}/redeliver")
async def webhook_redeliver(
    db: AsyncSession, identity: DeskIdentity, csrf_ok: bool, sub: uuid.UUID, delivery: uuid.UUID
) -> Redirect:
    """Queue the delivery's payload (same event id) again as a new delivery."""
    identity.require(SETTINGS_MANAGE)
    await delivery_redeliver(
        db, account=identity.account, subscription_ref=sub, delivery_ref=delivery
    )
    return Redirect(path=f"{WEBHOOKS}/{sub}?done=redelivered", status_code=303)


HANDLERS = [
    webhooks_page,
    webhook_create,
    webhook_deliveries,
    webhook_change,
    webhook_redeliver,
]
