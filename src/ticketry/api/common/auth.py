"""API-token authentication shared by the faces that use account tokens."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.connection import ASGIConnection
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.credential_cache import CredentialCache, detached, snapshot
from ticketry.domain.accounts.models import Account, User
from ticketry.domain.accounts.rights import user_has_right
from ticketry.domain.accounts.services import token_authenticate, token_hash
from ticketry.domain.errors import Forbidden, Unauthenticated


@dataclass(frozen=True)
class Principal:
    user: User
    account: Account

    def require(self, right: str) -> None:
        if not user_has_right(self.user, right):
            raise Forbidden()


def token_from_headers(connection: ASGIConnection) -> str | None:
    """``Authorization: Token <key>``, the seed's ``Authentication: Token <key>``, or
    the Orders API's bare ``Authorization: <key>``."""
    for header in ("authorization", "authentication"):
        value = connection.headers.get(header)
        if not value:
            continue
        parts = value.strip().split()
        if len(parts) == 2 and parts[0].lower() == "token":
            return parts[1]
        if len(parts) == 1:
            return parts[0]
        return ""
    return None


async def authenticate_token(connection: ASGIConnection, session: AsyncSession) -> Principal:
    raw = token_from_headers(connection)
    if raw is None:
        raise Unauthenticated("Authentication credentials were not provided.")
    cache: CredentialCache | None = connection.app.state.runtime.credentials
    key = "token:" + token_hash(raw) if raw and len(raw) <= 200 else ""
    if cache is not None and key:
        known = cache.get(key)
        if known is not None:
            cache.used(key)
            return Principal(user=detached(User, known[0]), account=detached(Account, known[1]))
        generation = cache.generation
    found = await token_authenticate(session, raw)
    if found is None:
        raise Unauthenticated("Invalid token.")
    user, account = found
    if cache is not None and key:
        cache.put(key, (snapshot(user), snapshot(account)), generation)
        cache.used(key)  # "Last used" in the desk, at most every 5 min
    return Principal(user=user, account=account)
