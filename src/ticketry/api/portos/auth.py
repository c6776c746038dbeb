"""PORTOS sign-in: ``POST /auth`` → AuthResult (bearer token + refresh token), profile,
refresh, logout. ``UserName`` is the agent's e-mail; the session is bound to the device."""

from __future__ import annotations

from typing import Any

from litestar import Request, delete, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.api.portos import schemas as s
from ticketry.api.portos.deps import Principal, read_fields
from ticketry.domain.accounts.models import User
from ticketry.domain.accounts.sessions import (
    session_end,
    session_refresh,
    session_sign_in,
)
from ticketry.domain.accounts.throttle import user_identity
from ticketry.domain.errors import Code, ErrorCollector, Unauthenticated, ValidationFailed
from ticketry.domain.tickets.policy import POS_RIGHTS
from ticketry.http.params import has_nul
from ticketry.http.signin import client_address, signin_throttle


def user_out(user: User, device_name: str | None) -> s.UserOut:
    rights = list(POS_RIGHTS) if user.role == "admin" else [str(r) for r in user.rights or []]
    return s.UserOut(
        id=user.id,
        is_virtual=device_name is None,
        name=user.full_name or user.email,
        user_name=user.email,
        feature_name=None,
        rights=rights,
        device=s.DeviceOut(
            name=device_name,
            env_name="CashRegister",
            description=None,
            preferences={},
            settings=s.DeviceSettingsOut(),
        )
        if device_name
        else None,
    )


def _text(fields: dict[str, Any], name: str, errors: ErrorCollector, required: bool) -> str:
    value = fields.get(name.lower())
    if value is None or value == "":
        if required:
            errors.add(name, Code.REQUIRED)
        return ""
    if not isinstance(value, str) or len(value) > 1024:
        errors.add(name, "Must be text of at most 1024 characters.")
        return ""
    return value


def account_and_email(user_name: str) -> tuple[str | None, str]:
    """``UserName`` is an e-mail, or ``ACCOUNT/e-mail`` to name the account (a slash before
    the ``@``: account slugs have no ``@``)."""
    slug, slash, email = user_name.partition("/")
    if slash and slug and "@" not in slug:
        return slug, email
    return None, user_name


@post("/auth", operation_id="auth_login", summary="Sign in", status_code=200)
async def auth_login(request: Request[Any, Any, Any], db: AsyncSession) -> s.AuthResult:
    """Body ``{"UserName", "Password", "DeviceName"}`` (names case-insensitive). A new
    sign-in on a device ends the device's previous session. ``UserName`` is the agent's
    e-mail, or ``ACCOUNT/e-mail`` when the e-mail is an agent of several accounts with the
    same password. Failed attempts are throttled (429 with ``Retry-After``)."""
    fields = await read_fields(request)
    errors = ErrorCollector()
    user_name = _text(fields, "UserName", errors, required=True)
    device = _text(fields, "DeviceName", errors, required=True)
    password = _text(fields, "Password", errors, required=False)
    if len(device) > 100:
        errors.add("DeviceName", "At most 100 characters.")
    if has_nul(device):
        errors.add("DeviceName", "Must not contain NUL characters.")
    errors.raise_if_any()
    if has_nul(user_name, password):  # no user has one: wrong credentials, never a lookup
        raise Unauthenticated("Invalid user name or password.")
    slug, email = account_and_email(user_name)
    attempt = await signin_throttle(request).begin(
        identity=user_identity(email), address=client_address(request)
    )
    try:
        found = await session_sign_in(
            db, email=email, password=password, device_name=device, account_slug=slug
        )
    except ValidationFailed:
        await db.rollback()  # the password was right: only the account is in question
        await attempt.succeeded()
        raise
    if found is None:
        raise Unauthenticated("Invalid user name or password.")
    # The request's unit of work ends here: the throttle forgets the failures outside it
    # (that must hold whatever becomes of the request) and, on SQLite, cannot while the
    # request holds the one write lock.
    await db.commit()
    await attempt.succeeded()
    user, issued = found
    return s.AuthResult(
        token_id=issued.token, refresh_token=issued.refresh_token, user=user_out(user, device)
    )


@post("/auth/refresh", operation_id="auth_refresh", summary="Refresh", status_code=200)
async def auth_refresh(request: Request[Any, Any, Any], db: AsyncSession) -> s.AuthResult:
    """Body ``{"tokenId", "refreshToken"}``: a new pair; the old one stops working."""
    fields = await read_fields(request)
    errors = ErrorCollector()
    token = _text(fields, "tokenId", errors, required=True)
    refresh = _text(fields, "refreshToken", errors, required=True)
    errors.raise_if_any()
    found = await session_refresh(db, token=token, refresh_token=refresh)
    if found is None:
        raise Unauthenticated("The refresh token is invalid or has expired.")
    user, issued = found
    return s.AuthResult(
        token_id=issued.token,
        refresh_token=issued.refresh_token,
        user=user_out(user, issued.session.device_name),
    )


@get("/auth", operation_id="auth_profile", summary="Profile")
async def auth_profile(principal: Principal) -> s.UserOut:
    device = principal.session.device_name if principal.session else None
    return user_out(principal.user, device)


@delete("/auth", operation_id="auth_logout", summary="Sign out")
async def auth_logout(db: AsyncSession, principal: Principal) -> None:
    if principal.session is not None:
        await session_end(db, session_id=principal.session.id)


HANDLERS = [auth_login, auth_refresh, auth_profile, auth_logout]
