"""Next Commerce tickets: list (cursor), create, retrieve, PUT/PATCH, comments."""

from __future__ import annotations

from typing import TypeVar

from litestar import Request, get, patch, post, put
from msgspec import UNSET
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.api.nextcommerce import schemas as s
from ticketry.api.nextcommerce.deps import Caller, Params, caller_via, check_id, read_body
from ticketry.api.nextcommerce.pagination import Cursor, cursor_decode, page_url
from ticketry.api.nextcommerce.serializers import (
    CHANNEL_OUT,
    PRIORITY_OUT,
    PROJECTION,
    shown_as,
    ticket_data,
    tickets_out,
)
from ticketry.api.nextcommerce.state import runtime_settings
from ticketry.domain.accounts.models import User
from ticketry.domain.conversations.contacts import contact_get_or_create
from ticketry.domain.conversations.services import message_create
from ticketry.domain.errors import Code, ErrorCollector, ValidationFailed
from ticketry.domain.refs import ref_get
from ticketry.domain.tickets import queries, services
from ticketry.domain.tickets.commands import TicketData
from ticketry.domain.validation import is_email
from ticketry.http.params import MAX_ID

READ = {"access": "read"}


def _one(value: T | None) -> list[T] | None:
    return [value] if value is not None else None


WRITE = {"access": "write"}
T = TypeVar("T")
_TICKET_FORM = {
    "lists": ("products", "tags"),
    "ints": ("assignee", "requester", "ticket_type", "products"),
    "choices": {"status": s.STATUSES, "priority": s.PRIORITIES},
}


async def ticket_out(
    request: Request, db: AsyncSession, caller: Caller, ticket_id: int
) -> s.TicketOut:
    ticket = await queries.ticket_get(
        db, account_id=caller.account.id, ref=ticket_id, projection=PROJECTION
    )
    (out,) = await tickets_out(request, db, caller.account.id, [ticket])
    return out


@get(
    "/tickets/",
    operation_id="ticketsList",
    summary="Retrieve a list of tickets.",
    opt=READ,
)
async def tickets_list(
    request: Request,
    db: AsyncSession,
    caller: Caller,
    filter_text: str | None = None,
    id: str | None = None,
    subject: str | None = None,
    status: list[str] | None = None,
    requester: str | None = None,
    assignee: str | None = None,
    order_number: str | None = None,
    product: list[str] | None = None,
    tags: list[str] | None = None,
    ticket_type: str | None = None,
    priority: str | None = None,
    channel: str | None = None,
    created_from: str | None = None,
    created_to: str | None = None,
    cursor: str | None = None,
) -> s.CursorPage[s.TicketOut]:
    """Newest first (``created_at``, then ``id``), 20 per page (``TICKETRY_PAGE_SIZE``).
    ``status``, ``product`` and ``tags`` repeat (``?status=new&status=open``) and match any
    of their values; ``tags`` are tag ids, ``product`` the ids the tickets show in
    ``products``. ``created_from``/``created_to`` are inclusive days (UTC)."""
    q = Params(request)
    flt = queries.TicketFilter(
        filter_text=q.text("filter_text"),
        ids=_one(q.integer("id")),
        subject=q.text("subject"),
        statuses=q.choices("status", s.STATUSES),
        requester_ids=_one(q.integer("requester")),
        assignee_id=q.integer("assignee"),
        order_number=q.text("order_number"),
        item_ids=q.integers("product"),
        tag_ids=q.integers("tags"),
        type_id=q.integer("ticket_type"),
        priorities=shown_as(q.choice("priority", s.PRIORITIES), PRIORITY_OUT),
        channels=shown_as(q.choice("channel", s.CHANNELS), CHANNEL_OUT),
        created_from=q.day("created_from"),
        created_to=q.day("created_to"),
    )
    q.raise_if_any()
    position = cursor_decode(request.query_params.get("cursor"))
    size = runtime_settings(request).default_page_size
    page = await queries.ticket_keyset(
        db,
        account_id=caller.account.id,
        flt=flt,
        limit=size,
        after=position.position if position and not position.reverse else None,
        before=position.position if position and position.reverse else None,
        projection=PROJECTION,
    )
    rows = page.items
    reverse = bool(position and position.reverse)
    has_next = (page.has_more and not reverse) or (reverse and bool(rows))
    has_previous = (page.has_more and reverse) or (position is not None and not reverse)
    next_url = previous_url = None
    if rows and has_next:
        last = rows[-1]
        next_url = page_url(request, Cursor(position=(last.created_at, last.id)))
    if rows and has_previous:
        first = rows[0]
        previous_url = page_url(
            request, Cursor(position=(first.created_at, first.id), reverse=True)
        )
    return s.CursorPage(
        next=next_url,
        previous=previous_url,
        results=await tickets_out(request, db, caller.account.id, rows),
    )


