"""Signing in to and out of the desk."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.throttle import SigninThrottled, user_identity
from ticketry.domain.web.sessions import (
    SESSION_LIFETIME,
    DeskIdentity,
    csrf_matches,
    desk_session_close,
    desk_session_open,
    desk_user_authenticate,
)
from ticketry.http.params import has_nul
from ticketry.http.signin import client_address, signin_throttle
from ticketry.web.desk.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    is_secure,
    new_login_csrf,
)

PREFIX = "/desk"


def _safe_next(raw: str | None) -> str:
    """Only a path inside the desk: never another site (open redirect)."""
    if raw and raw.startswith(PREFIX + "/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return f"{PREFIX}/tickets/"


def _login_page(
    request: Request,
    *,
    error: str | None = None,
    values: dict[str, str] | None = None,
    retry_after: int | None = None,
) -> Template:
    token = new_login_csrf()
    return Template(
        template_name="desk/login.html",
        context={
            "csrf": token,
            "error": error,
            "values": values or {},
            "next": _safe_next(request.query_params.get("next")),
        },
        status_code=429 if retry_after else 400 if error else 200,
        headers={"Retry-After": str(retry_after)} if retry_after else None,
        cookies=[
            Cookie(
                key=LOGIN_CSRF_COOKIE,
                value=token,
                path=f"{PREFIX}/",
                httponly=True,
                samesite="strict",
                secure=is_secure(request),
                max_age=3600,
            )
        ],
    )


@get(f"{PREFIX}/login")
async def login_form(request: Request) -> Template:
    return _login_page(request)


@post(f"{PREFIX}/login")
async def login_submit(request: Request, db: AsyncSession) -> Template | Redirect:
    form = await request.form()
    account = str(form.get("account") or "")
    email = str(form.get("email") or "")
    password = str(form.get("password") or "")
    values = {"account": account, "email": email}
    if not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE, ""), str(form.get("_csrf") or "")):
        return _login_page(
            request, error="Your sign-in form expired. Please try again.", values=values
        )
    try:
        attempt = await signin_throttle(request).begin(
            identity=user_identity(email), address=client_address(request)
        )
    except SigninThrottled as exc:
        return _login_page(request, error=exc.message, values=values, retry_after=exc.retry_after)
    found = (
        None  # no account, address or password has one: wrong, never a lookup
        if has_nul(account, email, password)
        else await desk_user_authenticate(db, account_slug=account, email=email, password=password)
    )
    if found is None:
        return _login_page(
            request, error="The account, e-mail or password is not right.", values=values
        )
    raw = await desk_session_open(db, user=found[0])
    # The request's unit of work ends here: the throttle forgets the failures outside it
    # (that must hold whatever becomes of the request) and, on SQLite, cannot while the
    # request holds the one write lock.
    await db.commit()
    await attempt.succeeded()
    return Redirect(
        path=_safe_next(str(form.get("next") or "")),
        status_code=303,
        cookies=[
            Cookie(
                key=SESSION_COOKIE,
                value=raw,
                path=f"{PREFIX}/",
                httponly=True,
                samesite="lax",
                secure=is_secure(request),
                max_age=int(SESSION_LIFETIME.total_seconds()),
            ),
            Cookie(key=LOGIN_CSRF_COOKIE, value="", path=f"{PREFIX}/", max_age=0),
        ],
    )


@post(f"{PREFIX}/logout")
async def logout(
    request: Request, db: AsyncSession, identity: DeskIdentity, csrf_ok: bool
) -> Redirect:
    await desk_session_close(db, request.cookies.get(SESSION_COOKIE))
    return Redirect(
        path=f"{PREFIX}/login",
        status_code=303,
        cookies=[Cookie(key=SESSION_COOKIE, value="", path=f"{PREFIX}/", max_age=0)],
    )


@get(PREFIX)
async def desk_home() -> Redirect:
    return Redirect(path=f"{PREFIX}/tickets/", status_code=303)


HANDLERS = [login_form, login_submit, logout, desk_home]
