"""The OAuth2 authorization server of the Next Commerce face, at /oauth2/.

- ``GET/POST /oauth2/authorize/``: authorization code, with PKCE (S256) required for public
  clients (no secret) and optional for confidential ones, which prove their secret when they
  exchange the code. The page asks the agent for e-mail and password (argon2,
  ``users.password_hash``) and for consent.
- ``POST /oauth2/token/``: ``client_credentials`` (single-store access), ``authorization_code``
  and ``refresh_token`` (rotating). Client authentication by HTTP Basic or form fields.
- ``POST /oauth2/revoke/``: RFC 7009.

Errors are RFC 6749 JSON bodies rendered by authlib's error classes.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from authlib.oauth2.rfc6749 import errors as oauth_errors
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from jinja2 import Environment
from litestar import Litestar, Request, Response, Router, get, post
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.response import Redirect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import User
from ticketry.domain.accounts.passwords import password_verify
from ticketry.domain.accounts.rights import TICKETS_VIEW, user_has_right
from ticketry.domain.accounts.throttle import (
    SigninAttempt,
    SigninThrottled,
    oauth_client_identity,
    user_identity,
)
from ticketry.domain.oauth.models import OAuthApp
from ticketry.domain.oauth.services import (
    OAuthDenied,
    oauth_app_get,
    oauth_client_authenticate,
    oauth_client_credentials,
    oauth_code_create,
    oauth_code_exchange,
    oauth_refresh,
    oauth_revoke,
    pkce_problem,
    scopes_parse,
)
from ticketry.http.params import has_nul, refuse_nul_path
from ticketry.http.signin import client_address, signin_throttle
from ticketry.runtime import provide_session

PREFIX = "/oauth2"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_ERRORS: dict[str, type[oauth_errors.OAuth2Error]] = {
    "invalid_client": oauth_errors.InvalidClientError,
    "invalid_grant": oauth_errors.InvalidGrantError,
    "invalid_scope": oauth_errors.InvalidScopeError,
    "invalid_request": oauth_errors.InvalidRequestError,
    "unsupported_grant_type": oauth_errors.UnsupportedGrantTypeError,
    "unauthorized_client": oauth_errors.UnauthorizedClientError,
}

_PAGE = Environment(autoescape=True).from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize {{ app_name }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}
label{display:block;margin:.6rem 0}input[type=email],input[type=password]{width:100%}
.error{color:#b00020}</style></head><body>
<h1>Authorize {{ app_name }}</h1>
{% if error %}<p class="error">{{ error }}</p>{% endif %}
{% if fatal %}{% else %}
<p><strong>{{ app_name }}</strong> asks for access to your store:</p>
<ul>{% for scope in scopes %}<li>{{ scope }}</li>{% endfor %}</ul>
<form method="post" action="/oauth2/authorize/">
{% for key, value in params.items() %}<input type="hidden" name="{{ key }}" value="{{ value }}">
{% endfor %}
<label>E-mail
<input type="email" name="email" value="{{ email }}" required autocomplete="username"></label>
<label>Password
<input type="password" name="password" required autocomplete="current-password"></label>
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" formnovalidate>Deny</button>
</form>{% endif %}
</body></html>"""
)

_AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)


def _oauth_error(exc: OAuthDenied) -> Response:
    cls = _ERRORS.get(exc.error, oauth_errors.InvalidRequestError)
    err = oauth_errors.OAuth2Error(description=exc.description or None)
    err.error = exc.error
    headers = {**_NO_STORE}
    status = cls.status_code
    if exc.error == "invalid_client":
        status = 401
        headers["WWW-Authenticate"] = 'Basic realm="oauth2"'
    return Response(dict(err.get_body()), status_code=status, headers=headers)


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str | None, str | None]:
    header = request.headers.get("authorization")
    if header and header.lower().startswith("basic "):
        try:
            client_id, client_secret = extract_basic_authorization({"Authorization": header})
        except (ValueError, UnicodeError):
            return None, None
    else:
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
    if has_nul(client_id, client_secret):
        return None, None  # no client has one: wrong credentials, not a server error
    return client_id, client_secret


# The error a NUL character in each token request field gets (RFC 6749 §5.2): no stored
# code, token, secret or scope has one, so it is a wrong value, checked before any lookup.
_NUL_ERRORS = {
    "grant_type": "unsupported_grant_type",
    "scope": "invalid_scope",
    "code": "invalid_grant",
    "redirect_uri": "invalid_grant",
    "code_verifier": "invalid_grant",
    "refresh_token": "invalid_grant",
}


def _refuse_nul(form: dict[str, str]) -> None:
    for name, error in _NUL_ERRORS.items():
        if has_nul(form.get(name)):
            raise OAuthDenied(error, f"The {name} is not valid.")


