"""Next Commerce wire shapes (admin API 2024-04-01 / unstable), field names as the vendor's."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from msgspec import UNSET, Struct, UnsetType

T = TypeVar("T")

STATUSES = ("new", "open", "pending", "solved", "closed")
PRIORITIES = ("high", "medium", "low")
CHANNELS = ("customer_account", "dashboard", "email", "api", "follow_up")


class AttachmentOut(Struct):
    id: int
    file: str
    file_name: str


class TicketCommentOut(Struct):
    id: int
    author: int | None
    body: str | None
    from_email: str | None
    is_public: bool
    created_at: datetime
    attachments: list[AttachmentOut]


class TicketOut(Struct):
    id: int
    subject: str
    status: str
    priority: str
    channel: str
    requester: int | None
    assignee: int | None
    from_email: str | None
    order: str
    products: list[int]
    tags: list[str]
    ticket_type: int | None
    comments: list[TicketCommentOut]
    created_at: datetime
    updated_at: datetime


class CursorPage(Struct, Generic[T]):
    next: str | None
    previous: str | None
    results: list[T]


class TicketTypeOut(Struct):
    id: int
    name: str


class AttachmentsUploadOut(TicketOut):
    """``POST /tickets/attachments/``: the vendor's document says it returns a Ticket; the
    ticket the files went to, or (no ``ticket`` given) an empty ticket shape carrying the
    stored files in ``attachments`` for a later comment to reference."""

    attachments: list[AttachmentOut]


class CommentWrite(Struct, kw_only=True):
    """CreateTicketComment."""

    attachments: list[int] | UnsetType = UNSET
    author: int | UnsetType | None = UNSET
    body: str | UnsetType | None = UNSET
    from_email: str | UnsetType | None = UNSET
    is_public: bool | UnsetType = UNSET


class TicketWrite(Struct, kw_only=True):
    """CreateUpdateTicket / PatchedCreateUpdateTicket (nothing required; read-only ignored)."""

    assignee: int | UnsetType | None = UNSET
    comment: CommentWrite | UnsetType = UNSET
    from_email: str | UnsetType | None = UNSET
    order: str | UnsetType | None = UNSET
    priority: str | UnsetType = UNSET
    products: list[int] | UnsetType = UNSET
    requester: int | UnsetType | None = UNSET
    status: str | UnsetType = UNSET
    subject: str | UnsetType = UNSET
    tags: list[str | None] | UnsetType = UNSET
    ticket_type: int | UnsetType | None = UNSET
