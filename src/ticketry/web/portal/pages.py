"""The returns portal: find the order, choose items, describe, submit; come back by link."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict, UploadFile
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import Account
from ticketry.domain.accounts.services import account_get
from ticketry.domain.conversations.queries import messages_of_tickets
from ticketry.domain.errors import NotFound, ValidationFailed
from ticketry.domain.orders.lookup import order_find_for_customer, order_product_items
from ticketry.domain.web.portal import (
    MAX_PHOTOS,
    ReturnRequest,
    portal_file_get,
    portal_reply,
    portal_return_file,
    portal_ticket_for_key,
    portal_types,
)
from ticketry.http.downloads import file_response
from ticketry.http.params import has_nul, parse_id
from ticketry.runtime import LookupCounter, Runtime
from ticketry.web.errors import web_errors
from ticketry.web.forms import form_text
from ticketry.web.i18n import pick_language, translator
from ticketry.web.portal.ratelimit import LookupLimiter

PREFIX = "/portal"
MAX_QUANTITY = Decimal(10) ** 9


def _lookups(request: Request) -> LookupCounter:
    """The runtime's look-up limiter (each runtime counts on its own)."""
    runtime: Runtime = request.app.state.runtime
    if runtime.portal_lookups is None:
        runtime.portal_lookups = LookupLimiter()
    return runtime.portal_lookups


async def _account(db: AsyncSession, slug: str) -> Account:
    if not slug or len(slug) > 64:
        raise NotFound()
    return await account_get(db, slug=slug)


def _lang(request: Request, account: Account, form: FormMultiDict | None = None) -> str:
    requested = request.query_params.get("lang")
    if not requested and form is not None:
        value = form.get("lang")
        requested = value if isinstance(value, str) else None
    return pick_language(requested, account.language)


def _context(account: Account, lang: str, **extra: Any) -> dict[str, Any]:
    base = f"{PREFIX}/{account.slug}"
    return {
        "account": account,
        "lang": lang,
        "t": translator(lang),
        "base": base,
        "q_lang": f"?lang={lang}",
        **extra,
    }


def _lookup_page(
    account: Account, lang: str, *, error: str | None = None, values: dict[str, str] | None = None
) -> Template:
    return Template(
        template_name="portal/lookup.html",
        context=_context(account, lang, error=error, values=values or {}),
        status_code={None: 200, "rate_limited": 429}.get(error, 400),
    )


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@get(f"{PREFIX}/{{slug:str}}")
async def portal_start(request: Request, db: AsyncSession, slug: str) -> Template:
    account = await _account(db, slug)
    return _lookup_page(account, _lang(request, account))


@get([f"{PREFIX}/{{slug:str}}/lookup", f"{PREFIX}/{{slug:str}}/submit"])
async def portal_restart(request: Request, db: AsyncSession, slug: str) -> Redirect:
    """A form's address opened directly (or a language switch on it): start again."""
    account = await _account(db, slug)
    return Redirect(path=f"{PREFIX}/{account.slug}?lang={_lang(request, account)}", status_code=303)


async def _items_page(
    db: AsyncSession,
    account: Account,
    lang: str,
    *,
    order: Any,
    email: str,
    errors: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
) -> Template:
    items = await order_product_items(db, account_id=account.id, order_id=order.id)
    types = await portal_types(db, account_id=account.id)
    return Template(
        template_name="portal/items.html",
        context=_context(
            account,
            lang,
            order=order,
            email=email,
            items=items,
            types=types,
            errors=errors or {},
            values=values or {},
        ),
        status_code=400 if errors else 200,
    )


@post(f"{PREFIX}/{{slug:str}}/lookup")
async def portal_lookup(request: Request, db: AsyncSession, slug: str) -> Template:
    account = await _account(db, slug)
    form = await request.form()
    lang = _lang(request, account, form)
    code, email = form_text(form, "order").strip(), form_text(form, "email").strip()
    values = {"order": code, "email": email}
    if not _lookups(request).allow(_client(request), account.slug):
        return _lookup_page(account, lang, error="rate_limited", values=values)
    order = (
        None  # no order number or address has one: not found, never a lookup
        if has_nul(code, email)
        else await order_find_for_customer(db, account_id=account.id, code=code, email=email)
    )
    if order is None:
        # One message whether the number, the e-mail or both were wrong.
        return _lookup_page(account, lang, error="lookup_failed", values=values)
    return await _items_page(db, account, lang, order=order, email=email)


def _quantities(form: FormMultiDict) -> dict[int, Decimal]:
    out: dict[int, Decimal] = {}
    for key in form:
        if not key.startswith("qty-"):
            continue
        raw = form_text(form, key).strip().replace(",", ".")
        try:
            item_id, qty = parse_id(key[4:]), Decimal(raw) if raw else Decimal(0)
        except (ValueError, InvalidOperation):
            continue  # not a number: not chosen (no items at all is reported)
        # NaN, infinities and absurd sizes are not quantities either (Decimal reads them)
        if item_id is not None and qty and qty.is_finite() and abs(qty) < MAX_QUANTITY:
            out[item_id] = qty
    return out


async def _photos(form: FormMultiDict) -> list[tuple[str | None, bytes]]:
    photos: list[tuple[str | None, bytes]] = []
    for value in form.getall("photos", []):
        if isinstance(value, UploadFile):
            content = await value.read()
            if content:
                photos.append((value.filename, content))
    return photos


