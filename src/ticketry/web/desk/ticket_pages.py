"""The ticket list and a ticket's page; every action calls the same domain services as the
APIs, so the same history rows and outbox events are written."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict, UploadFile
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.rights import SETTINGS_MANAGE, TICKETS_EDIT
from ticketry.domain.catalog.models import TICKET_STATUSES
from ticketry.domain.conversations.services import internal_note_create, message_create
from ticketry.domain.errors import NotFound, ValidationFailed
from ticketry.domain.files.services import files_store
from ticketry.domain.tickets.commands import ItemData, TicketData
from ticketry.domain.tickets.history_labels import ACTOR_LABELS, KIND_LABELS
from ticketry.domain.tickets.items import ticket_item_add, ticket_item_remove, ticket_item_update
from ticketry.domain.tickets.models import TICKET_PRIORITIES, Ticket
from ticketry.domain.tickets.services import ticket_close, ticket_update
from ticketry.domain.web.desk_queries import (
    SORTS,
    DeskFilter,
    desk_file_get,
    desk_lookups,
    desk_ticket_page,
    desk_ticket_page_data,
)
from ticketry.domain.web.sessions import DeskIdentity
from ticketry.http.downloads import file_response
from ticketry.http.params import parse_id
from ticketry.runtime import Runtime
from ticketry.web.desk.auth import rollback_keeping
from ticketry.web.desk.session_pages import PREFIX
from ticketry.web.errors import web_errors
from ticketry.web.forms import form_ids, form_text
from ticketry.web.i18n import DESK_LANGUAGE, translator

PAGE_SIZE = 25
# What an agent may attach to a reply or note; the type is decided by the bytes.
ATTACHMENT_TYPES = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}
)
MAX_ATTACHMENTS = 10


def _int(raw: str | None) -> int | None:
    """A filter's id; anything else (not a number, out of range) filters nothing."""
    return parse_id(raw)


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _filter_from(params: Any) -> DeskFilter:
    closed = params.get("closed") or ""
    status = params.get("status") or ""
    sort = params.get("sort") or "-created_at"
    return DeskFilter(
        search=(params.get("q") or "").strip()[:200],
        status=status if status in TICKET_STATUSES else "",
        state_id=_int(params.get("state")),
        type_id=_int(params.get("type")),
        tag_id=_int(params.get("tag")),
        assignee_id=_int(params.get("assignee")),
        priority=params.get("priority") if params.get("priority") in TICKET_PRIORITIES else "",
        is_closed={"open": False, "closed": True}.get(closed),
        created_from=_day(params.get("from")),
        created_to=_day(params.get("to")),
        sort=sort if sort in SORTS else "-created_at",
    )


def base_context(identity: DeskIdentity, **extra: Any) -> dict[str, Any]:
    return {
        "me": identity.user,
        "account": identity.account,
        "lang": identity.account.language,
        "csrf": identity.session.csrf_token,
        "can_edit": identity.can(TICKETS_EDIT),
        "can_manage": identity.can(SETTINGS_MANAGE),
        **extra,
    }


@get(f"{PREFIX}/tickets")
async def ticket_list_page(request: Request, db: AsyncSession, identity: DeskIdentity) -> Template:
    params = request.query_params
    flt = _filter_from(params)
    page = await desk_ticket_page(
        db,
        account_id=identity.account.id,
        flt=flt,
        limit=PAGE_SIZE,
        after=params.get("after"),
        before=params.get("before"),
    )
    lookups = await desk_lookups(db, account_id=identity.account.id)
    keep = {k: v for k, v in params.items() if k not in ("after", "before") and v}
    partial = (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-target") == "ticket-results"
    )
    return Template(
        template_name="desk/_results.html" if partial else "desk/tickets.html",
        context=base_context(
            identity,
            page=page,
            lookups=lookups,
            params=keep,
            statuses=TICKET_STATUSES,
            priorities=TICKET_PRIORITIES,
            sorts=list(SORTS),
        ),
    )


