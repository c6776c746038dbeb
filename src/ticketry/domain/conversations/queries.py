"""Reading tickets' conversations: messages with their attachments, batch-loaded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.conversations.models import Message, message_attachments
from ticketry.domain.files.models import StoredFile


@dataclass(frozen=True)
class AttachmentView:
    id: int
    public_id: str
    filename: str
    content_type: str
    size: int


@dataclass
class MessageView:
    id: int
    ticket_id: int
    author_user_id: int | None
    author_contact_id: int | None
    body: str
    is_public: bool
    from_email: str | None
    created_at: datetime
    attachments: list[AttachmentView] = field(default_factory=list)


async def messages_for_tickets(
    session: AsyncSession, *, account_id: int, ticket_ids: list[int]
) -> dict[int, list[MessageView]]:
    """Each ticket's messages, oldest first, with attachments: two queries for any number."""
    out: dict[int, list[MessageView]] = {t: [] for t in ticket_ids}
    if not ticket_ids:
        return out
    rows = await session.execute(
        select(
            Message.id,
            Message.ticket_id,
            Message.author_user_id,
            Message.author_contact_id,
            Message.body,
            Message.is_public,
            Message.from_email,
            Message.created_at,
        )
        .where(Message.ticket_id.in_(ticket_ids), Message.account_id == account_id)
        .order_by(Message.ticket_id, Message.id)
    )
    by_id: dict[int, MessageView] = {}
    for row in rows.mappings():
        view = MessageView(**dict(row))
        by_id[view.id] = view
        out[view.ticket_id].append(view)
    files = await attachments_for_messages(session, account_id=account_id, message_ids=list(by_id))
    for message_id, rows_of_message in files.items():
        by_id[message_id].attachments.extend(
            AttachmentView(
                id=f["id"],
                public_id=str(f["public_id"]),
                filename=f["filename"],
                content_type=f["content_type"],
                size=f["size"],
            )
            for f in rows_of_message
        )
    return out


async def attachments_for_messages(
    session: AsyncSession, *, account_id: int, message_ids: list[int]
) -> dict[int, list[RowMapping]]:
    """Each message's files (the stored-file columns and ``message_id``), in one query."""
    out: dict[int, list[RowMapping]] = {m: [] for m in message_ids}
    if not message_ids:
        return out
    rows = await session.execute(
        select(
            message_attachments.c.message_id,
            StoredFile.id,
            StoredFile.public_id,
            StoredFile.filename,
            StoredFile.storage_key,
            StoredFile.size,
            StoredFile.content_type,
            StoredFile.created_at,
            StoredFile.updated_at,
        )
        .join(StoredFile, StoredFile.id == message_attachments.c.file_id)
        .where(
            message_attachments.c.message_id.in_(message_ids),
            message_attachments.c.account_id == account_id,
        )
        .order_by(message_attachments.c.message_id, StoredFile.id)
    )
    for row in rows.mappings():
        out[row["message_id"]].append(row)
    return out
