"""Account API keys: bearer secrets with a list of permissions and an optional IP allow-list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from ticketry.domain.base import AccountOwned, Base
from ticketry.domain.types import JSONType, UTCDateTime


class ApiKey(AccountOwned, Base):
    """An account-wide key, not tied to a user; only the SHA-256 of the secret is stored."""

    __tablename__ = "api_keys"

    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    # "admin" keys may use the admin APIs; other kinds are refused there.
    type: Mapped[str] = mapped_column(String(20), nullable=False, default="admin")
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    key_prefix: Mapped[str] = mapped_column(String(8), nullable=False)
    permissions: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)
    # Client addresses allowed to use the key; empty means any.
    ip_addresses: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
