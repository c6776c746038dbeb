"""Desk sign-in sessions and the customers' portal links; only hashes of secrets are kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ticketry.domain.base import AccountOwned, Base, IntPK
from ticketry.domain.types import UTCDateTime


class DeskSession(AccountOwned, Base):
    """An agent signed in to the desk. The cookie holds the key; the row holds its SHA-256."""

    __tablename__ = "desk_sessions"

    user_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    # Sent back in every form (and htmx header) that changes something.
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class PortalAccess(AccountOwned, Base):
    """The unguessable link that lets a customer return to their ticket in the portal."""

    __tablename__ = "portal_access_tokens"

    ticket_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True
    )
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
