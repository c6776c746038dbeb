"""Who is signed in to the desk, and the CSRF check every change goes through."""

from __future__ import annotations

import secrets

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.web.sessions import DeskIdentity, csrf_matches, desk_session_find

SESSION_COOKIE = "ticketry_desk"
# Before sign-in there is no session to hold a CSRF token: the sign-in form carries a
# random value that must equal this cookie's (double submit).
LOGIN_CSRF_COOKIE = "ticketry_desk_login"
CSRF_FIELD = "_csrf"
CSRF_HEADER = "x-csrf-token"


class SignInRequired(Exception):
    """No valid desk session: the browser goes to the sign-in page."""


class CsrfRejected(Exception):
    """A change was sent without the session's CSRF token."""


async def provide_identity(request: Request, db: AsyncSession) -> DeskIdentity:
    identity = await desk_session_find(db, request.cookies.get(SESSION_COOKIE))
    if identity is None:
        raise SignInRequired()
    return identity


async def provide_csrf_check(request: Request, identity: DeskIdentity) -> bool:
    """Depended on by every POST handler: the form field or the htmx header must match."""
    given = request.headers.get(CSRF_HEADER)
    if not given:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not csrf_matches(identity.session.csrf_token, given):
        raise CsrfRejected()
    return True


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def is_secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


async def rollback_keeping(db: AsyncSession, identity: DeskIdentity) -> None:
    """Undo a failed change and load the signed-in agent again (a rollback expires it)."""
    await db.rollback()
    for obj in (identity.session, identity.user, identity.account):
        await db.refresh(obj)
