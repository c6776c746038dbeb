"""Sign-in sessions bound to a device (bearer token + refresh token) and signing keys
(client id + secret for HMAC-signed requests). Tokens are stored only as SHA-256."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Boolean, ForeignKey, String, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from ticketry.domain.accounts.models import Account, User
from ticketry.domain.accounts.passwords import password_verify
from ticketry.domain.accounts.services import token_hash
from ticketry.domain.base import AccountOwned, Base, IntPK
from ticketry.domain.errors import ValidationFailed
from ticketry.domain.types import UTCDateTime, utcnow

ACCESS_TTL = timedelta(hours=12)
REFRESH_TTL = timedelta(days=30)


class DeviceSession(AccountOwned, Base):
    """A user signed in on a device; one session per (account, device)."""

    __tablename__ = "device_sessions"

    user_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    device_name: Mapped[str] = mapped_column(String(100), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    refresh_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    refresh_expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class SigningKey(AccountOwned, Base):
    """An API key for signed requests. The secret is kept as is: verifying an HMAC needs it."""

    __tablename__ = "signing_keys"

    user_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    client_id: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    client_secret: Mapped[str] = mapped_column(String(128), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


@dataclass(frozen=True)
class IssuedSession:
    session: DeviceSession
    token: str
    refresh_token: str


def _new_tokens(row: DeviceSession) -> tuple[str, str]:
    token, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = utcnow()
    row.token_hash, row.refresh_hash = token_hash(token), token_hash(refresh)
    row.expires_at, row.refresh_expires_at = now + ACCESS_TTL, now + REFRESH_TTL
    return token, refresh


async def session_sign_in(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    device_name: str,
    account_slug: str | None = None,
) -> tuple[User, IssuedSession] | None:
    """Check the password; start a session on the device, ending any other on it.

    An e-mail can be an agent of several accounts. The agent signed in is the one whose
    password is right; if it is right in more than one account the sign-in is refused
    (``ValidationFailed`` on ``user_name``) unless ``account_slug`` names the account. An
    unknown e-mail is verified against a dummy hash, so it takes as long as a wrong password.
    """
    query = select(User).where(User.email == email.strip().lower(), User.is_active.is_(True))
    if account_slug is not None:
        query = query.join(Account, Account.id == User.account_id).where(
            Account.slug == account_slug.strip().lower()
        )
    users = (await session.scalars(query.order_by(User.id))).all()
    if not users:
        password_verify(None, password)
        return None
    matched = [u for u in users if password_verify(u.password_hash, password)]
    if not matched:
        return None
    if len(matched) > 1:
        raise ValidationFailed.single(
            "user_name",
            "This user is in several accounts with this password: "
            "sign in as ACCOUNT/e-mail (the account's slug, a slash, the e-mail).",
        )
    user = matched[0]
    await session.execute(
        delete(DeviceSession).where(
            DeviceSession.account_id == user.account_id,
            DeviceSession.device_name == device_name,
        )
    )
    row = DeviceSession(account_id=user.account_id, user_id=user.id, device_name=device_name)
    token, refresh = _new_tokens(row)
    session.add(row)
    await session.flush()
    return user, IssuedSession(row, token, refresh)


async def session_authenticate(
    session: AsyncSession, token: str
) -> tuple[User, Account, DeviceSession] | None:
    if not token or len(token) > 200:
        return None
    row = (
        await session.execute(
            select(User, Account, DeviceSession)
            .join(DeviceSession, DeviceSession.user_id == User.id)
            .join(Account, Account.id == User.account_id)
            .where(DeviceSession.token_hash == token_hash(token), User.is_active.is_(True))
        )
    ).first()
    if row is None or row[2].expires_at <= utcnow():
        return None
    return row[0], row[1], row[2]


async def session_refresh(
    session: AsyncSession, *, token: str, refresh_token: str
) -> tuple[User, IssuedSession] | None:
    """Swap a refresh token (with its access token) for a new pair; the old pair ends."""
    row = await session.scalar(
        select(DeviceSession)
        .where(DeviceSession.refresh_hash == token_hash(refresh_token or ""))
        .with_for_update()
    )
    if row is None or row.token_hash != token_hash(token or ""):
        return None
    if row.refresh_expires_at <= utcnow():
        return None
    user = await session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    new_token, new_refresh = _new_tokens(row)
    return user, IssuedSession(row, new_token, new_refresh)


async def session_end(session: AsyncSession, *, session_id: int) -> None:
    await session.execute(delete(DeviceSession).where(DeviceSession.id == session_id))


async def signing_key_create(session: AsyncSession, *, user: User) -> tuple[str, str]:
    client_id = secrets.token_hex(16)
    secret = secrets.token_urlsafe(32)
    session.add(
        SigningKey(
            account_id=user.account_id, user_id=user.id, client_id=client_id, client_secret=secret
        )
    )
    await session.flush()
    return client_id, secret


async def signing_key_find(
    session: AsyncSession, client_id: str
) -> tuple[User, Account, SigningKey] | None:
    if not client_id or len(client_id) > 64:
        return None
    row = (
        await session.execute(
            select(User, Account, SigningKey)
            .join(SigningKey, SigningKey.user_id == User.id)
            .join(Account, Account.id == User.account_id)
            .where(
                SigningKey.client_id == client_id,
                SigningKey.is_active.is_(True),
                User.is_active.is_(True),
            )
        )
    ).first()
    return None if row is None else (row[0], row[1], row[2])
