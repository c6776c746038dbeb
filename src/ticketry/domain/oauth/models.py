"""OAuth2 applications of an account, the codes they are granted and the tokens they hold.

Secrets, codes and tokens are stored only as SHA-256 digests: they are long random strings,
so a digest cannot be reversed or guessed, and a lookup stays one indexed query.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ticketry.domain.base import AccountOwned, Base, IntPK
from ticketry.domain.types import JSONType, UTCDateTime


class OAuthApp(AccountOwned, Base):
    """A client: an integration of one account (Settings > API Access)."""

    __tablename__ = "oauth_apps"

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    client_id: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    client_secret_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    # Space-separated scopes the app may be granted.
    scopes: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    redirect_uris: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)
    # The agent that client-credentials tokens act as (None: the app itself, no agent).
    user_id: Mapped[int | None] = mapped_column(
        IntPK, ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class OAuthCode(AccountOwned, Base):
    """An authorization code (authorization-code flow with PKCE); used once, short-lived."""

    __tablename__ = "oauth_codes"

    app_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("oauth_apps.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    redirect_uri: Mapped[str] = mapped_column(String(500), nullable=False)
    scopes: Mapped[str] = mapped_column(String(500), nullable=False)
    code_challenge: Mapped[str] = mapped_column(String(128), nullable=False)
    code_challenge_method: Mapped[str] = mapped_column(String(10), nullable=False, default="S256")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class OAuthToken(AccountOwned, Base):
    """An access token, with its refresh token when the grant gives one."""

    __tablename__ = "oauth_tokens"
    __table_args__ = (Index("ix_oauth_tokens_app", "app_id", "id"),)

    app_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("oauth_apps.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int | None] = mapped_column(
        IntPK, ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True
    )
    grant_type: Mapped[str] = mapped_column(String(40), nullable=False)
    scopes: Mapped[str] = mapped_column(String(500), nullable=False)
    access_token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    refresh_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
