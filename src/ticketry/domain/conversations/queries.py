"""Reading conversations: the one message reader (Next Commerce comments, Paymenter's
ticket messages, the desk and the portal).

As tickets are (``tickets/queries.py``), messages are read as one document built by the
database: the page's message ids from the indexes, then each message with who wrote it and
its attachments nested, decoded by msgspec into ``MessageRecord``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import User
from ticketry.domain.conversations.models import AgentPerson, Contact, Message, message_attachments
from ticketry.domain.files.models import StoredFile
from ticketry.domain.slicing import Slice
from ticketry.domain.sql_json import json_array, json_object, json_text, json_value
from ticketry.readpath import Binder, Read, read, shape_of

SORT_KEYS = ("id", "created_at", "updated_at")


class AttachmentRecord(msgspec.Struct, kw_only=True):
    id: int
    public_id: uuid.UUID
    filename: str
    content_type: str
    size: int
    storage_key: str
    created_at: datetime
    updated_at: datetime


class MessageRecord(msgspec.Struct, kw_only=True):
    id: int
    ticket_id: int
    body: str = ""
    is_public: bool = True
    from_email: str | None = None
    author_user_id: int | None = None
    author_contact_id: int | None = None
    # The author as a person (a contact; an agent's own contact): Paymenter's users.
    author_person_id: int | None = None
    # The author's name as people read it (name, else e-mail; "" for nobody known).
    author_name: str = ""
    created_at: datetime
    updated_at: datetime
    attachments: list[AttachmentRecord] = msgspec.field(default_factory=list)


_decode = msgspec.json.Decoder(list[MessageRecord]).decode


@dataclass
class MessageFilter:
    """Lists match any of their values; ``public_only`` leaves internal notes out."""

    ids: list[int] | None = None
    ticket_ids: list[int] | None = None
    public_only: bool = False
    # (key from SORT_KEYS, descending) pairs; the id breaks ties, in the last key's direction.
    ordering: list[tuple[str, bool]] = field(default_factory=lambda: [("id", False)])


def _name_of(name: Any, email: Any, key: Any) -> Any:
    """A user's or contact's name, else e-mail (a scalar subquery on the row ``key``)."""
    return (
        select(func.coalesce(func.nullif(name, ""), email))
        .where(name.class_.id == key)
        .scalar_subquery()
    )


def message_document(dialect: str) -> Any:
    files = StoredFile.__table__
    attachments = (
        select(
            json_object(
                [
                    (name, json_value(files.c[name]))
                    for name in (
                        "id",
                        "public_id",
                        "filename",
                        "content_type",
                        "size",
                        "storage_key",
                        "created_at",
                        "updated_at",
                    )
                ]
            )
        )
        .select_from(message_attachments.join(files, files.c.id == message_attachments.c.file_id))
        .where(message_attachments.c.message_id == Message.id)
        .order_by(files.c.id)
    )
    messages = Message.__table__
    agent_person = (
        select(AgentPerson.contact_id).where(AgentPerson.user_id == Message.author_user_id)
    ).scalar_subquery()
    pairs = [
        (name, json_value(messages.c[name]))
        for name in (
            "id",
            "ticket_id",
            "body",
            "is_public",
            "from_email",
            "author_user_id",
            "author_contact_id",
            "created_at",
            "updated_at",
        )
    ]
    pairs += [
        ("author_person_id", func.coalesce(Message.author_contact_id, agent_person)),
        (
            "author_name",
            func.coalesce(
                _name_of(User.full_name, User.email, Message.author_user_id),
                _name_of(Contact.name, Contact.email, Message.author_contact_id),
                Message.from_email,
                "",
            ),
        ),
        ("attachments", json_array(attachments, dialect, outer=messages)),
    ]
    return json_object(pairs)


def _ids_select(account_id: int, flt: MessageFilter, b: Binder) -> Select[Any]:
    account = b(account_id)
    stmt = select(Message.id.label("s0")).where(Message.account_id == account)
    if flt.public_only:
        stmt = stmt.where(Message.is_public.is_(True))
    for column, values in ((Message.id, flt.ids), (Message.ticket_id, flt.ticket_ids)):
        if values is not None:
            # Empty matches nothing (``IN (NULL)`` compiled to a broken statement).
            stmt = stmt.where(
                column.in_([b(v, column.type) for v in values]) if values else Message.id.is_(None)
            )
    return stmt


def _order(flt: MessageFilter, of: Any) -> list[Any]:
    """ORDER BY the filter's ordering, on ``of`` (the messages table or the page)."""
    clauses = []
    for key, desc in flt.ordering:
        if of is Message:
            column = getattr(Message, key)
        else:  # the page carries each sort key under its name, the id as s0
            column = of.c["s0" if key == "id" else key]
        clauses.append(column.desc() if desc else column.asc())
    last_desc = flt.ordering[-1][1] if flt.ordering else False
    ident = Message.id if of is Message else of.c.s0
    clauses.append(ident.desc() if last_desc else ident.asc())
    return clauses


def _document_read(ids: Select[Any], flt: MessageFilter, b: Binder) -> Read:
    keys = [k for k, _ in flt.ordering if k != "id"]
    ids = ids.add_columns(*[getattr(Message, k).label(k) for k in keys]).order_by(
        *_order(flt, Message)
    )

    def build(dialect: str) -> Any:
        page = ids.subquery("page")
        rows = (
            select(message_document(dialect))
            .select_from(page.join(Message, Message.id == page.c.s0))
            .order_by(*_order(flt, page))
        )
        return select(json_text(json_array(rows, dialect)))

    return Read(key=("messages", shape_of(ids)), build=build, params=b.values)


async def _read(
    session: AsyncSession, ids: Select[Any], flt: MessageFilter, b: Binder
) -> list[MessageRecord]:
    (document,) = await read(session, _document_read(ids, flt, b))
    return _decode(document) if document else []


async def message_slice(
    session: AsyncSession, *, account_id: int, flt: MessageFilter, offset: int, limit: int
) -> Slice[MessageRecord]:
    """``limit`` messages from ``offset`` on, and whether more follow (one statement)."""
    if offset > 2**31:  # past any account's end (and PostgreSQL's 64-bit OFFSET)
        return Slice(items=[], offset=offset, limit=limit, has_more=False)
    b = Binder()
    ids = _ids_select(account_id, flt, b).limit(b(limit + 1)).offset(b(offset))
    found = await _read(session, ids, flt, b)
    return Slice(items=found[:limit], offset=offset, limit=limit, has_more=len(found) > limit)


async def message_get(
    session: AsyncSession, *, account_id: int, message_id: int, public_only: bool = False
) -> MessageRecord | None:
    b = Binder()
    flt = MessageFilter(ids=[message_id], public_only=public_only)
    found = await _read(session, _ids_select(account_id, flt, b), flt, b)
    return found[0] if found else None


async def messages_of_tickets(
    session: AsyncSession, *, account_id: int, ticket_ids: list[int], public_only: bool = False
) -> dict[int, list[MessageRecord]]:
    """Each ticket's messages, oldest first, with their attachments: one statement for any
    number of tickets."""
    out: dict[int, list[MessageRecord]] = {t: [] for t in ticket_ids}
    if not ticket_ids:
        return out
    b = Binder()
    flt = MessageFilter(ticket_ids=sorted(set(ticket_ids)), public_only=public_only)
    for message in await _read(session, _ids_select(account_id, flt, b), flt, b):
        out[message.ticket_id].append(message)
    return out
