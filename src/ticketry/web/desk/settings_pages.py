"""Settings: reference data (read; states, types, tags and custom fields edited by admins
through ``domain.catalog.services``), store IDs and API tokens (read + create), webhooks
with their delivery log and OAuth apps (read)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.services import token_issue
from ticketry.domain.catalog.models import CUSTOM_FIELD_TYPES, TICKET_STATUSES
from ticketry.domain.catalog.services import (
    FIELD_TARGETS,
    TYPE_KINDS,
    OptionInput,
    custom_field_create,
    custom_field_delete,
    custom_field_update,
    state_create,
    state_delete,
    state_update,
    tag_create,
    tag_delete,
    tag_update,
    ticket_type_create,
    ticket_type_delete,
    ticket_type_update,
)
from ticketry.domain.errors import FieldErrors, Forbidden, NotFound, ValidationFailed
from ticketry.domain.orders.services import store_create
from ticketry.domain.pagination import PageRequest
from ticketry.domain.web.desk_queries import desk_lookups
from ticketry.domain.web.sessions import DeskIdentity
from ticketry.domain.web.settings_queries import (
    api_tokens_all,
    custom_fields_all,
    oauth_apps_all,
    stores_all,
    tags_all,
    ticket_states_all,
    ticket_types_all,
)
from ticketry.web.desk.auth import rollback_keeping
from ticketry.web.desk.session_pages import PREFIX
from ticketry.web.desk.ticket_pages import base_context


def _admin(identity: DeskIdentity) -> None:
    if identity.user.role != "admin":
        raise Forbidden()


@get(f"{PREFIX}/settings")
async def settings_overview(db: AsyncSession, identity: DeskIdentity) -> Template:
    lookups = await desk_lookups(db, account_id=identity.account.id)
    fields = await custom_fields_all(db, account_id=identity.account.id)
    return Template(
        template_name="desk/settings.html",
        context=base_context(identity, lookups=lookups, fields=fields, section="overview"),
    )


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
    _admin(identity)
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
        _admin(identity)
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


# ---- reference data: states, types, tags, custom fields ---------------------------------
# One page per kind lists its rows; an admin also gets a form per row (save, or delete with
# ``action=delete``) and one to add a row. A failed change renders the page again with 400,
# the errors next to that form's fields and the typed values kept.

_CATALOG_ROWS: dict[str, Callable[..., Awaitable[list[Any]]]] = {
    "states": ticket_states_all,
    "types": ticket_types_all,
    "tags": tags_all,
    "fields": custom_fields_all,
}
_DONE = ("created", "saved", "deleted")
_OPTION_KEY = re.compile(r"^opt-(\d{1,3})-(?:(id)|(remove)|label-([a-z]{2,3}))$")


async def _catalog_page(
    db: AsyncSession, identity: DeskIdentity, kind: str, **extra: Any
) -> Template:
    rows = await _CATALOG_ROWS[kind](db, account_id=identity.account.id)
    errors = extra.pop("errors", None) or {}
    return Template(
        template_name=f"desk/settings_{kind}.html",
        context=base_context(
            identity,
            rows=rows,
            section="overview",
            errors=errors,
            statuses=TICKET_STATUSES,
            kinds=TYPE_KINDS,
            targets=FIELD_TARGETS,
            field_types=CUSTOM_FIELD_TYPES,
            **extra,
        ),
        status_code=400 if errors else 200,
    )


async def _catalog_get(
    request: Request, db: AsyncSession, identity: DeskIdentity, kind: str
) -> Template:
    done = request.query_params.get("done")
    return await _catalog_page(db, identity, kind, done=done if done in _DONE else None)


async def _apply(
    db: AsyncSession,
    identity: DeskIdentity,
    problems: FieldErrors,
    work: Callable[[], Awaitable[object]],
) -> FieldErrors:
    """Run one domain service; commit only when it and the form's own parsing succeeded,
    else roll back and return every error (the parsing's and the service's)."""
    try:
        await work()
    except ValidationFailed as exc:
        await rollback_keeping(db, identity)
        merged = dict(exc.errors)
        for field, messages in problems.items():
            merged[field] = [*messages, *merged.get(field, [])]
        return merged
    if problems:
        await rollback_keeping(db, identity)
        return problems
    await db.commit()
    return {}


async def _outcome(
    db: AsyncSession,
    identity: DeskIdentity,
    kind: str,
    errors: FieldErrors,
    *,
    editing: str,
    values: dict[str, Any] | None,
    done: str,
) -> Template | Redirect:
    if errors:
        return await _catalog_page(
            db, identity, kind, errors=errors, editing=editing, values=values
        )
    return Redirect(path=f"{PREFIX}/settings/{kind}/?done={done}", status_code=303)


def _text(form: FormMultiDict, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _names(form: FormMultiDict, prefix: str = "name_") -> dict[str, str]:
    """``name_cs``, ``name_en``…: one input per language, as the templates render them."""
    return {k[len(prefix) :]: _text(form, k) for k in form if k.startswith(prefix) and k != prefix}


def _position(form: FormMultiDict, problems: FieldErrors) -> int | None:
    raw = _text(form, "position").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        problems["position"] = ["Enter a whole number."]
        return None


def _options(form: FormMultiDict) -> list[dict[str, Any]]:
    """Option rows ``opt-<n>-id``, ``opt-<n>-label-<lang>``, ``opt-<n>-remove``; rows left
    empty are skipped."""
    rows: dict[int, dict[str, Any]] = {}
    for key in form:
        match = _OPTION_KEY.match(key)
        if not match:
            continue
        row = rows.setdefault(int(match[1]), {"id": "", "label": {}, "remove": False})
        if match[2]:
            row["id"] = _text(form, key).strip()
        elif match[3]:
            row["remove"] = True
        else:
            row["label"][match[4]] = _text(form, key)
    return [
        rows[n]
        for n in sorted(rows)
        if rows[n]["id"] or any(text.strip() for text in rows[n]["label"].values())
    ]


def _deleting(form: FormMultiDict) -> bool:
    return _text(form, "action") == "delete"


def _state_form(form: FormMultiDict) -> tuple[dict[str, Any], FieldErrors, int | None]:
    problems: FieldErrors = {}
    position = _position(form, problems)
    values = {
        "name": _names(form),
        "status": _text(form, "status"),
        "is_default": "is_default" in form,
        "position": _text(form, "position"),
    }
    return values, problems, position


@get(f"{PREFIX}/settings/states")
async def states_page(request: Request, db: AsyncSession, identity: DeskIdentity) -> Template:
    return await _catalog_get(request, db, identity, "states")


@post(f"{PREFIX}/settings/states")
async def states_create(
    request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool
) -> Template | Redirect:
    _admin(identity)
    v, problems, position = _state_form(await request.form())
    errors = await _apply(
        db,
        identity,
        problems,
        lambda: state_create(
            db,
            account_id=identity.account.id,
            name=v["name"],
            status=v["status"],
            is_default=v["is_default"],
            position=position,
        ),
    )
    return await _outcome(db, identity, "states", errors, editing="new", values=v, done="created")


@post(f"{PREFIX}/settings/states/{{ref:uuid}}")
async def states_change(
    request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool, ref: uuid.UUID
) -> Template | Redirect:
    _admin(identity)
    form = await request.form()
    aid = identity.account.id
    if _deleting(form):
        errors = await _apply(db, identity, {}, lambda: state_delete(db, account_id=aid, ref=ref))
        return await _outcome(
            db, identity, "states", errors, editing=str(ref), values=None, done="deleted"
        )
    v, problems, position = _state_form(form)
    errors = await _apply(
        db,
        identity,
        problems,
        lambda: state_update(
            db,
            account_id=aid,
            ref=ref,
            name=v["name"],
            status=v["status"],
            is_default=v["is_default"],
            position=position,
        ),
    )
    return await _outcome(db, identity, "states", errors, editing=str(ref), values=v, done="saved")


def _type_form(form: FormMultiDict) -> tuple[dict[str, Any], FieldErrors, int | None]:
    problems: FieldErrors = {}
    position = _position(form, problems)
    values = {
        "name": _names(form),
        "kind": _text(form, "kind"),
        "position": _text(form, "position"),
    }
    return values, problems, position


@get(f"{PREFIX}/settings/types")
async def types_page(request: Request, db: AsyncSession, identity: DeskIdentity) -> Template:
    return await _catalog_get(request, db, identity, "types")


@post(f"{PREFIX}/settings/types")
async def types_create(
    request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool
) -> Template | Redirect:
    _admin(identity)
    v, problems, position = _type_form(await request.form())
    errors = await _apply(
        db,
        identity,
        problems,
        lambda: ticket_type_create(
            db, account_id=identity.account.id, name=v["name"], kind=v["kind"], position=position
        ),
    )
    return await _outcome(db, identity, "types", errors, editing="new", values=v, done="created")


@post(f"{PREFIX}/settings/types/{{ref:uuid}}")
async def types_change(
    request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool, ref: uuid.UUID
) -> Template | Redirect:
    _admin(identity)
    form = await request.form()
    aid = identity.account.id
    if _deleting(form):
        errors = await _apply(
            db, identity, {}, lambda: ticket_type_delete(db, account_id=aid, ref=ref)
        )
        return await _outcome(
            db, identity, "types", errors, editing=str(ref), values=None, done="deleted"
        )
    v, problems, position = _type_form(form)
    errors = await _apply(
        db,
        identity,
        problems,
        lambda: ticket_type_update(
            db, account_id=aid, ref=ref, name=v["name"], kind=v["kind"], position=position
        ),
    )
    return await _outcome(db, identity, "types", errors, editing=str(ref), values=v, done="saved")


def _tag_form(form: FormMultiDict) -> dict[str, Any]:
    return {
        "name": _names(form),
        "label": _text(form, "label"),
        "fgcolor": _text(form, "fgcolor").strip(),
        "bgcolor": _text(form, "bgcolor").strip(),
    }


@get(f"{PREFIX}/settings/tags")
async def tags_page(request: Request, db: AsyncSession, identity: DeskIdentity) -> Template:
    return await _catalog_get(request, db, identity, "tags")


@post(f"{PREFIX}/settings/tags")
async def tags_create(
    request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool
) -> Template | Redirect:
    _admin(identity)
    v = _tag_form(await request.form())
    errors = await _apply(
        db, identity, {}, lambda: tag_create(db, account_id=identity.account.id, **v)
    )
    return await _outcome(db, identity, "tags", errors, editing="new", values=v, done="created")


@post(f"{PREFIX}/settings/tags/{{ref:uuid}}")
async def tags_change(
    request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool, ref: uuid.UUID
) -> Template | Redirect:
    _admin(identity)
    form = await request.form()
    aid = identity.account.id
    if _deleting(form):
        errors = await _apply(db, identity, {}, lambda: tag_delete(db, account_id=aid, ref=ref))
        return await _outcome(
            db, identity, "tags", errors, editing=str(ref), values=None, done="deleted"
        )
    v = _tag_form(form)
    errors = await _apply(db, identity, {}, lambda: tag_update(db, account_id=aid, ref=ref, **v))
    return await _outcome(db, identity, "tags", errors, editing=str(ref), values=v, done="saved")


def _field_form(
    form: FormMultiDict,
) -> tuple[dict[str, Any], FieldErrors, int | None, list[OptionInput]]:
    problems: FieldErrors = {}
    position = _position(form, problems)
    options = _options(form)
    values = {
        "name": _names(form),
        "target": _text(form, "target"),
        "key": _text(form, "key"),
        "type": _text(form, "type"),
        "options": options,
        "is_required": "is_required" in form,
        "position": _text(form, "position"),
    }
    kept = [OptionInput(label=o["label"], id=o["id"] or None) for o in options if not o["remove"]]
    return values, problems, position, kept


@get(f"{PREFIX}/settings/fields")
async def fields_page(request: Request, db: AsyncSession, identity: DeskIdentity) -> Template:
    return await _catalog_get(request, db, identity, "fields")


@post(f"{PREFIX}/settings/fields")
async def fields_create(
    request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool
) -> Template | Redirect:
    _admin(identity)
    v, problems, position, options = _field_form(await request.form())
    errors = await _apply(
        db,
        identity,
        problems,
        lambda: custom_field_create(
            db,
            account_id=identity.account.id,
            target=v["target"],
            key=v["key"],
            type=v["type"],
            name=v["name"],
            options=options,
            is_required=v["is_required"],
            position=position,
        ),
    )
    return await _outcome(db, identity, "fields", errors, editing="new", values=v, done="created")


@post(f"{PREFIX}/settings/fields/{{ref:uuid}}")
async def fields_change(
    request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool, ref: uuid.UUID
) -> Template | Redirect:
    _admin(identity)
    form = await request.form()
    aid = identity.account.id
    if _deleting(form):
        errors = await _apply(
            db, identity, {}, lambda: custom_field_delete(db, account_id=aid, ref=ref)
        )
        return await _outcome(
            db, identity, "fields", errors, editing=str(ref), values=None, done="deleted"
        )
    v, problems, position, options = _field_form(form)
    errors = await _apply(
        db,
        identity,
        problems,
        lambda: custom_field_update(
            db,
            account_id=aid,
            ref=ref,
            type=v["type"],
            name=v["name"],
            options=options,
            is_required=v["is_required"],
            position=position,
        ),
    )
    return await _outcome(db, identity, "fields", errors, editing=str(ref), values=v, done="saved")


HANDLERS = [
    settings_overview,
    states_page,
    states_create,
    states_change,
    types_page,
    types_create,
    types_change,
    tags_page,
    tags_create,
    tags_change,
    fields_page,
    fields_create,
    fields_change,
    stores_page,
    stores_create,
    tokens_page,
    tokens_create,
    webhooks_page,
    webhook_deliveries,
    oauth_page,
]
