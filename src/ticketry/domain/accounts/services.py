"""Accounts, users and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from ticketry.domain.accounts.models import Account, ApiToken, User
from ticketry.domain.accounts.rights import ROLES
from ticketry.domain.catalog.defaults import catalog_install_defaults
from ticketry.domain.errors import Code, NotFound, ValidationFailed
from ticketry.domain.types import utcnow
from ticketry.domain.validation import is_email


def token_hash(raw: str) -> str:
    # Tokens are 160 random bits, so a plain SHA-256 is enough (no slow KDF needed):
    # it cannot be brute-forced, and lookups stay one indexed query.
    return hashlib.sha256(raw.encode()).hexdigest()


async def account_get_or_create(
    session: AsyncSession, *, slug: str, name: str | None = None, language: str = "cs"
) -> tuple[Account, bool]:
    account = await session.scalar(select(Account).where(Account.slug == slug))
    if account is not None:
        return account, False
    if not slug or len(slug) > 64 or not slug.replace("-", "").replace("_", "").isalnum():
        raise ValidationFailed.single("account", "Use letters, digits, '-' and '_' only.")
    account = Account(slug=slug, name=name or slug, language=language)
    session.add(account)
    await session.flush()
    await catalog_install_defaults(session, account=account)
    return account, True


async def account_get(session: AsyncSession, *, slug: str) -> Account:
    account = await session.scalar(select(Account).where(Account.slug == slug))
    if account is None:
        raise NotFound(f"No account '{slug}'.")
    return account


async def user_get_or_create(
    session: AsyncSession,
    *,
    account: Account,
    email: str,
    full_name: str = "",
    role: str = "admin",
) -> tuple[User, bool]:
    email = email.strip().lower()
    if not is_email(email):
        raise ValidationFailed.single("email", Code.INVALID_EMAIL)
    if role not in ROLES:
        raise ValidationFailed.single(
            "role", Code.INVALID_CHOICE, value=role, choices=", ".join(ROLES)
        )
    user = await session.scalar(
        select(User).where(User.account_id == account.id, User.email == email)
    )
    if user is not None:
        return user, False
    user = User(account_id=account.id, email=email, full_name=full_name, role=role)
    session.add(user)
    await session.flush()
    from ticketry.domain.conversations.contacts import contact_for_user

    await contact_for_user(session, user=user)  # every agent is a person too
    return user, True


async def token_issue(session: AsyncSession, *, user: User) -> str:
    """Give the user a new token; any previous token of theirs stops working at once."""
    raw = secrets.token_hex(20)
    existing = await session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    if existing is None:
        session.add(
            ApiToken(
                account_id=user.account_id,
                user_id=user.id,
                key_hash=token_hash(raw),
                key_prefix=raw[:8],
            )
        )
    else:
        existing.key_hash = token_hash(raw)
        existing.key_prefix = raw[:8]
        existing.last_used_at = None
    await session.flush()
    return raw


async def token_revoke(session: AsyncSession, *, user: User) -> bool:
    """Take the user's token away (a leaked token stops working at once). Whether there was
    one. No commit."""
    result = await session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def token_authenticate(session: AsyncSession, raw: str) -> tuple[User, Account] | None:
    if not raw or len(raw) > 200:
        return None
    row = (
        await session.execute(
            select(User, Account)
            .join(ApiToken, ApiToken.user_id == User.id)
            .join(Account, Account.id == User.account_id)
            .where(ApiToken.key_hash == token_hash(raw), User.is_active.is_(True))
        )
    ).first()
    if row is None:
        return None
    return row[0], row[1]


async def token_mark_used(conn: AsyncConnection, *, key_hash: str, at: datetime) -> None:
    """Record a use of the token on ``conn`` (a Core connection: the credentials epoch does
    not move, so no process forgets its cached credentials for it). ``updated_at`` stays:
    the token itself did not change. Never moves the time back."""
    await conn.execute(
        update(ApiToken)
        .where(
            ApiToken.key_hash == key_hash,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < at),
        )
        .values(last_used_at=at, updated_at=ApiToken.updated_at)
    )


async def user_touch(session: AsyncSession, *, user: User) -> None:
    user.last_activity_at = utcnow()
