"""Managing an account's OAuth apps: create (the client secret shown once), rename, change
redirect URIs, rotate the secret, deactivate (revoking live tokens), delete."""

from __future__ import annotations

from urllib.parse import urlsplit

from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.util import list_to_scope
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import Account, User
from ticketry.domain.errors import Code, ErrorCollector
from ticketry.domain.oauth.models import OAuthApp, OAuthToken
from ticketry.domain.oauth.services import SCOPES, secret_hash
from ticketry.domain.refs import Ref, ref_get_or_404
from ticketry.domain.types import utcnow
from ticketry.domain.validation import check_text

MAX_NAME = 200
MAX_REDIRECT_URIS = 10
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def _check_redirect_uri(uri: str) -> str | None:
    """RFC 6749 §3.1.2 and RFC 8252: absolute, no fragment; https, or http on loopback for
    native and development clients."""
    if len(uri) > 500:
        return "Ensure each redirect URI has no more than 500 characters."
    parts = urlsplit(uri)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return f"{uri!r} is not an absolute http(s) URL."
    if parts.fragment:
        return f"{uri!r} must not contain a fragment."
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        return f"{uri!r} must use https (http is allowed on localhost only)."
    return None


def _check(
    errors: ErrorCollector,
    *,
    name: str | None,
    scopes: list[str] | None,
    redirect_uris: list[str] | None,
) -> None:
    if name is not None:
        if not name.strip():
            errors.add("name", Code.BLANK)
        else:
            check_text(errors, "name", name.strip(), limit=MAX_NAME)
    if scopes is not None:
        bad = [s for s in scopes if s not in SCOPES]
        if bad:
            errors.add("scopes", f"Unknown scope {bad[0]!r}; use: {' '.join(SCOPES)}.")
        elif not scopes:
            errors.add("scopes", "Give at least one scope.")
    if redirect_uris is not None:
        if len(redirect_uris) > MAX_REDIRECT_URIS:
            errors.add("redirect_uris", f"Give at most {MAX_REDIRECT_URIS} redirect URIs.")
        for uri in redirect_uris:
            problem = _check_redirect_uri(uri)
            if problem:
                errors.add("redirect_uris", problem)


async def oauth_app_create(
    session: AsyncSession,
    *,
    account: Account,
    name: str,
    scopes: list[str],
    redirect_uris: list[str] | None = None,
    user: User | None = None,
    public: bool = False,
) -> tuple[OAuthApp, str]:
    """Create an app; returns it with its client secret (shown once, stored hashed).

    A ``public`` app (a browser or mobile app, which cannot keep a secret) has none (""):
    it authenticates with its client id alone, only for the authorization-code flow, and
    must use PKCE there."""
    errors = ErrorCollector()
    _check(errors, name=name, scopes=scopes, redirect_uris=redirect_uris or [])
    errors.raise_if_any()
    secret = "" if public else generate_token(48)
    app = OAuthApp(
        account_id=account.id,
        name=name.strip(),
        client_id=generate_token(32),
        client_secret_hash=secret_hash(secret) if secret else "",
        scopes=list_to_scope(list(dict.fromkeys(scopes))) or "",
        redirect_uris=list(dict.fromkeys(redirect_uris or [])),
        user_id=user.id if user else None,
    )
    session.add(app)
    await session.flush()
    return app, secret


async def _revoke_all(session: AsyncSession, app: OAuthApp) -> None:
    await session.execute(
        update(OAuthToken)
        .where(OAuthToken.app_id == app.id, OAuthToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def oauth_app_update(
    session: AsyncSession,
    *,
    account: Account,
    ref: Ref,
    name: str | None = None,
    scopes: list[str] | None = None,
    redirect_uris: list[str] | None = None,
    is_active: bool | None = None,
) -> OAuthApp:
    """Change what is given. Deactivating revokes every live token of the app, so turning
    it on again does not bring old tokens back; narrowing scopes leaves issued tokens with
    what they were granted until they expire (as the vendors do). No commit."""
    app = await ref_get_or_404(session, OAuthApp, account_id=account.id, ref=ref, for_update=True)
    errors = ErrorCollector()
    _check(errors, name=name, scopes=scopes, redirect_uris=redirect_uris)
    errors.raise_if_any()
    if name is not None:
        app.name = name.strip()
    if scopes is not None:
        app.scopes = list_to_scope(list(dict.fromkeys(scopes))) or ""
    if redirect_uris is not None:
        app.redirect_uris = list(dict.fromkeys(redirect_uris))
    if is_active is not None and is_active != app.is_active:
        app.is_active = is_active
        if not is_active:
            await _revoke_all(session, app)
    app.updated_at = utcnow()
    return app


async def oauth_app_rotate_secret(
    session: AsyncSession, *, account: Account, ref: Ref
) -> tuple[OAuthApp, str]:
    """A new client secret (the old one stops working at once); issued tokens stay valid."""
    app = await ref_get_or_404(session, OAuthApp, account_id=account.id, ref=ref, for_update=True)
    secret = generate_token(48)
    app.client_secret_hash = secret_hash(secret)
    app.updated_at = utcnow()
    return app, secret


async def oauth_app_delete(session: AsyncSession, *, account: Account, ref: Ref) -> None:
    """Delete the app with its codes and tokens (cascade)."""
    app = await ref_get_or_404(session, OAuthApp, account_id=account.id, ref=ref, for_update=True)
    await _revoke_all(session, app)
    await session.delete(app)
