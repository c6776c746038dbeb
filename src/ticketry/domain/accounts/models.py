"""Accounts (tenants), their users (agents) and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ticketry.domain.base import AccountOwned, Base, Entity, IntPK
from ticketry.domain.types import JSONType, UTCDateTime


class Account(Entity, Base):
    __tablename__ = "accounts"

    slug: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    language: Mapped[str] = mapped_column(String(8), nullable=False, default="cs")
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="CZK")
    # Free-form per-account settings that faces may read (departments are rows: catalog).
    settings: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)


class User(AccountOwned, Base):
    """An agent of one account. A person in two accounts is two users with two tokens."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("account_id", "email"),)

    email: Mapped[str] = mapped_column(String(254), nullable=False)
    full_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    phone_number: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    role: Mapped[str] = mapped_column(String(20), nullable=False, default="agent")
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # Extra rights beyond those of the role (vendor-specific rights live here too).
    rights: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ApiToken(AccountOwned, Base):
    """One token per user; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    user_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    key_prefix: Mapped[str] = mapped_column(String(8), nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