async def _comment(
    db: AsyncSession,
    caller: Caller,
    ticket_id: int,
    comment: s.CommentWrite,
    *,
    nest: str | None = None,
) -> None:
    """Add a comment (commits). An ``author`` is an agent; without one, ``from_email`` makes
    it the customer's; with neither, the token's agent (if any) writes it."""
    errors = ErrorCollector()
    author: User | None = None
    if comment.author not in (UNSET, None):
        ref = int(comment.author)  # type: ignore[arg-type]
        if 0 < ref <= MAX_ID:
            author = await ref_get(db, User, account_id=caller.account.id, ref=ref)
        if author is None:
            errors.add("author", Code.INVALID_REF, value=ref)
    from_email = comment.from_email if comment.from_email is not UNSET else None
    if from_email and (len(from_email) > 254 or not is_email(from_email)):
        errors.add("from_email", "Enter a valid email address.")
    file_ids = comment.attachments if comment.attachments is not UNSET else []
    for file_id in file_ids:
        if not 0 < file_id <= MAX_ID:
            errors.add("attachments", Code.INVALID_REF, value=file_id)
    if errors:
        raise ValidationFailed({nest: errors.errors} if nest else errors.errors)
    if author is None and not from_email and comment.author is UNSET:
        author = caller.user
    contact_id = None
    if author is None and from_email:
        contact_id = await contact_get_or_create(db, account_id=caller.account.id, email=from_email)
    body = comment.body if comment.body not in (UNSET, None) else ""
    try:
        await message_create(
            db,
            account=caller.account,
            ticket_ref=ticket_id,
            body=body,  # type: ignore[arg-type]
            is_public=comment.is_public if comment.is_public is not UNSET else True,
            author_user=author,
            author_contact_id=contact_id,
            from_email=from_email or None,
            file_ids=list(file_ids),
            actor=caller.user,
            grant=caller.grant,
            via=await caller_via(db, caller),
        )
    except ValidationFailed as exc:
        raise ValidationFailed({nest: exc.errors} if nest else exc.errors) from exc


async def _write_data(db: AsyncSession, caller: Caller, body: s.TicketWrite) -> TicketData:
    errors = ErrorCollector()
    data = await ticket_data(db, caller.account.id, body, errors)
    errors.raise_if_any()
    return data


@post(
    "/tickets/",
    operation_id="ticketsCreate",
    summary="Create a new ticket.",
    status_code=201,
    opt=WRITE,
)
async def tickets_create(request: Request, db: AsyncSession, caller: Caller) -> s.TicketOut:
    """``comment`` adds the first comment in the same transaction: a bad comment creates
    nothing. The channel of a ticket created here is ``api``."""
    body = await read_body(request, s.TicketWrite, **_TICKET_FORM)  # type: ignore[arg-type]
    data = await _write_data(db, caller, body)
    data.channel = "api"
    ticket = await services.ticket_create(
        db,
        account=caller.account,
        actor=caller.user,
        data=data,
        grant=caller.grant,
        via=await caller_via(db, caller),
    )
    if body.comment is not UNSET:
        await _comment(db, caller, ticket.id, body.comment, nest="comment")  # type: ignore[arg-type]
    return await ticket_out(request, db, caller, ticket.id)


