"""Reference-data pages: an overview, then ticket states, ticket types, tags, custom
fields and departments.

One page per kind lists its rows; an admin also gets a form per row (save, or delete with
``action=delete`` and the ``confirm_delete`` box ticked) and one to add a row. A failed
change renders the page again with 400, the errors next to that form's fields and the typed
values kept. The kinds differ only in their form fields and their domain services
(``domain.catalog``), described once each in ``_KINDS``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.handlers import HTTPRouteHandler
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.catalog.departments import (
    department_create,
    department_delete,
    department_update,
    departments_all,
)
from ticketry.domain.catalog.field_definitions import (
    FIELD_TARGETS,
    OptionInput,
    custom_field_create,
    custom_field_delete,
    custom_field_update,
)
from ticketry.domain.catalog.models import (
    CUSTOM_FIELD_TYPES,
    TICKET_STATUSES,
    CustomField,
    Department,
    Tag,
    TicketState,
    TicketType,
)
from ticketry.domain.catalog.tags import tag_create, tag_delete, tag_update
from ticketry.domain.catalog.ticket_states import state_create, state_delete, state_update
from ticketry.domain.catalog.ticket_types import (
    TYPE_KINDS,
    ticket_type_create,
    ticket_type_delete,
    ticket_type_update,
)
from ticketry.domain.errors import FieldErrors, ValidationFailed
from ticketry.domain.refs import ref_id_or_404
from ticketry.domain.web.desk_queries import desk_lookups
from ticketry.domain.web.sessions import DeskIdentity
from ticketry.domain.web.settings_queries import (
    custom_fields_all,
    tags_all,
    ticket_states_all,
    ticket_types_all,
)
from ticketry.http.params import parse_int
from ticketry.web.desk.auth import rollback_keeping
from ticketry.web.desk.session_pages import PREFIX
from ticketry.web.desk.settings_pages import require_admin
from ticketry.web.desk.ticket_pages import base_context
from ticketry.web.errors import web_errors
from ticketry.web.forms import CONFIRM_FIELD, CONFIRM_MESSAGE, form_text

_DONE = ("created", "saved", "deleted")
_OPTION_KEY = re.compile(r"^opt-(\d{1,3})-(?:(id)|(remove)|label-([a-z]{2,3}))$")

# A parsed form: the values as typed (to show again), the domain service's keyword
# arguments, and the form's own problems (a position that is not a number).
_Parsed = tuple[dict[str, Any], dict[str, Any], FieldErrors]
_Service = Callable[..., Awaitable[object]]


# ---- form parsing ---------------------------------------------------------------------------


def _names(form: FormMultiDict, prefix: str = "name_") -> dict[str, str]:
    """``name_cs``, ``name_en``…: one input per language, as the templates render them."""
    return {
        k[len(prefix) :]: form_text(form, k) for k in form if k.startswith(prefix) and k != prefix
    }


def _with_position(form: FormMultiDict, values: dict[str, Any]) -> _Parsed:
    """``values`` plus the name and the position as typed; the service gets the position as
    a number (None when left empty)."""
    values = {"name": _names(form), **values, "position": form_text(form, "position")}
    problems: FieldErrors = {}
    position: int | None = None
    raw = values["position"].strip()
    if raw:
        position = parse_int(raw)
        if position is None:
            problems["position"] = ["Enter a whole number."]
    return values, {**values, "position": position}, problems


def _options(form: FormMultiDict) -> list[dict[str, Any]]:
    """Option rows ``opt-<n>-id``, ``opt-<n>-label-<lang>``, ``opt-<n>-remove``; rows left
    empty are skipped."""
    rows: dict[int, dict[str, Any]] = {}
    for key in form:
        match = _OPTION_KEY.match(key)
        if not match:
            continue
        row = rows.setdefault(int(match[1], 10), {"id": "", "label": {}, "remove": False})
        if match[2]:
            row["id"] = form_text(form, key).strip()
        elif match[3]:
            row["remove"] = True
        else:
            row["label"][match[4]] = form_text(form, key)
    return [
        rows[n]
        for n in sorted(rows)
        if rows[n]["id"] or any(text.strip() for text in rows[n]["label"].values())
    ]


def _state_form(form: FormMultiDict) -> _Parsed:
    return _with_position(
        form, {"status": form_text(form, "status"), "is_default": "is_default" in form}
    )


def _type_form(form: FormMultiDict) -> _Parsed:
    return _with_position(form, {"kind": form_text(form, "kind")})


def _department_form(form: FormMultiDict) -> _Parsed:
    values, args, problems = _with_position(form, {})
    values["name"] = args["name"] = form_text(form, "name")
    return values, args, problems


def _tag_form(form: FormMultiDict) -> _Parsed:
    values = {
        "name": _names(form),
        "label": form_text(form, "label"),
        "fgcolor": form_text(form, "fgcolor").strip(),
        "bgcolor": form_text(form, "bgcolor").strip(),
    }
    return values, values, {}


def _field_form(form: FormMultiDict) -> _Parsed:
    options = _options(form)
    values, args, problems = _with_position(
        form,
        {
            "target": form_text(form, "target"),
            "key": form_text(form, "key"),
            "type": form_text(form, "type"),
            "options": options,
            "is_required": "is_required" in form,
        },
    )
    kept = [OptionInput(label=o["label"], id=o["id"] or None) for o in options if not o["remove"]]
    return values, {**args, "options": kept}, problems


async def _field_update(session: AsyncSession, *, target: str, key: str, **args: Any) -> object:
    """Key and target are fixed once a field is created: the edit form has neither."""
    return await custom_field_update(session, **args)


# ---- the kinds -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Kind:
    model: Any
    rows: Callable[..., Awaitable[list[Any]]]
    parse: Callable[[FormMultiDict], _Parsed]
    create: _Service
    update: _Service
    delete: _Service


_KINDS: dict[str, _Kind] = {
    "states": _Kind(
        TicketState, ticket_states_all, _state_form, state_create, state_update, state_delete
    ),
    "types": _Kind(
        TicketType,
        ticket_types_all,
        _type_form,
        ticket_type_create,
        ticket_type_update,
        ticket_type_delete,
    ),
    "tags": _Kind(Tag, tags_all, _tag_form, tag_create, tag_update, tag_delete),
    "fields": _Kind(
        CustomField,
        custom_fields_all,
        _field_form,
        custom_field_create,
        _field_update,
        custom_field_delete,
    ),
    "departments": _Kind(
        Department,
        departments_all,
        _department_form,
        department_create,
        department_update,
        department_delete,
    ),
}


# ---- one flow for every kind ----------------------------------------------------------------


async def _page(db: AsyncSession, identity: DeskIdentity, kind: str, **extra: Any) -> Template:
    rows = await _KINDS[kind].rows(db, account_id=identity.account.id)
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


async def _show(request: Request, db: AsyncSession, identity: DeskIdentity, kind: str) -> Template:
    done = request.query_params.get("done")
    return await _page(db, identity, kind, done=done if done in _DONE else None)


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
        merged = web_errors(exc.errors)
        for field, messages in problems.items():
            merged[field] = [*messages, *merged.get(field, [])]
        return merged
    if problems:
        await rollback_keeping(db, identity)
        return problems
    await db.commit()
    return {}


async def _write(
    request: Request, db: AsyncSession, identity: DeskIdentity, kind: str, ref: uuid.UUID | None
) -> Template | Redirect:
    """Create (``ref`` None), save or delete one row of ``kind``, then show the page again:
    after a redirect when it worked, at once with 400 and the errors when it did not."""
    require_admin(identity)
    spec, form, aid = _KINDS[kind], await request.form(), identity.account.id
    values: dict[str, Any] | None = None
    if ref is None:
        values, args, problems = spec.parse(form)
        errors = await _apply(
            db, identity, problems, lambda: spec.create(db, account_id=aid, **args)
        )
        done = "created"
    elif form_text(form, "action") == "delete":
        if CONFIRM_FIELD in form:
            errors = await _apply(
                db, identity, {}, lambda: spec.delete(db, account_id=aid, ref=ref)
            )
        else:
            await ref_id_or_404(db, spec.model, account_id=aid, ref=ref)  # 404 comes first
            errors = {CONFIRM_FIELD: [CONFIRM_MESSAGE]}
        done = "deleted"
    else:
        values, args, problems = spec.parse(form)
        errors = await _apply(
            db, identity, problems, lambda: spec.update(db, account_id=aid, ref=ref, **args)
        )
        done = "saved"
    if errors:
        editing = "new" if ref is None else str(ref)
        return await _page(db, identity, kind, errors=errors, editing=editing, values=values)
    return Redirect(path=f"{PREFIX}/settings/{kind}/?done={done}", status_code=303)


# ---- routes -----------------------------------------------------------------------------------


@get(f"{PREFIX}/settings")
async def settings_overview(db: AsyncSession, identity: DeskIdentity) -> Template:
    """Every kind at a glance, each linking to its own page."""
    lookups = await desk_lookups(db, account_id=identity.account.id)
    fields = await custom_fields_all(db, account_id=identity.account.id)
    departments = await departments_all(db, account_id=identity.account.id)
    return Template(
        template_name="desk/settings.html",
        context=base_context(
            identity,
            lookups=lookups,
            fields=fields,
            departments=departments,
            section="overview",
        ),
    )


def _routes(kind: str) -> list[HTTPRouteHandler]:
    """The page of ``kind`` (GET), its create form (POST) and each row's form (POST)."""
    path = f"{PREFIX}/settings/{kind}"

    async def show(request: Request, db: AsyncSession, identity: DeskIdentity) -> Template:
        return await _show(request, db, identity, kind)

    async def create(
        request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool
    ) -> Template | Redirect:
        return await _write(request, db, identity, kind, None)

    async def change(
        request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool, ref: uuid.UUID
    ) -> Template | Redirect:
        return await _write(request, db, identity, kind, ref)

    return [
        get(path, name=f"{kind}_page")(show),
        post(path, name=f"{kind}_create")(create),
        post(f"{path}/{{ref:uuid}}", name=f"{kind}_change")(change),
    ]


HANDLERS = [settings_overview, *(handler for kind in _KINDS for handler in _routes(kind))]
