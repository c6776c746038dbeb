"""Issuing and checking account API keys."""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from ticketry.domain.accounts.models import Account
from ticketry.domain.apikeys.models import ApiKey
from ticketry.domain.errors import ValidationFailed

# The permissions a key may carry (the admin API's names).
PERMISSIONS = (
    "admin.tickets.view",
    "admin.tickets.create",
    "admin.tickets.update",
    "admin.tickets.delete",
    "admin.ticket_messages.view",
    "admin.ticket_messages.create",
    "admin.ticket_messages.delete",
    "admin.users.view",
)


def api_key_hash(raw: str) -> str:
    # Keys are 256 random bits: a plain SHA-256 cannot be brute-forced and stays one lookup.
    return hashlib.sha256(raw.encode()).hexdigest()


def _check_ips(ip_addresses: list[str]) -> list[str]:
    out: list[str] = []
    for value in ip_addresses:
        try:
            out.append(str(ipaddress.ip_address(value.strip())))
        except ValueError as exc:
            raise ValidationFailed.single(
                "ip_addresses", f"'{value}' is not an IP address."
            ) from exc
    return out


async def api_key_create(
    session: AsyncSession,
    *,
    account: Account,
    permissions: list[str],
    name: str = "",
    ip_addresses: list[str] | None = None,
    key_type: str = "admin",
) -> tuple[ApiKey, str]:
    """Store a new key; return it and the secret, which is shown this once only."""
    unknown = [p for p in permissions if p not in PERMISSIONS]
    if unknown:
        raise ValidationFailed.single(
            "permissions",
            f"Unknown permission(s): {', '.join(unknown)}. Known: {', '.join(PERMISSIONS)}.",
        )
    raw = secrets.token_hex(32)
    key = ApiKey(
        account_id=account.id,
        name=name,
        type=key_type,
        token_hash=api_key_hash(raw),
        key_prefix=raw[:8],
        permissions=list(dict.fromkeys(permissions)),
        ip_addresses=_check_ips(ip_addresses or []),
        enabled=True,
    )
    session.add(key)
    await session.flush()
    return key, raw


async def api_key_authenticate(session: AsyncSession, raw: str) -> tuple[ApiKey, Account] | None:
    """The enabled key with this secret and its account, or None."""
    if not raw or len(raw) > 200:
        return None
    row = (
        await session.execute(
            select(ApiKey, Account)
            .join(Account, Account.id == ApiKey.account_id)
            .where(ApiKey.token_hash == api_key_hash(raw), ApiKey.enabled.is_(True))
        )
    ).first()
    if row is None:
        return None
    return row[0], row[1]


def api_key_allows_ip(key: ApiKey, client_ip: str | None) -> bool:
    if not key.ip_addresses:
        return True
    if client_ip is None:
        return False
    try:
        ip = str(ipaddress.ip_address(client_ip))
    except ValueError:
        return False
    return ip in key.ip_addresses


async def api_key_mark_used(conn: AsyncConnection, *, key_hash: str, at: datetime) -> None:
    """Record a use of the key on ``conn`` (a Core connection: the credentials epoch does
    not move, so no process forgets its cached credentials for it; the credential cache
    calls this at most every few minutes per key). Never moves the time back."""
    await conn.execute(
        update(ApiKey)
        .where(
            ApiKey.token_hash == key_hash,
            or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < at),
        )
        .values(last_used_at=at, updated_at=ApiKey.updated_at)
    )
