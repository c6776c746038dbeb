"""Writing to a ticket's conversation."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import Account, User
from ticketry.domain.accounts.rights import Grant
from ticketry.domain.conversations.models import Message, message_attachments
from ticketry.domain.errors import Code, ErrorCollector, ValidationFailed
from ticketry.domain.events.services import event_record
from ticketry.domain.files.models import StoredFile
from ticketry.domain.refs import Ref, ref_get
from ticketry.domain.tickets.history import Kind, Via, history_changes, history_record
from ticketry.domain.tickets.models import Ticket
from ticketry.domain.tickets.policy import message_write_check
from ticketry.domain.types import utcnow
from ticketry.domain.validation import check_text, is_email

MAX_MESSAGE_CHARS = 65_000


def _body_check(errors: ErrorCollector, field: str, text: str) -> None:
    if not text or not text.strip():
        errors.add(field, Code.BLANK)
    else:
        check_text(errors, field, text, limit=MAX_MESSAGE_CHARS)


async def _attachments_check(
    session: AsyncSession,
    *,
    account_id: int,
    file_ids: list[int] | None,
    errors: ErrorCollector,
) -> list[int]:
    """The account's files among ``file_ids`` (deduplicated, in order); an unknown id is an
    ``attachments`` error."""
    if not file_ids:
        return []
    found = set(
        await session.scalars(
            select(StoredFile.id).where(
                StoredFile.id.in_(file_ids), StoredFile.account_id == account_id
            )
        )
    )
    missing = [f for f in file_ids if f not in found]
    if missing:
        errors.add("attachments", Code.INVALID_REF, value=missing[0])
    return [f for f in dict.fromkeys(file_ids) if f in found]


async def _file_names(session: AsyncSession, files: list[int]) -> list[str]:
    """The attached files' names, in order, for the history entry."""
    if not files:
        return []
    rows = await session.execute(
        select(StoredFile.id, StoredFile.filename).where(StoredFile.id.in_(files))
    )
    names = {row.id: row.filename for row in rows}
    return [names.get(f, "") for f in files]


async def _attachments_link(session: AsyncSession, *, message: Message, files: list[int]) -> None:
    if files:
        await session.execute(
            insert(message_attachments),
            [
                {"message_id": message.id, "file_id": f, "account_id": message.account_id}
                for f in files
            ],
        )


async def internal_note_create(
    session: AsyncSession,
    *,
    account: Account,
    actor: User | None,
    ticket_ref: Ref,
    text: str,
    file_ids: list[int] | None = None,
    grant: Grant | None = None,
) -> Message:
    """An agents-only message in the ticket's conversation, also kept in its history.

    ``file_ids``: the account's stored files to attach, as for ``message_create``;
    ``grant``: what the caller's credential allows (``tickets/policy.py``)."""
    message_write_check(actor=actor, grant=grant, action="write")
    errors = ErrorCollector()
    ticket = await ref_get(session, Ticket, account_id=account.id, ref=ticket_ref, for_update=True)
    if ticket is None:
        errors.add("ticket", Code.INVALID_REF, value=ticket_ref)
    _body_check(errors, "text", text)
    files = await _attachments_check(
        session, account_id=account.id, file_ids=file_ids, errors=errors
    )
    if errors or ticket is None:
        raise ValidationFailed(errors.errors)
    message = Message(
        account_id=account.id,
        ticket_id=ticket.id,
        author_user_id=actor.id if actor else None,
        body=text,
        is_public=False,
    )
    session.add(message)
    ticket.updated_at = utcnow()
    ticket.version += 1
    await session.flush()
    await _attachments_link(session, message=message, files=files)
    await history_record(
        session,
        ticket=ticket,
        kind=Kind.INTERNAL_NOTE,
        actor=actor,
        text=text,
        message_id=str(message.public_id),
        attachments=await _file_names(session, files),
    )
    event_record(
        session,
        account_id=account.id,
        event_type="ticket.note_added",
        entity_type="message",
        entity_id=message.id,
        ticket_id=ticket.id,
        actor_user_id=actor.id if actor else None,
    )
    await session.flush()
    return message