async def _ticket_template(
    db: AsyncSession,
    identity: DeskIdentity,
    code: str,
    *,
    errors: dict[str, Any] | None = None,
    failed: str = "",
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    """The ticket's page; after a failed action, ``errors`` with ``failed`` naming the form
    (``reply``, ``note``) and ``values`` holding what the agent typed into it."""
    data = await desk_ticket_page_data(
        db, account_id=identity.account.id, code=code, lang=identity.account.language
    )
    lookups = await desk_lookups(db, account_id=identity.account.id)
    return Template(
        template_name="desk/ticket.html",
        context=base_context(
            identity,
            page=data,
            t=data.view,
            lookups=lookups,
            errors=errors or {},
            failed=failed,
            values=values or {},
            priorities=TICKET_PRIORITIES,
            attachment_types=",".join(sorted(ATTACHMENT_TYPES)),
            max_attachments=MAX_ATTACHMENTS,
            tr=translator(DESK_LANGUAGE),
            kind_labels=KIND_LABELS,
            actor_labels=ACTOR_LABELS,
        ),
        status_code=status_code,
    )


async def _mark_read_on_open(db: AsyncSession, identity: DeskIdentity, code: str) -> None:
    """Opening an unread ticket marks it read through ``ticket_update``, so the history row
    and the ``ticket.updated`` event are the ones the APIs write. A read ticket costs one
    cheap query and writes nothing.

    Two agents opening it at once may both see "unread" here, but ``ticket_update`` locks
    the row and compares again: the second finds nothing to change and records no event.
    That is why this reads two columns and not the ORM object: a ``Ticket`` already in the
    session would be handed back by the locking load with its stale ``is_unread``. No
    ``expected_version`` is passed on purpose: "read" is idempotent and commutes with any
    other change, so a concurrent edit (which bumps ``version``) must not make it fail.
    """
    row = (
        await db.execute(
            select(Ticket.id, Ticket.is_unread).where(
                Ticket.account_id == identity.account.id, Ticket.code == code
            )
        )
    ).first()
    if row is None:
        raise NotFound()
    # Viewers read without changing anything, the unread marker included.
    if row.is_unread and identity.can(TICKETS_EDIT):
        await ticket_update(
            db,
            account=identity.account,
            actor=identity.user,
            ref=int(row.id),
            data=TicketData(is_unread=False),
        )


@get(f"{PREFIX}/tickets/{{code:str}}")
async def ticket_page(db: AsyncSession, identity: DeskIdentity, code: str) -> Template:
    await _mark_read_on_open(db, identity, code)
    return await _ticket_template(db, identity, code)


async def _ticket_id(db: AsyncSession, identity: DeskIdentity, code: str) -> int:
    ticket_id = await db.scalar(
        select(Ticket.id).where(Ticket.account_id == identity.account.id, Ticket.code == code)
    )
    if ticket_id is None:
        raise NotFound()
    return int(ticket_id)


def _back(code: str, anchor: str = "") -> Redirect:
    return Redirect(path=f"{PREFIX}/tickets/{code}/{anchor}", status_code=303)


async def _failed(
    db: AsyncSession,
    identity: DeskIdentity,
    code: str,
    exc: ValidationFailed,
    *,
    failed: str = "",
    values: dict[str, str] | None = None,
) -> Template:
    await rollback_keeping(db, identity)
    return await _ticket_template(
        db,
        identity,
        code,
        errors=web_errors(exc.errors),
        failed=failed,
        values=values,
        status_code=400,
    )


async def _attachments(
    request: Request, db: AsyncSession, identity: DeskIdentity, form: FormMultiDict
) -> list[int]:
    """Store the form's ``files`` for the account and return their ids; the rows join the
    transaction, so a failure after this (rolled back) leaves no row. Every bad file is
    reported under ``files``, by name."""
    uploads = [u for u in form.getall("files", []) if isinstance(u, UploadFile)]
    files: list[tuple[str | None, bytes]] = []
    for upload in uploads:
        content = await upload.read()
        if upload.filename or content:  # an empty file input still sends a nameless part
            files.append((upload.filename, content))
    runtime: Runtime = request.app.state.runtime
    stored = await files_store(
        db,
        store=runtime.files(),
        account_id=identity.account.id,
        files=files,
        field="files",
        max_bytes=runtime.settings.max_file_bytes,
        allowed=ATTACHMENT_TYPES,
        max_count=MAX_ATTACHMENTS,
    )
    return [row.id for row in stored]


@post(f"{PREFIX}/tickets/{{code:str}}/reply")
async def ticket_reply(
    request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool, code: str
) -> Template | Redirect:
    identity.require(TICKETS_EDIT)
    form = await request.form()
    ticket_id = await _ticket_id(db, identity, code)
    body = form_text(form, "body")
    try:
        await message_create(
            db,
            account=identity.account,
            ticket_ref=ticket_id,
            body=body,
            is_public=True,
            author_user=identity.user,
            actor=identity.user,
            file_ids=await _attachments(request, db, identity, form),
        )
    except ValidationFailed as exc:
        return await _failed(db, identity, code, exc, failed="reply", values={"body": body})
    return _back(code, "#conversation")


@post(f"{PREFIX}/tickets/{{code:str}}/note")
async def ticket_note(
    request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool, code: str
) -> Template | Redirect:
    identity.require(TICKETS_EDIT)
    form = await request.form()
    ticket_id = await _ticket_id(db, identity, code)
    text = form_text(form, "text")
    try:
        await internal_note_create(
            db,
            account=identity.account,
            actor=identity.user,
            ticket_ref=ticket_id,
            text=text,
            file_ids=await _attachments(request, db, identity, form),
        )
    except ValidationFailed as exc:
        return await _failed(db, identity, code, exc, failed="note", values={"text": text})
    return _back(code, "#conversation")


@post(f"{PREFIX}/tickets/{{code:str}}/update")
async def ticket_change(
    request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool, code: str
) -> Template | Redirect:
    identity.require(TICKETS_EDIT)
    form = await request.form()
    ticket_id = await _ticket_id(db, identity, code)
    try:
        ids = form_ids(form, "state", "type", "assignee", many=("tags",))
        data = TicketData(
            state=ids["state"] or None,
            type=ids["type"],
            assignee=ids["assignee"],
            tags=ids["tags"],
            priority=form_text(form, "priority") or "medium",
        )
        await ticket_update(
            db, account=identity.account, actor=identity.user, ref=ticket_id, data=data
        )
    except ValidationFailed as exc:
        return await _failed(db, identity, code, exc)
    return _back(code)


@post(f"{PREFIX}/tickets/{{code:str}}/read")
async def ticket_mark_read(
    request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool, code: str
) -> Redirect:
    """Mark the ticket read (or, with ``unread=1``, unread again): ``ticket_update``.

    "Mark as unread" goes back to the list, not to the ticket: opening the ticket marks it
    read (``_mark_read_on_open``), so coming back to it would undo the agent's choice at
    once. The ticket stays unread until someone opens it again."""
    identity.require(TICKETS_EDIT)
    form = await request.form()
    ticket_id = await _ticket_id(db, identity, code)
    unread = form_text(form, "unread") == "1"
    await ticket_update(
        db,
        account=identity.account,
        actor=identity.user,
        ref=ticket_id,
        data=TicketData(is_unread=unread),
    )
    if unread:
        return Redirect(path=f"{PREFIX}/tickets/", status_code=303)
    return _back(code)


@post(f"{PREFIX}/tickets/{{code:str}}/close")
async def ticket_close_action(
    db: AsyncSession, identity: DeskIdentity, csrf_ok: bool, code: str
) -> Redirect:
    identity.require(TICKETS_EDIT)
    ticket_id = await _ticket_id(db, identity, code)
    await ticket_close(db, account=identity.account, actor=identity.user, ref=ticket_id)
    return _back(code)


def _decimal(raw: str) -> Decimal | None:
    try:
        value = Decimal(raw.replace(",", ".")) if raw.strip() else None
    except InvalidOperation:
        return Decimal("NaN")
    return value


def _item_data(form: FormMultiDict) -> ItemData:
    data = ItemData()
    for name in ("name", "product_id", "ean", "serial", "variant"):
        if name in form:
            setattr(data, name, form_text(form, name).strip())
    if "amount" in form:
        amount = _decimal(form_text(form, "amount"))
        if amount is not None:
            data.amount = amount
    return data


@post(f"{PREFIX}/tickets/{{code:str}}/products")
async def product_add(
    request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool, code: str
) -> Template | Redirect:
    identity.require(TICKETS_EDIT)
    form = await request.form()
    ticket_id = await _ticket_id(db, identity, code)
    try:
        await ticket_item_add(
            db,
            account=identity.account,
            actor=identity.user,
            ticket_ref=ticket_id,
            data=_item_data(form),
        )
    except ValidationFailed as exc:
        return await _failed(db, identity, code, ValidationFailed({"products": exc.errors}))
    return _back(code, "#products")


@post(f"{PREFIX}/tickets/{{code:str}}/products/{{item:uuid}}")
async def product_update(
    request: Request,
    db: AsyncSession,
    identity: DeskIdentity,
    csrf_ok: bool,
    code: str,
    item: uuid.UUID,
) -> Template | Redirect:
    identity.require(TICKETS_EDIT)
    form = await request.form()
    ticket_id = await _ticket_id(db, identity, code)
    try:
        if form_text(form, "action") == "remove":
            await ticket_item_remove(
                db, account=identity.account, actor=identity.user, ticket_ref=ticket_id, ref=item
            )
        else:
            await ticket_item_update(
                db,
                account=identity.account,
                actor=identity.user,
                ticket_ref=ticket_id,
                ref=item,
                data=_item_data(form),
            )
    except ValidationFailed as exc:
        return await _failed(db, identity, code, ValidationFailed({"products": exc.errors}))
    return _back(code, "#products")


@get(f"{PREFIX}/files/{{file:uuid}}")
async def file_download(
    request: Request, db: AsyncSession, identity: DeskIdentity, file: uuid.UUID
) -> Response:
    row = await desk_file_get(db, account_id=identity.account.id, public_id=file)
    if row is None:
        raise NotFound()
    runtime: Runtime = request.app.state.runtime
    content = await runtime.files().load(row.storage_key)
    return file_response(content=content, content_type=row.content_type, filename=row.filename)


HANDLERS = [
    ticket_list_page,
    ticket_page,
    ticket_reply,
    ticket_note,
    ticket_change,
    ticket_close_action,
    ticket_mark_read,
    product_add,
    product_update,
    file_download,
]
