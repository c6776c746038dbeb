"""Desk sign-in: check a password, open, find and close server-side sessions."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import Account, User
from ticketry.domain.accounts.passwords import password_verify
from ticketry.domain.accounts.rights import user_has_right
from ticketry.domain.errors import Forbidden
from ticketry.domain.types import utcnow
from ticketry.domain.web.models import DeskSession

SESSION_LIFETIME = timedelta(hours=12)


def _key_hash(raw: str) -> str:
    # Keys are 256 random bits: a plain SHA-256 cannot be reversed, and lookups stay indexed.
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass
class DeskIdentity:
    session: DeskSession
    user: User
    account: Account

    def can(self, right: str) -> bool:
        return user_has_right(self.user, right)

    def require(self, right: str) -> None:
        """Forbidden unless the agent's role (or extra rights) include ``right``."""
        if not self.can(right):
            raise Forbidden()


async def desk_user_authenticate(
    session: AsyncSession, *, account_slug: str, email: str, password: str
) -> tuple[User, Account] | None:
    """The active agent with this e-mail in this account, if the password is right.

    An unknown account or e-mail is verified against a dummy hash, so the answer takes as
    long as a wrong password and does not tell which accounts have which agents.
    """
    row = (
        await session.execute(
            select(User, Account)
            .join(Account, Account.id == User.account_id)
            .where(
                Account.slug == account_slug.strip().lower(),
                User.email == email.strip().lower(),
                User.is_active.is_(True),
            )
        )
    ).first()
    stored = row[0].password_hash if row is not None else None
    if not password_verify(stored, password) or row is None:
        return None
    return row[0], row[1]


async def desk_session_open(session: AsyncSession, *, user: User) -> str:
    """Start a session for the agent; returns the raw key for the cookie."""
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        DeskSession(
            account_id=user.account_id,
            user_id=user.id,
            key_hash=_key_hash(raw),
            csrf_token=secrets.token_urlsafe(32),
            expires_at=now + SESSION_LIFETIME,
        )
    )
    # Expired sessions of this agent go now; nothing else has to sweep them.
    await session.execute(
        delete(DeskSession).where(DeskSession.user_id == user.id, DeskSession.expires_at < now)
    )
    return raw


async def desk_session_find(session: AsyncSession, raw: str | None) -> DeskIdentity | None:
    if not raw or len(raw) > 200:
        return None
    row = (
        await session.execute(
            select(DeskSession, User, Account)
            .join(User, User.id == DeskSession.user_id)
            .join(Account, Account.id == DeskSession.account_id)
            .where(
                DeskSession.key_hash == _key_hash(raw),
                DeskSession.expires_at > utcnow(),
                User.is_active.is_(True),
                User.account_id == DeskSession.account_id,
            )
        )
    ).first()
    if row is None:
        return None
    return DeskIdentity(session=row[0], user=row[1], account=row[2])


async def desk_session_close(session: AsyncSession, raw: str | None) -> None:
    if raw:
        await session.execute(delete(DeskSession).where(DeskSession.key_hash == _key_hash(raw)))


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and secrets.compare_digest(expected, given or "")