async def message_create(
    session: AsyncSession,
    *,
    account: Account,
    ticket_ref: Ref,
    body: str,
    is_public: bool = True,
    author_user: User | None = None,
    author_contact_id: int | None = None,
    from_email: str | None = None,
    file_ids: list[int] | None = None,
    actor: User | None = None,
    grant: Grant | None = None,
    via: Via | None = None,
) -> Message:
    """Add a message to a ticket's conversation, and its entry to the ticket's history: an
    agent's public reply, the customer's message, or an internal note, with the status
    change it caused. Who writes it (``actor``, not always its author: an API may post in
    an agent's or the customer's name; None for the customer in the portal) and the
    credential's ``grant`` must allow it (``tickets/policy.py``); ``via``: the credential
    it came through, for the history.

    The lifecycle follows the conversation whichever face wrote it: an agent's public reply
    to a new or open ticket makes it *pending* (waiting for the customer); a message from
    the customer makes a pending, solved or closed ticket *open* again. Internal notes
    change no status.
    """
    from ticketry.domain.tickets.services import ticket_set_status

    message_write_check(actor=actor, grant=grant, action="write")
    errors = ErrorCollector()
    ticket = await ref_get(session, Ticket, account_id=account.id, ref=ticket_ref, for_update=True)
    if ticket is None:
        errors.add("ticket", Code.INVALID_REF, value=ticket_ref)
    _body_check(errors, "body", body)
    if from_email:
        if "\x00" in from_email or len(from_email) > 254 or not is_email(from_email):
            errors.add("from_email", Code.INVALID_EMAIL)
    files = await _attachments_check(
        session, account_id=account.id, file_ids=file_ids, errors=errors
    )
    if errors or ticket is None:
        raise ValidationFailed(errors.errors)
    message = Message(
        account_id=account.id,
        ticket_id=ticket.id,
        author_user_id=author_user.id if author_user else None,
        author_contact_id=author_contact_id,
        body=body,
        is_public=is_public,
        from_email=from_email,
    )
    session.add(message)
    await session.flush()
    await _attachments_link(session, message=message, files=files)
    moved: dict[str, list] = {}
    if is_public and author_user is not None and ticket.status in ("new", "open"):
        moved = await ticket_set_status(
            session, ticket=ticket, status="pending", actor=author_user, via=via, history=False
        )
    elif author_user is None and ticket.status in ("pending", "solved", "closed"):
        moved = await ticket_set_status(
            session, ticket=ticket, status="open", actor=None, via=via, history=False
        )
    if not is_public:
        kind = Kind.INTERNAL_NOTE
    else:
        kind = Kind.PUBLIC_REPLY if author_user is not None else Kind.CUSTOMER_REPLY
    await history_record(
        session,
        ticket=ticket,
        kind=kind,
        actor=author_user,
        via=via,
        customer_id=author_contact_id if author_user is None else None,
        changes=await history_changes(session, account.id, moved),
        text=body,
        message_id=str(message.public_id),
        attachments=await _file_names(session, files),
    )
    ticket.updated_at = utcnow()
    ticket.version += 1
    event_record(
        session,
        account_id=account.id,
        event_type="ticket.message_added" if is_public else "ticket.note_added",
        entity_type="message",
        entity_id=message.id,
        ticket_id=ticket.id,
        actor_user_id=author_user.id if author_user else None,
        data={"is_public": is_public},
    )
    await session.flush()
    return message


async def message_delete(
    session: AsyncSession,
    *,
    account: Account,
    actor: User | None,
    message_id: int,
    grant: Grant | None = None,
    via: Via | None = None,
) -> None:
    """Remove one message (and its attachment links) from a ticket's conversation."""
    from ticketry.domain.errors import NotFound

    message_write_check(actor=actor, grant=grant, action="delete")
    message = await session.scalar(
        select(Message)
        .where(Message.id == message_id, Message.account_id == account.id)
        .with_for_update()
    )
    if message is None:
        raise NotFound()
    event_record(
        session,
        account_id=account.id,
        event_type="ticket.message_deleted",
        entity_type="message",
        entity_id=message.id,
        ticket_id=message.ticket_id,
        actor_user_id=actor.id if actor else None,
        data={"is_public": message.is_public},
    )
    ticket = await session.get(Ticket, message.ticket_id)
    if ticket is not None:
        await history_record(
            session,
            ticket=ticket,
            kind=Kind.MESSAGE_DELETED,
            actor=actor,
            via=via,
            message_id=str(message.public_id),
            is_public=message.is_public,
        )
    await session.delete(message)
    await session.flush()