async def _form(request: Request) -> dict[str, str]:
    media = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if media not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise OAuthDenied("invalid_request", "Use application/x-www-form-urlencoded.")
    data = await request.form()
    return {k: v for k, v in data.items() if isinstance(v, str)}


def _throttled(exc: SigninThrottled) -> Response:
    """Too many failed client authentications: 429 with ``Retry-After``, in RFC 6749's shape."""
    body = {"error": "temporarily_unavailable", "error_description": exc.message}
    headers = {**_NO_STORE, "Retry-After": str(exc.retry_after)}
    return Response(body, status_code=429, headers=headers)


async def _client_app(
    request: Request, db: AsyncSession, form: dict[str, str], grant_type: str | None
) -> tuple[OAuthApp, SigninAttempt]:
    """The authenticated client, throttled per client id and address (SigninThrottled)."""
    client_id, client_secret = _client_credentials(request, form)
    attempt = await signin_throttle(request).begin(
        identity=oauth_client_identity(client_id or ""), address=client_address(request)
    )
    app = await oauth_client_authenticate(
        db, client_id=client_id, client_secret=client_secret, grant_type=grant_type
    )
    return app, attempt


async def _settle(db: AsyncSession, attempt: SigninAttempt | None, *, keep: bool = False) -> None:
    """The credentials were right: forget their failures. That write must happen whatever
    becomes of the request, so it runs outside the request's transaction, and on SQLite it
    cannot while that transaction holds the one write lock: the request's unit of work ends
    here, committed when the request issued something (``keep``), rolled back otherwise."""
    if attempt is not None:
        if keep:
            await db.commit()
        else:
            await db.rollback()
        await attempt.succeeded()


@post(f"{PREFIX}/token/", status_code=200)
async def token(request: Request, db: AsyncSession) -> Response:
    attempt: SigninAttempt | None = None
    try:
        form = await _form(request)
        app, attempt = await _client_app(request, db, form, form.get("grant_type"))
        _refuse_nul(form)
        grant = form.get("grant_type")
        if grant == "client_credentials":
            issued = await oauth_client_credentials(db, app=app, scope=form.get("scope"))
        elif grant == "authorization_code":
            issued = await oauth_code_exchange(
                db,
                app=app,
                code=form.get("code"),
                redirect_uri=form.get("redirect_uri"),
                code_verifier=form.get("code_verifier"),
            )
        elif grant == "refresh_token":
            issued = await oauth_refresh(
                db, app=app, refresh_token=form.get("refresh_token"), scope=form.get("scope")
            )
        elif not grant:
            raise OAuthDenied("invalid_request", "Missing grant_type.")
        else:
            raise OAuthDenied("unsupported_grant_type", f"Unsupported grant_type {grant!r}.")
    except SigninThrottled as exc:
        return _throttled(exc)
    except OAuthDenied as exc:
        await _settle(db, attempt)
        return _oauth_error(exc)
    await _settle(db, attempt, keep=True)
    return Response(issued.as_dict(), status_code=200, headers=_NO_STORE)


@post(f"{PREFIX}/revoke/", status_code=200)
async def revoke(request: Request, db: AsyncSession) -> Response:
    attempt: SigninAttempt | None = None
    try:
        form = await _form(request)
        app, attempt = await _client_app(request, db, form, "revoke")
        await oauth_revoke(db, app=app, token=form.get("token"))
    except SigninThrottled as exc:
        return _throttled(exc)
    except OAuthDenied as exc:
        await _settle(db, attempt)
        return _oauth_error(exc)
    await _settle(db, attempt, keep=True)
    return Response(b"", status_code=200, headers=_NO_STORE)


def _page(
    app: OAuthApp | None,
    params: dict[str, str],
    *,
    error: str = "",
    fatal: bool = False,
    email: str = "",
    status: int = 200,
) -> Response:
    html = _PAGE.render(
        app_name=app.name if app else "an application",
        scopes=scopes_parse(params.get("scope") or (app.scopes if app else "")),
        params={k: params[k] for k in _AUTHORIZE_PARAMS if params.get(k)},
        error=error,
        fatal=fatal,
        email=email,
    )
    return Response(
        html,
        status_code=status,
        media_type="text/html; charset=utf-8",
        headers={"X-Frame-Options": "DENY", "Cache-Control": "no-store"},
    )


def _redirect(redirect_uri: str, **params: str) -> Redirect:
    sep = "&" if urlsplit(redirect_uri).query else "?"
    query = urlencode({k: v for k, v in params.items() if v})
    return Redirect(path=f"{redirect_uri}{sep}{query}", status_code=302)


