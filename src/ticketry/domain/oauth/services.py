"""OAuth2 apps, codes and tokens: issue, exchange, refresh, revoke, authenticate.

The protocol pieces (PKCE S256, scope strings, random tokens) come from authlib; this module
keeps the state. Errors are ``OAuthDenied`` carrying the RFC 6749 error code, which the HTTP
adapter renders.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import Account, User
from ticketry.domain.errors import DomainError
from ticketry.domain.oauth.models import OAuthApp, OAuthCode, OAuthToken
from ticketry.domain.types import utcnow

SCOPES = ("tickets:read", "tickets:write", "admin:read", "admin:write")
ACCESS_TOKEN_SECONDS = 10 * 3600
REFRESH_TOKEN_DAYS = 30
CODE_SECONDS = 600


class OAuthDenied(DomainError):
    """An RFC 6749 error: ``error`` is the protocol code (invalid_client, invalid_grant…)."""

    def __init__(self, error: str, description: str = "") -> None:
        super().__init__(description or error)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scope: str
    refresh_token: str | None = None
    token_type: str = "Bearer"

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
            "scope": self.scope,
        }
        if self.refresh_token:
            body["refresh_token"] = self.refresh_token
        return body


@dataclass(frozen=True)
class BearerPrincipal:
    token: OAuthToken
    account: Account
    user: User | None
    scopes: frozenset[str]


def secret_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def scopes_parse(raw: str | list[str] | None) -> list[str]:
    found = scope_to_list(raw) if raw else []
    return list(dict.fromkeys(found or []))


def _check_scopes(requested: list[str], allowed: list[str]) -> str:
    unknown = [s for s in requested if s not in allowed]
    if unknown:
        raise OAuthDenied("invalid_scope", f"Scope not allowed: {unknown[0]}.")
    return list_to_scope(requested) or ""


async def oauth_app_get(session: AsyncSession, *, client_id: str) -> OAuthApp | None:
    if not client_id or len(client_id) > 64:
        return None
    return await session.scalar(
        select(OAuthApp).where(OAuthApp.client_id == client_id, OAuthApp.is_active.is_(True))
    )


_PUBLIC_GRANTS = ("authorization_code", "refresh_token", "revoke")


def oauth_app_is_confidential(app: OAuthApp) -> bool:
    """A confidential client has a secret and proves it at the token endpoint; a public one
    (no secret, ``oauth_app_create(public=True)``) cannot, so PKCE stands in for it."""
    return bool(app.client_secret_hash)


async def oauth_client_authenticate(
    session: AsyncSession,
    *,
    client_id: str | None,
    client_secret: str | None,
    grant_type: str | None = None,
) -> OAuthApp:
    """The client, authenticated by its secret; a public client by its id alone, and only
    for the grants a user started (authorization code, refresh) and for revoking (RFC 7009),
    never client credentials. ``grant_type`` is the grant asked for, or "revoke"."""
    app = await oauth_app_get(session, client_id=client_id or "")
    if app is None:
        raise OAuthDenied("invalid_client", "Client authentication failed.")
    if not oauth_app_is_confidential(app):
        if client_secret or grant_type not in _PUBLIC_GRANTS:
            raise OAuthDenied("invalid_client", "Client authentication failed.")
        return app
    if not client_secret or not hmac.compare_digest(
        app.client_secret_hash, secret_hash(client_secret)
    ):
        raise OAuthDenied("invalid_client", "Client authentication failed.")
    return app


async def _issue(
    session: AsyncSession,
    *,
    app: OAuthApp,
    user_id: int | None,
    scope: str,
    grant_type: str,
    with_refresh: bool,
) -> IssuedToken:
    now = utcnow()
    access = generate_token(40)
    refresh = generate_token(48) if with_refresh else None
    session.add(
        OAuthToken(
            account_id=app.account_id,
            app_id=app.id,
            user_id=user_id,
            grant_type=grant_type,
            scopes=scope,
            access_token_hash=secret_hash(access),
            refresh_token_hash=secret_hash(refresh) if refresh else None,
            expires_at=now + timedelta(seconds=ACCESS_TOKEN_SECONDS),
            refresh_expires_at=now + timedelta(days=REFRESH_TOKEN_DAYS) if refresh else None,
        )
    )
    return IssuedToken(
        access_token=access, expires_in=ACCESS_TOKEN_SECONDS, scope=scope, refresh_token=refresh
    )


async def oauth_client_credentials(
    session: AsyncSession, *, app: OAuthApp, scope: str | None
) -> IssuedToken:
    """Single-store access: a token acting as the app's agent (if any), no refresh token."""
    allowed = scopes_parse(app.scopes)
    granted = _check_scopes(scopes_parse(scope), allowed) if scope else app.scopes
    return await _issue(
        session,
        app=app,
        user_id=app.user_id,
        scope=granted,
        grant_type="client_credentials",
        with_refresh=False,
    )


def pkce_problem(app: OAuthApp, code_challenge: str, code_challenge_method: str) -> str | None:
    """What is wrong with an authorization request's PKCE parameters for ``app``, or None."""
    if not code_challenge and not code_challenge_method:
        if oauth_app_is_confidential(app):
            return None
        return "PKCE (code_challenge with S256) is required for public clients."
    if code_challenge_method != "S256":
        return "code_challenge_method must be S256."
    if not 43 <= len(code_challenge) <= 128:
        return "Invalid code_challenge."
    return None


