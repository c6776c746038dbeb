"""Credit notes: attaching the document the shop's ERP produced."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import Account, User
from ticketry.domain.errors import NotFound
from ticketry.domain.events.services import event_record
from ticketry.domain.files.models import StoredFile
from ticketry.domain.files.services import file_store
from ticketry.domain.files.storage import FileStore
from ticketry.domain.refs import Ref, ref_get_or_404
from ticketry.domain.refunds.models import CreditNote
from ticketry.domain.tickets.history import Kind, history_record
from ticketry.domain.tickets.models import Ticket
from ticketry.domain.types import utcnow

CREDIT_NOTE_TYPES = frozenset({"application/pdf", "application/xml"})


async def credit_note_attach_file(
    session: AsyncSession,
    *,
    account: Account,
    actor: User | None,
    store: FileStore,
    ref: Ref,
    content: bytes,
    filename: str | None,
    max_bytes: int,
) -> CreditNote:
    note = await ref_get_or_404(
        session, CreditNote, account_id=account.id, ref=ref, for_update=True
    )
    stored = await file_store(
        session,
        store=store,
        account_id=account.id,
        content=content,
        filename=filename,
        field="file_base64",
        max_bytes=max_bytes,
        allowed=CREDIT_NOTE_TYPES,
    )
    await session.flush()
    note.file_id = stored.id
    note.updated_at = utcnow()
    event_record(
        session,
        account_id=account.id,
        event_type="credit_note.updated",
        entity_type="credit_note",
        entity_id=note.id,
        ticket_id=note.ticket_id,
        actor_user_id=actor.id if actor else None,
        data={"file": str(stored.public_id)},
    )
    ticket = await session.get(Ticket, note.ticket_id)
    if ticket is not None:
        await history_record(
            session,
            ticket=ticket,
            kind=Kind.FILE_ATTACHED,
            actor=actor,
            attachments=[stored.filename],
            credit_note=str(note.public_id),
        )
    await session.flush()
    return note


async def credit_note_get(session: AsyncSession, *, account_id: int, ref: Ref) -> CreditNote:
    return await ref_get_or_404(session, CreditNote, account_id=account_id, ref=ref)


async def file_get(
    session: AsyncSession, *, store: FileStore, account_id: int, file_id: int
) -> tuple[StoredFile, bytes]:
    row = await session.scalar(
        select(StoredFile).where(StoredFile.id == file_id, StoredFile.account_id == account_id)
    )
    if row is None:
        raise NotFound()
    return row, await store.load(row.storage_key)