async def _check_authorize(
    db: AsyncSession, params: dict[str, str]
) -> tuple[OAuthApp | None, str | None]:
    """The app, or the error to show on the page (never redirect to an unchecked URI)."""
    if has_nul(params.get("client_id")):
        return None, "Unknown client_id."
    app = await oauth_app_get(db, client_id=params.get("client_id") or "")
    if app is None:
        return None, "Unknown client_id."
    redirect_uri = params.get("redirect_uri") or ""
    if redirect_uri not in (app.redirect_uris or []):
        return app, "The redirect_uri is not registered for this application."
    if has_nul(*params.values()):
        return app, "The request holds a NUL character."
    return app, None


def _request_problem(app: OAuthApp, params: dict[str, str]) -> tuple[str, str] | None:
    """(error, description) of an authorization request ``app`` may not make, or None."""
    if params.get("response_type") != "code":
        return "unsupported_response_type", "response_type=code is required."
    problem = pkce_problem(
        app, params.get("code_challenge", ""), params.get("code_challenge_method", "")
    )
    if problem:
        return "invalid_request", problem
    return None


@get(f"{PREFIX}/authorize/")
async def authorize_page(request: Request, db: AsyncSession) -> Response:
    params = {k: v for k, v in request.query_params.items() if k in _AUTHORIZE_PARAMS}
    app, fatal = await _check_authorize(db, params)
    if fatal:
        return _page(app, params, error=fatal, fatal=True, status=400)
    assert app is not None
    problem = _request_problem(app, params)
    if problem:
        return _redirect(  # type: ignore[return-value]
            params["redirect_uri"],
            error=problem[0],
            error_description=problem[1],
            state=params.get("state", ""),
        )
    return _page(app, params)


@post(f"{PREFIX}/authorize/", status_code=200)
async def authorize_decide(request: Request, db: AsyncSession) -> Response:
    form = await request.form()
    params = {k: v for k, v in form.items() if k in _AUTHORIZE_PARAMS and isinstance(v, str)}
    app, fatal = await _check_authorize(db, params)
    if fatal:
        return _page(app, params, error=fatal, fatal=True, status=400)
    assert app is not None
    redirect_uri, state = params["redirect_uri"], params.get("state", "")
    problem = _request_problem(app, params)
    if problem:
        return _redirect(redirect_uri, error=problem[0], state=state)  # type: ignore[return-value]
    if form.get("decision") != "allow":
        return _redirect(redirect_uri, error="access_denied", state=state)  # type: ignore[return-value]
    email = str(form.get("email") or "").strip().lower()
    password = str(form.get("password") or "")
    await db.commit()  # end the read of the app: the throttle writes outside it (SQLite)
    try:
        attempt = await signin_throttle(request).begin(
            identity=user_identity(email), address=client_address(request)
        )
    except SigninThrottled as exc:
        page = _page(app, params, error=exc.message, email=email, status=429)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    user = (
        None
        if has_nul(email)  # no address has one: a wrong e-mail, never a lookup
        else await db.scalar(
            select(User).where(
                User.account_id == app.account_id, User.email == email, User.is_active.is_(True)
            )
        )
    )
    if not password_verify(user.password_hash if user else None, password) or user is None:
        return _page(app, params, error="Wrong e-mail or password.", email=email, status=401)
    if not user_has_right(user, TICKETS_VIEW):
        page = _page(app, params, error="Your role cannot use the API.", email=email, status=403)
        await _settle(db, attempt)
        return page
    try:
        code = await oauth_code_create(
            db,
            app=app,
            user=user,
            redirect_uri=redirect_uri,
            scope=params.get("scope"),
            code_challenge=params.get("code_challenge", ""),
            code_challenge_method=params.get("code_challenge_method", ""),
        )
    except OAuthDenied as exc:
        await _settle(db, attempt)
        return _redirect(redirect_uri, error=exc.error, state=state)  # type: ignore[return-value]
    await _settle(db, attempt, keep=True)
    return _redirect(redirect_uri, code=code, state=state)  # type: ignore[return-value]


def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return Response(
        {"error": "invalid_request", "error_description": str(exc.detail)},
        status_code=exc.status_code,
        headers=exc.headers,
    )


def create_oauth_app(max_body_bytes: int) -> Litestar:
    return Litestar(
        route_handlers=[
            Router(path="/", route_handlers=[token, revoke, authorize_page, authorize_decide])
        ],
        dependencies={"db": Provide(provide_session)},
        exception_handlers={HTTPException: _http_error},
        before_request=refuse_nul_path,
        request_max_body_size=min(max_body_bytes, 64 * 1024),
        openapi_config=None,
        debug=False,
    )