async def oauth_code_create(
    session: AsyncSession,
    *,
    app: OAuthApp,
    user: User,
    redirect_uri: str,
    scope: str | None,
    code_challenge: str,
    code_challenge_method: str,
) -> str:
    """An agent consented: a one-time code bound to the redirect URI and the PKCE challenge,
    if any: a confidential client may leave PKCE out (it proves its secret when it exchanges
    the code, RFC 6749 §4.1), a public one may not (RFC 7636, OAuth 2.1)."""
    problem = pkce_problem(app, code_challenge, code_challenge_method)
    if problem:
        raise OAuthDenied("invalid_request", problem)
    granted = _check_scopes(scopes_parse(scope), scopes_parse(app.scopes)) if scope else app.scopes
    raw = generate_token(48)
    session.add(
        OAuthCode(
            account_id=app.account_id,
            app_id=app.id,
            user_id=user.id,
            code_hash=secret_hash(raw),
            redirect_uri=redirect_uri,
            scopes=granted,
            code_challenge=code_challenge,
            code_challenge_method=code_challenge_method,
            expires_at=utcnow() + timedelta(seconds=CODE_SECONDS),
        )
    )
    return raw


async def oauth_code_exchange(
    session: AsyncSession,
    *,
    app: OAuthApp,
    code: str | None,
    redirect_uri: str | None,
    code_verifier: str | None,
) -> IssuedToken:
    if not code:
        raise OAuthDenied("invalid_request", "Missing code.")
    row = await session.scalar(
        select(OAuthCode)
        .where(OAuthCode.code_hash == secret_hash(code), OAuthCode.app_id == app.id)
        .with_for_update()
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise OAuthDenied("invalid_grant", "The authorization code is invalid or expired.")
    if (redirect_uri or "") != row.redirect_uri:
        raise OAuthDenied("invalid_grant", "redirect_uri does not match.")
    if row.code_challenge:
        if not code_verifier or not hmac.compare_digest(
            create_s256_code_challenge(code_verifier), row.code_challenge
        ):
            raise OAuthDenied("invalid_grant", "PKCE verification failed.")
    elif code_verifier or not oauth_app_is_confidential(app):
        # A code issued without a challenge: only its confidential client, which has just
        # proved its secret, may exchange it; a verifier for no challenge is a mix-up.
        raise OAuthDenied("invalid_grant", "PKCE verification failed.")
    row.used_at = utcnow()
    return await _issue(
        session,
        app=app,
        user_id=row.user_id,
        scope=row.scopes,
        grant_type="authorization_code",
        with_refresh=True,
    )


async def oauth_refresh(
    session: AsyncSession, *, app: OAuthApp, refresh_token: str | None, scope: str | None
) -> IssuedToken:
    """Rotate: the old access and refresh tokens stop working, a new pair is issued."""
    if not refresh_token:
        raise OAuthDenied("invalid_request", "Missing refresh_token.")
    row = await session.scalar(
        select(OAuthToken)
        .where(
            OAuthToken.refresh_token_hash == secret_hash(refresh_token),
            OAuthToken.app_id == app.id,
        )
        .with_for_update()
    )
    now = utcnow()
    if (
        row is None
        or row.revoked_at is not None
        or row.refresh_expires_at is None
        or row.refresh_expires_at <= now
    ):
        raise OAuthDenied("invalid_grant", "The refresh token is invalid or expired.")
    granted = _check_scopes(scopes_parse(scope), scopes_parse(row.scopes)) if scope else row.scopes
    row.revoked_at = now
    return await _issue(
        session,
        app=app,
        user_id=row.user_id,
        scope=granted,
        grant_type=row.grant_type,
        with_refresh=True,
    )


async def oauth_revoke(session: AsyncSession, *, app: OAuthApp, token: str | None) -> None:
    """RFC 7009: revoke an access or refresh token of this app; unknown tokens are ignored."""
    if token:
        digest = secret_hash(token)
        await session.execute(
            update(OAuthToken)
            .where(
                OAuthToken.app_id == app.id,
                OAuthToken.revoked_at.is_(None),
                (OAuthToken.access_token_hash == digest)
                | (OAuthToken.refresh_token_hash == digest),
            )
            .values(revoked_at=utcnow())
        )


async def oauth_bearer_authenticate(session: AsyncSession, raw: str) -> BearerPrincipal | None:
    """The live token ``raw`` (not expired, not revoked, app active), or None."""
    if not raw or len(raw) > 200:
        return None
    row = (
        await session.execute(
            select(OAuthToken, Account)
            .join(OAuthApp, OAuthApp.id == OAuthToken.app_id)
            .join(Account, Account.id == OAuthToken.account_id)
            .where(
                OAuthToken.access_token_hash == secret_hash(raw),
                OAuthToken.revoked_at.is_(None),
                OAuthApp.is_active.is_(True),
            )
        )
    ).first()
    if row is None:
        return None
    token, account = row[0], row[1]
    if token.expires_at <= utcnow():
        return None
    user = None
    if token.user_id is not None:
        user = await session.get(User, token.user_id)
        if user is None or not user.is_active:
            return None
    return BearerPrincipal(
        token=token, account=account, user=user, scopes=frozenset(scopes_parse(token.scopes))
    )


def random_state() -> str:
    return secrets.token_urlsafe(16)


__all__ = [
    "SCOPES",
    "BearerPrincipal",
    "IssuedToken",
    "OAuthDenied",
    "oauth_app_get",
    "oauth_app_is_confidential",
    "oauth_bearer_authenticate",
    "oauth_client_authenticate",
    "oauth_client_credentials",
    "oauth_code_create",
    "oauth_code_exchange",
    "oauth_refresh",
    "oauth_revoke",
    "pkce_problem",
]
