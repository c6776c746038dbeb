"""What every Next Commerce handler needs: version, bearer token and scope, rate limit,
bodies in JSON or form encoding, and query parameters checked as django-filter would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import msgspec
from litestar import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.api.common.decoding import collect_errors, decode_struct, parse_json
from ticketry.api.common.drf_wire import drf_wire_message
from ticketry.api.nextcommerce.errors import BadVersion
from ticketry.credential_cache import CredentialCache, detached, snapshot
from ticketry.domain.accounts.models import Account, User
from ticketry.domain.accounts.rights import TICKETS_EDIT, TICKETS_VIEW, Grant, rights_expand
from ticketry.domain.errors import (
    FieldErrors,
    NotFound,
    Unauthenticated,
    ValidationFailed,
)
from ticketry.domain.oauth.models import OAuthApp, OAuthToken
from ticketry.domain.oauth.services import (
    BearerPrincipal,
    oauth_bearer_authenticate,
    secret_hash,
)
from ticketry.domain.tickets.history import Via
from ticketry.domain.tickets.policy import access_check
from ticketry.domain.types import utcnow
from ticketry.http.params import is_id, parse_int

S = TypeVar("S", bound=msgspec.Struct)

VERSION_HEADER = "x-29next-api-version"
VERSIONS = ("2024-04-01", "unstable", "2023-02-10")
DEFAULT_VERSION = "2024-04-01"

# Which scopes let a token read or write tickets (no implication between read and write).
READ_SCOPES = frozenset({"tickets:read", "admin:read"})
WRITE_SCOPES = frozenset({"tickets:write", "admin:write"})


def grant_of(scopes: frozenset[str]) -> Grant:
    """The domain rights a token's scopes grant; the domain policy decides with them."""
    rights: frozenset[str] = frozenset()
    if scopes & READ_SCOPES:
        rights |= rights_expand(frozenset({TICKETS_VIEW}))
    if scopes & WRITE_SCOPES:  # every ticket and conversation write
        rights |= rights_expand(frozenset({TICKETS_EDIT}))
    return Grant(rights)


@dataclass(frozen=True)
class Caller:
    account: Account
    user: User | None  # the agent the token acts for (authorization code), if any
    scopes: frozenset[str]
    version: str
    app_id: int | None = None  # the OAuth app the token was issued to

    @property
    def grant(self) -> Grant:
        return grant_of(self.scopes)


async def caller_via(db: AsyncSession, caller: Caller) -> Via:
    """The caller's OAuth app, as a ticket's history names the credential of a change."""
    name = await db.scalar(select(OAuthApp.name).where(OAuthApp.id == caller.app_id))
    return Via("oauth_app", name or f"OAuth app {caller.app_id}")


def api_version(request: Request) -> str:
    raw = request.headers.get(VERSION_HEADER)
    if raw is None or raw.strip() == "":
        return DEFAULT_VERSION
    value = raw.strip()
    if value not in VERSIONS:
        raise BadVersion('Invalid version in "X-29Next-Api-Version" header.')
    return value


def bearer_token(request: Request) -> str | None:
    value = request.headers.get("authorization")
    if not value:
        return None
    parts = value.strip().split()
    if len(parts) == 2 and parts[0].lower() == "bearer":
        return parts[1]
    return ""


async def _bearer(request: Request, db: AsyncSession, raw: str) -> BearerPrincipal | None:
    """The live access token ``raw``, remembered per process (``credential_cache``)."""
    cache: CredentialCache | None = request.app.state.runtime.credentials
    key = "oauth:" + secret_hash(raw) if raw and len(raw) <= 200 else ""
    if cache is None or not key:
        return await oauth_bearer_authenticate(db, raw)
    known = cache.get(key)
    if known is not None:
        token, account, user, scopes = known
        if token["expires_at"] <= utcnow():
            return None
        return BearerPrincipal(
            token=detached(OAuthToken, token),
            account=detached(Account, account),
            user=detached(User, user) if user is not None else None,
            scopes=scopes,
        )
    generation = cache.generation
    found = await oauth_bearer_authenticate(db, raw)
    if found is not None:
        user_values = snapshot(found.user) if found.user is not None else None
        kept = (snapshot(found.token), snapshot(found.account), user_values, found.scopes)
        cache.put(key, kept, generation)
    return found


async def provide_caller(request: Request, db: AsyncSession) -> Caller:
    """Version, then authentication, then scope (the rate limit comes first, as middleware)."""
    version = api_version(request)
    raw = bearer_token(request)
    if raw is None:
        raise Unauthenticated("Authentication credentials were not provided.")
    found = await _bearer(request, db, raw)
    if found is None:
        raise Unauthenticated("Invalid token.")
    access = request.route_handler.opt.get("access", "read")
    # The token's scopes, then the agent's role (DRF's permission classes, in that order);
    # the services that write ask the policy again.
    access_check(
        actor=found.user,
        grant=grant_of(found.scopes),
        right=TICKETS_EDIT if access == "write" else TICKETS_VIEW,
    )
    return Caller(
        account=found.account,
        user=found.user,
        scopes=found.scopes,
        version=version,
        app_id=found.token.app_id,
    )


