"""Writing to a ticket's conversation."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import Account, User
from ticketry.domain.conversations.models import Message
from ticketry.domain.errors import ValidationFailed
from ticketry.domain.events.services import event_record
from ticketry.domain.refs import Ref, ref_get
from ticketry.domain.tickets.models import HistoryItem, Ticket
from ticketry.domain.types import utcnow

MAX_MESSAGE_CHARS = 65_000


async def internal_note_create(
    session: AsyncSession, *, account: Account, actor: User | None, ticket_ref: Ref, text: str
) -> Message:
    """An agents-only message in the ticket's conversation, also kept in its history."""
    errors: dict[str, list[str]] = {}
    ticket = await ref_get(session, Ticket, account_id=account.id, ref=ticket_ref, for_update=True)
    if ticket is None:
        errors["ticket"] = [f'Invalid pk "{ticket_ref}" - object does not exist.']
    if not text or not text.strip():
        errors["text"] = ["This field may not be blank."]
    elif len(text) > MAX_MESSAGE_CHARS:
        errors["text"] = [f"Ensure this field has no more than {MAX_MESSAGE_CHARS} characters."]
    if errors or ticket is None:
        raise ValidationFailed(errors)
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
    session.add(
        HistoryItem(
            account_id=account.id,
            ticket_id=ticket.id,
            item_type="INTERNAL_NOTE",
            data={"text": text, "message_id": str(message.public_id)},
            user_id=actor.id if actor else None,
        )
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
    await session.commit()
    return message