@post(f"{PREFIX}/{{slug:str}}/submit")
async def portal_submit(request: Request, db: AsyncSession, slug: str) -> Template | Redirect:
    account = await _account(db, slug)
    form = await request.form()
    lang = _lang(request, account, form)
    code, email = form_text(form, "order").strip(), form_text(form, "email").strip()
    if has_nul(code, email):  # as the look-up: no order has one
        return _lookup_page(account, lang, error="lookup_failed", values={"order": code})
    type_id = parse_id(form_text(form, "reason"))
    runtime: Runtime = request.app.state.runtime
    req = ReturnRequest(
        order_code=code,
        email=email,
        quantities=_quantities(form),
        type_id=type_id,
        description=form_text(form, "description")[:10_000],
        photos=await _photos(form),
    )
    try:
        filed = await portal_return_file(
            db,
            account=account,
            store=runtime.files(),
            request=req,
            max_file_bytes=runtime.settings.max_file_bytes,
        )
    except ValidationFailed as exc:
        await db.rollback()
        await db.refresh(account)
        if "order" in exc.errors:
            if not _lookups(request).allow(_client(request), account.slug):
                return _lookup_page(account, lang, error="rate_limited")
            return _lookup_page(account, lang, error="lookup_failed", values={"order": code})
        order = await order_find_for_customer(db, account_id=account.id, code=code, email=email)
        assert order is not None
        values = {
            "reason": type_id,
            "description": req.description,
            "qty": {k: v for k, v in req.quantities.items()},
        }
        return await _items_page(
            db,
            account,
            lang,
            order=order,
            email=email,
            errors=web_errors(exc.errors),
            values=values,
        )
    return Redirect(
        path=f"{PREFIX}/{account.slug}/t/{quote(filed.access_key)}?lang={lang}&submitted=1",
        status_code=303,
    )


async def _ticket_page(
    request: Request,
    db: AsyncSession,
    account: Account,
    key: str,
    *,
    errors: dict[str, Any] | None = None,
    body: str = "",
    lang: str | None = None,
) -> Template:
    ticket = await portal_ticket_for_key(db, account_id=account.id, raw=key)
    if ticket is None:
        raise NotFound()
    conversation = (
        await messages_of_tickets(
            db, account_id=account.id, ticket_ids=[ticket.id], public_only=True
        )
    )[ticket.id]
    lang = lang or _lang(request, account)
    return Template(
        template_name="portal/ticket.html",
        context=_context(
            account,
            lang,
            ticket=ticket,
            key=key,
            conversation=conversation,
            submitted=request.query_params.get("submitted") == "1",
            link=f"{request.base_url}".rstrip("/") + f"{PREFIX}/{account.slug}/t/{quote(key)}",
            files_base=f"{PREFIX}/{account.slug}/t/{quote(key)}/files",
            max_photos=MAX_PHOTOS,
            errors=errors or {},
            body=body,
        ),
        status_code=400 if errors else 200,
    )


@get(f"{PREFIX}/{{slug:str}}/t/{{key:str}}")
async def portal_ticket(request: Request, db: AsyncSession, slug: str, key: str) -> Template:
    account = await _account(db, slug)
    return await _ticket_page(request, db, account, key)


@post(f"{PREFIX}/{{slug:str}}/t/{{key:str}}/reply")
async def portal_ticket_reply(
    request: Request, db: AsyncSession, slug: str, key: str
) -> Template | Redirect:
    account = await _account(db, slug)
    ticket = await portal_ticket_for_key(db, account_id=account.id, raw=key)
    if ticket is None:
        raise NotFound()
    form = await request.form()
    lang = _lang(request, account, form)
    runtime: Runtime = request.app.state.runtime
    body = form_text(form, "body")
    try:
        await portal_reply(
            db,
            account=account,
            ticket=ticket,
            store=runtime.files(),
            body=body,
            photos=await _photos(form),
            max_file_bytes=runtime.settings.max_file_bytes,
        )
    except ValidationFailed as exc:
        await db.rollback()
        await db.refresh(account)
        return await _ticket_page(
            request, db, account, key, errors=web_errors(exc.errors), body=body, lang=lang
        )
    return Redirect(
        path=f"{PREFIX}/{account.slug}/t/{quote(key)}?lang={lang}#messages", status_code=303
    )


@get(f"{PREFIX}/{{slug:str}}/t/{{key:str}}/files/{{file:str}}")
async def portal_file(
    request: Request, db: AsyncSession, slug: str, key: str, file: str
) -> Response[bytes]:
    """A file of a public message of the link's ticket; anything else is the same 404."""
    account = await _account(db, slug)
    ticket = await portal_ticket_for_key(db, account_id=account.id, raw=key)
    try:
        public_id = uuid.UUID(file)
    except ValueError:
        public_id = None
    row = None
    if ticket is not None and public_id is not None:
        row = await portal_file_get(
            db, account_id=account.id, ticket_id=ticket.id, public_id=public_id
        )
    if row is None:
        raise NotFound()
    runtime: Runtime = request.app.state.runtime
    content = await runtime.files().load(row.storage_key)
    return file_response(content=content, content_type=row.content_type, filename=row.filename)


HANDLERS = [
    portal_start,
    portal_restart,
    portal_lookup,
    portal_submit,
    portal_ticket,
    portal_ticket_reply,
    portal_file,
]
