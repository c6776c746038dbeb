"""The agent desk face: its own Litestar app at /desk."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Litestar, Request, Response
from litestar.di import Provide
from litestar.exceptions import HTTPException, NotFoundException
from litestar.response import Redirect, Template

from ticketry.domain.errors import Forbidden, NotFound, StorageUnavailable
from ticketry.http.params import refuse_nul_path
from ticketry.runtime import provide_session
from ticketry.web.common import SECURITY_HEADERS, static_router, template_config
from ticketry.web.desk import (
    oauth_pages,
    reference_pages,
    session_pages,
    settings_pages,
    ticket_pages,
    webhook_pages,
)
from ticketry.web.desk.auth import (
    CsrfRejected,
    SignInRequired,
    provide_csrf_check,
    provide_identity,
)
from ticketry.web.desk.session_pages import PREFIX


def _sign_in(request: Request, _: Exception) -> Response:
    target = f"{PREFIX}/login?next={quote(request.url.path)}"
    if request.headers.get("hx-request") == "true":
        return Response(content="", status_code=401, headers={"HX-Redirect": target})
    return Redirect(path=target, status_code=303)


def _error_page(status: int, title: str, text: str) -> Template:
    return Template(
        template_name="desk/error.html",
        context={"title": title, "text": text},
        status_code=status,
    )


def _csrf(_: Request, __: Exception) -> Response:
    return _error_page(
        403,
        "Request rejected",
        "The form was sent without a valid security token. Go back, reload the page and try again.",
    )


def _not_found(_: Request, __: Exception) -> Response:
    return _error_page(404, "Not found", "There is nothing here, or it is not yours to see.")


def _forbidden(_: Request, __: Exception) -> Response:
    return _error_page(403, "Not allowed", "Your role does not allow this.")


def _storage(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StorageUnavailable)
    return _error_page(503, "Try again later", exc.message)


def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _error_page(exc.status_code, "Error", str(exc.detail))


def create_desk_app(max_body_bytes: int) -> Litestar:
    return Litestar(
        route_handlers=[
            *session_pages.HANDLERS,
            *ticket_pages.HANDLERS,
            *settings_pages.HANDLERS,
            *reference_pages.HANDLERS,
            *webhook_pages.HANDLERS,
            *oauth_pages.HANDLERS,
            static_router(f"{PREFIX}/static"),
        ],
        dependencies={
            "db": Provide(provide_session),
            "identity": Provide(provide_identity),
            "csrf_ok": Provide(provide_csrf_check),
        },
        exception_handlers={
            SignInRequired: _sign_in,
            CsrfRejected: _csrf,
            NotFound: _not_found,
            NotFoundException: _not_found,
            Forbidden: _forbidden,
            StorageUnavailable: _storage,
            HTTPException: _http,
        },
        template_config=template_config(),
        response_headers=SECURITY_HEADERS,
        before_request=refuse_nul_path,
        request_max_body_size=max_body_bytes,
        openapi_config=None,
        debug=False,
    )
