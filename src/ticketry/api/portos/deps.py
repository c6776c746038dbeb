"""Who is calling: a bearer token from ``POST /auth``, or an NWS4-signed request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.api.common.decoding import decode_struct, parse_json
from ticketry.api.portos import nws4
from ticketry.domain.accounts.models import Account, User
from ticketry.domain.accounts.rights import TICKETS_VIEW, user_has_right
from ticketry.domain.accounts.sessions import (
    DeviceSession,
    session_authenticate,
    signing_key_find,
)
from ticketry.domain.errors import Forbidden, Unauthenticated
from ticketry.domain.types import utcnow

S = TypeVar("S", bound=msgspec.Struct)


@dataclass(frozen=True)
class Principal:
    user: User
    account: Account
    session: DeviceSession | None = None  # None for signed (API key) requests

    def require_read(self) -> None:
        if not user_has_right(self.user, TICKETS_VIEW):
            raise Forbidden("The user may not read tickets.")


async def _signed(request: Request[Any, Any, Any], db: AsyncSession, header: str) -> Principal:
    try:
        credential = nws4.parse_authorization(header)
    except nws4.SignatureError as exc:
        raise Unauthenticated(str(exc)) from exc
    found = await signing_key_find(db, credential.client_id)
    if found is None:
        raise Unauthenticated("Unknown API key.")
    user, account, key = found
    raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
    try:
        nws4.verify(
            credential=credential,
            secret=key.client_secret,
            method=request.method,
            path=raw_path.decode("latin-1"),
            query=request.scope.get("query_string", b"").decode("latin-1"),
            headers=dict(request.headers.items()),
            body=await request.body(),
            now=utcnow(),
        )
    except nws4.SignatureError as exc:
        raise Unauthenticated(str(exc)) from exc
    return Principal(user=user, account=account)


async def provide_principal(request: Request[Any, Any, Any], db: AsyncSession) -> Principal:
    header = (request.headers.get("authorization") or "").strip()
    if not header:
        raise Unauthenticated("Authentication is required.")
    scheme, _, value = header.partition(" ")
    if scheme == nws4.SCHEME:
        return await _signed(request, db, header)
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthenticated("Use 'Authorization: Bearer <tokenId>' or NWS4-HMAC-SHA256.")
    found = await session_authenticate(db, value.strip())
    if found is None:
        raise Unauthenticated("The token is invalid or has expired.")
    user, account, session = found
    return Principal(user=user, account=account, session=session)


async def read_body(request: Request[Any, Any, Any], cls: type[S]) -> S:
    raw = parse_json(await request.body(), request.headers.get("content-type"))
    return decode_struct(raw, cls)


async def read_optional_body(request: Request[Any, Any, Any], cls: type[S]) -> S:
    raw = parse_json(await request.body(), request.headers.get("content-type"))
    return decode_struct({} if raw is None else raw, cls)


async def read_fields(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """A JSON object with keys folded to lower case (PORTOS binds names case-insensitively)."""
    raw = parse_json(await request.body(), request.headers.get("content-type"))
    if not isinstance(raw, dict):
        return {}
    return {str(k).lower(): v for k, v in raw.items()}
