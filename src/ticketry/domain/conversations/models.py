"""Customer contacts and the conversation of a ticket: public replies and internal notes."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ticketry.domain.base import AccountOwned, Base, IntPK


class Contact(AccountOwned, Base):
    """A customer who writes to the account (a requester)."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("account_id", "email"),)

    email: Mapped[str] = mapped_column(String(254), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")


class AgentPerson(AccountOwned, Base):
    """Links an agent (user) to the contact that is the same person.

    Customers and agents thus share one id space of people (contacts), which faces whose
    "users" are both (Paymenter) rely on; ``contact_for_user`` keeps one per agent. A link
    table rather than ``contacts.user_id``: SQLite cannot add a foreign-key column to
    ``contacts`` without rebuilding it, and the rebuild would null every ticket's requester.
    """

    __tablename__ = "agent_people"

    user_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    contact_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False, unique=True
    )


class Message(AccountOwned, Base):
    """One entry of a ticket's conversation. ``is_public`` false is an internal note."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_ticket", "ticket_id", "id"),)

    ticket_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False
    )
    author_user_id: Mapped[int | None] = mapped_column(
        IntPK, ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    author_contact_id: Mapped[int | None] = mapped_column(
        IntPK, ForeignKey("contacts.id", ondelete="SET NULL"), nullable=True, index=True
    )
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    is_public: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    from_email: Mapped[str | None] = mapped_column(String(254), nullable=True)


message_attachments = Table(
    "message_attachments",
    Base.metadata,
    Column("message_id", IntPK, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    Column("file_id", IntPK, ForeignKey("files.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", IntPK, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Index("ix_message_attachments_file_id", "file_id"),
    Index("ix_message_attachments_account_id", "account_id"),
)