@get("/tickets/{id:int}/", operation_id="ticketsRetrieve", summary="Retrieve a ticket.", opt=READ)
async def tickets_retrieve(
    request: Request, db: AsyncSession, caller: Caller, id: int
) -> s.TicketOut:
    return await ticket_out(request, db, caller, check_id(id))


async def _update(
    request: Request, db: AsyncSession, caller: Caller, ticket_id: int, partial: bool
) -> s.TicketOut:
    await queries.ticket_id_for(db, account_id=caller.account.id, ref=check_id(ticket_id))
    body = await read_body(request, s.TicketWrite, partial=partial, **_TICKET_FORM)  # type: ignore[arg-type]
    data = await _write_data(db, caller, body)
    if data.priority is not UNSET and data.priority in PRIORITY_OUT.values():
        current = await queries.ticket_get_many(
            db, account_id=caller.account.id, ids=[ticket_id], projection=PROJECTION
        )
        now = current[ticket_id].priority if ticket_id in current else None
        if now is not None and PRIORITY_OUT.get(now) == data.priority:
            data.priority = UNSET  # the ticket already shows it
    await services.ticket_update(
        db,
        account=caller.account,
        actor=caller.user,
        ref=ticket_id,
        data=data,
        grant=caller.grant,
        via=await caller_via(db, caller),
    )
    if body.comment is not UNSET:
        await _comment(db, caller, ticket_id, body.comment, nest="comment")  # type: ignore[arg-type]
    return await ticket_out(request, db, caller, ticket_id)


@put(
    "/tickets/{id:int}/",
    operation_id="ticketsUpdate",
    summary="Update an existing ticket.",
    opt=WRITE,
)
async def tickets_update(
    request: Request, db: AsyncSession, caller: Caller, id: int
) -> s.TicketOut:
    """Fields left out keep their values (no field is required, as in the vendor's
    document). ``products`` lists the items the ticket keeps; others are removed."""
    return await _update(request, db, caller, id, partial=False)


@patch(
    "/tickets/{id:int}/",
    operation_id="ticketsPartialUpdate",
    summary="Partial update an existing ticket.",
    opt=WRITE,
)
async def tickets_partial_update(
    request: Request, db: AsyncSession, caller: Caller, id: int
) -> s.TicketOut:
    return await _update(request, db, caller, id, partial=True)


@get(
    "/tickets/{id:int}/comments/",
    operation_id="ticketsCommentsRetrieve",
    summary="Retrieve a list of comments in an existing ticket.",
    opt=READ,
)
async def tickets_comments_retrieve(
    request: Request, db: AsyncSession, caller: Caller, id: int
) -> s.TicketOut:
    """As the vendor's document says: the ticket, its ``comments`` oldest first."""
    return await ticket_out(request, db, caller, check_id(id))


@post(
    "/tickets/{id:int}/comments/",
    operation_id="ticketsCommentsCreate",
    summary="Create a new comment in an existing ticket.",
    status_code=200,
    opt=WRITE,
)
async def tickets_comments_create(
    request: Request, db: AsyncSession, caller: Caller, id: int
) -> s.TicketOut:
    """An agent's public comment on a new or open ticket makes it pending; a customer's
    (``from_email``, no ``author``) reopens a pending, solved or closed one;
    ``is_public: false`` is an internal note."""
    await queries.ticket_id_for(db, account_id=caller.account.id, ref=check_id(id))
    body = await read_body(
        request,
        s.CommentWrite,
        lists=("attachments",),
        ints=("attachments", "author"),
        bools=("is_public",),
    )
    await _comment(db, caller, id, body)
    return await ticket_out(request, db, caller, id)


HANDLERS = [
    tickets_list,
    tickets_create,
    tickets_retrieve,
    tickets_update,
    tickets_partial_update,
    tickets_comments_retrieve,
    tickets_comments_create,
]
