"""Paymenter's ``api.admin`` middleware: a bearer API key, enabled, of type admin, from an
allowed address; then each endpoint's permission (FormRequest ``authorize``).

The face only maps the key's permissions onto the domain's rights (``grant``); whether a
right suffices is the domain policy's decision (``domain/tickets/policy.py``), asked here
before the body is read (Laravel authorizes a FormRequest before validating it) and again
by the service that writes."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.credential_cache import CredentialCache, detached, snapshot
from ticketry.domain.accounts.models import Account
from ticketry.domain.accounts.rights import (
    MESSAGES_DELETE,
    MESSAGES_VIEW,
    MESSAGES_WRITE,
    TICKETS_CREATE,
    TICKETS_DELETE,
    TICKETS_UPDATE,
    TICKETS_VIEW,
    Grant,
)
from ticketry.domain.apikeys.models import ApiKey
from ticketry.domain.apikeys.services import (
    api_key_allows_ip,
    api_key_authenticate,
    api_key_hash,
)
from ticketry.domain.errors import Forbidden, Unauthenticated
from ticketry.domain.tickets.history import Via
from ticketry.domain.tickets.policy import access_check

MISSING_TOKEN = "The request is missing a valid bearer token."
INVALID_KEY = "The provided API key is invalid or has been disabled."
KEY_REFUSED = "You do not have permission to access this resource."
UNAUTHORIZED_ACTION = "This action is unauthorized."


class MissingBearer(Unauthenticated):
    """No bearer token at all (Paymenter answers with an ``error`` key, not ``message``)."""


# The domain right each ticket permission of an API key grants (Paymenter's
# ``admin.<resource>.<ability>``); the others (``admin.users.view`` …) grant none of them.
PERMISSION_RIGHTS = {
    "admin.tickets.view": TICKETS_VIEW,
    "admin.tickets.create": TICKETS_CREATE,
    "admin.tickets.update": TICKETS_UPDATE,
    "admin.tickets.delete": TICKETS_DELETE,
    "admin.ticket_messages.view": MESSAGES_VIEW,
    "admin.ticket_messages.create": MESSAGES_WRITE,
    "admin.ticket_messages.delete": MESSAGES_DELETE,
}


def grant_of(permissions: list[str]) -> Grant:
    return Grant(frozenset(PERMISSION_RIGHTS[p] for p in permissions if p in PERMISSION_RIGHTS))


@dataclass(frozen=True)
class ApiKeyPrincipal:
    key: ApiKey
    account: Account

    @property
    def via(self) -> Via:
        """The key, as a ticket's history names who made a change."""
        return Via("api_key", self.key.name or f"API key {self.key.id}")

    @property
    def permissions(self) -> list[str]:
        return list(self.key.permissions or [])

    @property
    def grant(self) -> Grant:
        return grant_of(self.permissions)

    def require(self, right: str) -> None:
        """The policy's answer for ``right`` (RightMissing, worded by ``errors.py``)."""
        access_check(actor=None, grant=self.grant, right=right)


def bearer_token(request: Request) -> str | None:
    """Laravel's ``bearerToken()``: what follows ``Bearer `` in Authorization."""
    header = request.headers.get("authorization") or ""
    position = header.lower().rfind("bearer ")
    if position == -1:
        return None
    token = header[position + 7 :].strip().split(",")[0].strip()
    return token or None


async def provide_api_key(request: Request, db: AsyncSession) -> ApiKeyPrincipal:
    raw = bearer_token(request)
    if raw is None:
        raise MissingBearer(MISSING_TOKEN)
    key, account = await _key_of(request, db, raw)
    client_ip = request.client.host if request.client else None
    if key.type != "admin" or not api_key_allows_ip(key, client_ip):
        raise Forbidden(KEY_REFUSED)
    return ApiKeyPrincipal(key=key, account=account)


async def _key_of(request: Request, db: AsyncSession, raw: str) -> tuple[ApiKey, Account]:
    """The enabled key with this secret and its account, from the process's credential
    cache when it knows them (no statement per request), its use recorded there too (at
    most every few minutes, off the request's path, "last used" in the desk)."""
    cache: CredentialCache | None = request.app.state.runtime.credentials
    cache_key = "apikey:" + api_key_hash(raw) if len(raw) <= 200 else ""
    if cache is not None and cache_key:
        known = cache.get(cache_key)
        if known is not None:
            cache.used(cache_key)
            return detached(ApiKey, known[0]), detached(Account, known[1])
        generation = cache.generation
    found = await api_key_authenticate(db, raw)
    if found is None:
        raise Unauthenticated(INVALID_KEY)
    key, account = found
    if cache is not None and cache_key:
        cache.put(cache_key, (snapshot(key), snapshot(account)), generation)
        cache.used(cache_key)
    return key, account
