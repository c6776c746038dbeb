"""Retino: internal notes and credit notes."""

from __future__ import annotations

import base64
import binascii
import uuid

from litestar import Request, Response, get, patch, post
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.api.common.auth import Principal
from ticketry.api.retino import schemas as s
from ticketry.api.retino.deps import read_body, runtime
from ticketry.api.retino.times import iso_ms
from ticketry.domain.accounts.rights import TICKETS_EDIT, TICKETS_VIEW
from ticketry.domain.conversations.services import internal_note_create
from ticketry.domain.errors import NotFound, ValidationFailed
from ticketry.domain.refunds import services as refunds
from ticketry.domain.refunds.models import CreditNote
from ticketry.domain.tickets.models import Ticket
from ticketry.http.downloads import file_response


@post(
    "/internal-note",
    operation_id="internal_note_create",
    summary="Create an internal note",
    status_code=201,
)
async def internal_note(
    request: Request, db: AsyncSession, principal: Principal
) -> s.InternalNoteOut:
    principal.require(TICKETS_EDIT)
    body = await read_body(request, s.InternalNoteCreate)
    message = await internal_note_create(
        db, account=principal.account, actor=principal.user, ticket_ref=body.ticket, text=body.text
    )
    return s.InternalNoteOut(
        id=message.public_id,
        ticket=body.ticket,
        text=message.body,
        author=principal.user.public_id,
        created_at=iso_ms(message.created_at),
    )


async def _credit_note_out(request: Request, db: AsyncSession, note: CreditNote) -> s.CreditNoteOut:
    ticket_public_id = await db.scalar(select(Ticket.public_id).where(Ticket.id == note.ticket_id))
    file_url = None
    if note.file_id is not None:
        base = str(request.base_url).rstrip("/")
        file_url = f"{base}/api/v2/retino-credit-notes/{note.public_id}/file"
    assert ticket_public_id is not None
    return s.CreditNoteOut(
        id=note.public_id,
        ticket_id=ticket_public_id,
        stock=note.stock,
        currency=note.currency,
        language=note.language,
        variable_symbol=note.variable_symbol,
        total=note.total,
        bank_account=note.bank_account,
        customer=note.customer,
        lines=note.lines,
        file=file_url,
        created_at=iso_ms(note.created_at),
        updated_at=iso_ms(note.updated_at),
    )


@patch(
    "/retino-credit-notes/{note_id:uuid}",
    operation_id="credit_notes_partial_update",
    summary="Update a credit note (attach its document)",
)
async def credit_note_update(
    request: Request, db: AsyncSession, principal: Principal, note_id: uuid.UUID
) -> s.CreditNoteOut:
    """``file_base64``: the document (PDF or ISDOC XML), base64-encoded; at most
    ``TICKETRY_MAX_FILE_BYTES`` (10 MiB) decoded."""
    principal.require(TICKETS_EDIT)
    body = await read_body(request, s.CreditNotePatch, partial=False)
    try:
        content = base64.b64decode(body.file_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed.single("file_base64", "Invalid base64 data.") from exc
    note = await refunds.credit_note_attach_file(
        db,
        account=principal.account,
        actor=principal.user,
        store=runtime(request).files(),
        ref=note_id,
        content=content,
        filename=body.file_name or None,  # type: ignore[arg-type]
        max_bytes=runtime(request).settings.max_file_bytes,
    )
    return await _credit_note_out(request, db, note)


@get(
    "/retino-credit-notes/{note_id:uuid}",
    operation_id="credit_notes_retrieve",
    summary="Credit note detail",
)
async def credit_note_retrieve(
    request: Request, db: AsyncSession, principal: Principal, note_id: uuid.UUID
) -> s.CreditNoteOut:
    principal.require(TICKETS_VIEW)
    note = await refunds.credit_note_get(db, account_id=principal.account.id, ref=note_id)
    return await _credit_note_out(request, db, note)


@get(
    "/retino-credit-notes/{note_id:uuid}/file",
    operation_id="credit_notes_file",
    summary="Download a credit note's document",
    media_type="application/octet-stream",
)
async def credit_note_file(
    request: Request, db: AsyncSession, principal: Principal, note_id: uuid.UUID
) -> Response[bytes]:
    principal.require(TICKETS_VIEW)
    note = await refunds.credit_note_get(db, account_id=principal.account.id, ref=note_id)
    if note.file_id is None:
        raise NotFound("This credit note has no file.")
    stored, content = await refunds.file_get(
        db,
        store=runtime(request).files(),
        account_id=principal.account.id,
        file_id=note.file_id,
    )
    return file_response(
        content=content,
        content_type=stored.content_type,
        filename=stored.filename,
        kind="attachment",
    )


HANDLERS = [internal_note, credit_note_update, credit_note_retrieve, credit_note_file]