def check_id(value: int) -> int:
    """A path id no row can have is simply not found (and never reaches the database)."""
    if not is_id(value):
        raise NotFound()
    return value


def _bad_text(value: str) -> str | None:
    if "\x00" in value:
        return "Null characters are not allowed."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Invalid characters."
    return None


def text_problems(raw: Any) -> FieldErrors:
    """Strings the databases cannot store (NUL, lone surrogates), named by field."""
    errors: FieldErrors = {}
    if isinstance(raw, dict):
        for key, value in raw.items():
            if isinstance(value, str):
                problem = _bad_text(value)
                if problem:
                    errors[str(key)] = [problem]
            elif isinstance(value, (dict, list)):
                sub = text_problems(value)
                if sub:
                    errors[str(key)] = sub
    elif isinstance(raw, list):
        for item in raw:
            problem = _bad_text(item) if isinstance(item, str) else None
            if problem:
                return {"non_field_errors": [problem]}
    return errors


_FORM_MEDIA = ("application/x-www-form-urlencoded", "multipart/form-data")


async def read_body(
    request: Request,
    cls: type[S],
    *,
    partial: bool = False,
    lists: tuple[str, ...] = (),
    ints: tuple[str, ...] = (),
    bools: tuple[str, ...] = (),
    choices: dict[str, tuple[str, ...]] | None = None,
) -> S:
    """JSON, or the form encodings the vendor's document also lists (flat fields only)."""
    media = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    raw: Any
    if media in _FORM_MEDIA:
        form = await request.form()
        raw = {}
        for key in form:
            values = [v for v in form.getall(key) if isinstance(v, str)]
            if key in lists:
                raw[key] = [_coerce(v, int if key in ints else None) for v in values]
            elif values:
                value: Any = values[-1]
                if key in ints:
                    value = _coerce(value, int)
                elif key in bools:
                    value = {"true": True, "false": False}.get(value.lower(), value)
                raw[key] = value
    else:
        raw = parse_json(await request.body(), request.headers.get("content-type"))
        if raw is None:
            raw = {}
    problems = text_problems(raw)
    if problems:
        raise ValidationFailed(problems)
    errors = (
        collect_errors(raw, cls, partial=partial, word=drf_wire_message)
        if isinstance(raw, dict)
        else {}
    )
    for name, allowed in (choices or {}).items():
        value = raw.get(name) if isinstance(raw, dict) else None
        if isinstance(value, str) and value not in allowed:
            errors[name] = [f'"{value}" is not a valid choice.']
    if errors:
        raise ValidationFailed(errors)
    return decode_struct(raw, cls, partial=partial, word=drf_wire_message)


def _coerce(value: str, kind: type | None) -> Any:
    if kind is int:
        number = parse_int(value)
        return value if number is None else number
    return value


class Params:
    """Query parameters checked one by one, every problem reported (django-filter)."""

    def __init__(self, request: Request) -> None:
        self.query = request.query_params
        self.errors: FieldErrors = {}

    def _bad(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def text(self, name: str) -> str | None:
        value = self.query.get(name)
        if value in (None, ""):
            return None
        problem = _bad_text(value)
        if problem:
            self._bad(name, problem)
            return None
        return value

    def integer(self, name: str) -> int | None:
        value = self.query.get(name)
        if value in (None, ""):
            return None
        return self._int(name, value)

    def _int(self, name: str, value: str) -> int | None:
        number = parse_int(value)
        if number is None:
            self._bad(name, "Enter a whole number.")
        return number

    def integers(self, name: str) -> list[int] | None:
        values = [v for v in self.query.getall(name, []) if v != ""]
        if not values:
            return None
        out = []
        for value in values:
            number = self._int(name, value)
            if number is not None:
                out.append(number)
        return out

    def choice(self, name: str, choices: tuple[str, ...]) -> str | None:
        value = self.query.get(name)
        if value in (None, ""):
            return None
        if value not in choices:
            self._bad(name, f"Select a valid choice. {value} is not one of the available choices.")
            return None
        return value

    def choices(self, name: str, choices: tuple[str, ...]) -> list[str] | None:
        values = [v for v in self.query.getall(name, []) if v != ""]
        if not values:
            return None
        for value in values:
            if value not in choices:
                self._bad(
                    name, f"Select a valid choice. {value} is not one of the available choices."
                )
        return [v for v in values if v in choices]

    def day(self, name: str) -> date | None:
        value = self.query.get(name)
        if value in (None, ""):
            return None
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            self._bad(name, "Enter a valid date.")
            return None

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)
