"""The ticket list and a ticket's page; every action calls the same domain services as the
APIs, so the same history rows and outbox events are written."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.catalog.models import TICKET_STATUSES
from ticketry.domain.conversations.services import internal_note_create, message_create
from ticketry.domain.errors import NotFound, ValidationFailed
from ticketry.domain.files.storage import get_file_store
from ticketry.domain.tickets.commands import ItemData, TicketData
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
from ticketry.web.desk.auth import rollback_keeping
from ticketry.web.desk.session_pages import PREFIX

PAGE_SIZE = 25


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw not in (None, "") else None  # type: ignore[arg-type]
    except ValueError:
        return None


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
    status_code: int = 200,
) -> Template:
    data = await desk_ticket_page_data(db, account_id=identity.account.id, code=code)
    lookups = await desk_lookups(db, account_id=identity.account.id)
    return Template(
        template_name="desk/ticket.html",
        context=base_context(
            identity,
            page=data,
            t=data.view.ticket,
            lookups=lookups,
            errors=errors or {},
            priorities=TICKET_PRIORITIES,
        ),
        status_code=status_code,
    )


@get(f"{PREFIX}/tickets/{{code:str}}")
async def ticket_page(db: AsyncSession, identity: DeskIdentity, code: str) -> Template:
    return await _ticket_template(db, identity, code)


async def _ticket_id(db: AsyncSession, identity: DeskIdentity, code: str) -> int:
    from sqlalchemy import select

    ticket_id = await db.scalar(
        select(Ticket.id).where(Ticket.account_id == identity.account.id, Ticket.code == code)
    )
    if ticket_id is None:
        raise NotFound()
    return int(ticket_id)


def _back(code: str, anchor: str = "") -> Redirect:
    return Redirect(path=f"{PREFIX}/tickets/{code}/{anchor}", status_code=303)


async def _failed(
    db: AsyncSession, identity: DeskIdentity, code: str, exc: ValidationFailed
) -> Template:
    await rollback_keeping(db, identity)
    return await _ticket_template(db, identity, code, errors=exc.errors, status_code=400)


def _text(form: FormMultiDict, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


@post(f"{PREFIX}/tickets/{{code:str}}/reply")
async def ticket_reply(
    request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool, code: str
) -> Template | Redirect:
    form = await request.form()
    ticket_id = await _ticket_id(db, identity, code)
    try:
        await message_create(
            db,
            account=identity.account,
            ticket_ref=ticket_id,
            body=_text(form, "body"),
            is_public=True,
            author_user=identity.user,
        )
    except ValidationFailed as exc:
        return await _failed(db, identity, code, exc)
    return _back(code, "#conversation")


@post(f"{PREFIX}/tickets/{{code:str}}/note")
async def ticket_note(
    request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool, code: str
) -> Template | Redirect:
    form = await request.form()
    ticket_id = await _ticket_id(db, identity, code)
    try:
        await internal_note_create(
            db,
            account=identity.account,
            actor=identity.user,
            ticket_ref=ticket_id,
            text=_text(form, "text"),
        )
    except ValidationFailed as exc:
        return await _failed(db, identity, code, exc)
    return _back(code, "#conversation")


@post(f"{PREFIX}/tickets/{{code:str}}/update")
async def ticket_change(
    request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool, code: str
) -> Template | Redirect:
    form = await request.form()
    ticket_id = await _ticket_id(db, identity, code)
    data = TicketData(
        state=_int(_text(form, "state")) or None,
        type=_int(_text(form, "type")),
        assignee=_int(_text(form, "assignee")),
        tags=[t for t in (_int(str(v)) for v in form.getall("tags", [])) if t is not None],
        priority=_text(form, "priority") or "medium",
    )
    try:
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
    """Mark the ticket read (or, with ``unread=1``, unread again): ``ticket_update``."""
    form = await request.form()
    ticket_id = await _ticket_id(db, identity, code)
    await ticket_update(
        db,
        account=identity.account,
        actor=identity.user,
        ref=ticket_id,
        data=TicketData(is_unread=_text(form, "unread") == "1"),
    )
    return _back(code)


@post(f"{PREFIX}/tickets/{{code:str}}/close")
async def ticket_close_action(
    db: AsyncSession, identity: DeskIdentity, csrf_ok: bool, code: str
) -> Redirect:
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
            setattr(data, name, _text(form, name).strip())
    if "amount" in form:
        amount = _decimal(_text(form, "amount"))
        if amount is not None:
            data.amount = amount
    return data


@post(f"{PREFIX}/tickets/{{code:str}}/products")
async def product_add(
    request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool, code: str
) -> Template | Redirect:
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
    form = await request.form()
    ticket_id = await _ticket_id(db, identity, code)
    try:
        if _text(form, "action") == "remove":
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
async def file_download(db: AsyncSession, identity: DeskIdentity, file: uuid.UUID) -> Response:
    row = await desk_file_get(db, account_id=identity.account.id, public_id=file)
    if row is None:
        raise NotFound()
    content = await get_file_store().load(row.storage_key)
    safe_name = row.filename.replace('"', "").replace("\r", "").replace("\n", "")
    return Response(
        content=content,
        media_type=row.content_type,
        headers={"Content-Disposition": f'inline; filename="{safe_name}"'},
    )


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
