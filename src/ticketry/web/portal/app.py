"""The returns portal face: its own Litestar app at /portal."""

from __future__ import annotations

from litestar import Litestar, Request, Response
from litestar.di import Provide
from litestar.exceptions import HTTPException, NotFoundException
from litestar.response import Template

from ticketry.domain.errors import NotFound, StorageUnavailable
from ticketry.http.params import refuse_nul_path
from ticketry.runtime import provide_session
from ticketry.web.common import SECURITY_HEADERS, static_router, template_config
from ticketry.web.i18n import pick_language, translator
from ticketry.web.portal import pages
from ticketry.web.portal.pages import PREFIX

# "-" is never an account slug, so the portal's own files cannot shadow an account.
STATIC_PATH = f"{PREFIX}/-/static"


def _not_found(request: Request, _: Exception) -> Response:
    lang = pick_language(request.query_params.get("lang"), None)
    return Template(
        template_name="portal/error.html",
        context={"lang": lang, "t": translator(lang)},
        status_code=404,
    )


def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    lang = pick_language(request.query_params.get("lang"), None)
    return Template(
        template_name="portal/error.html",
        context={"lang": lang, "t": translator(lang), "detail": str(exc.detail)},
        status_code=exc.status_code,
    )


def _storage(request: Request, exc: Exception) -> Response:
    lang = pick_language(request.query_params.get("lang"), None)
    return Template(
        template_name="portal/error.html",
        context={
            "lang": lang,
            "t": translator(lang),
            "title": "Try again later",
            "detail": "storage_unavailable",
        },
        status_code=503,
    )


def create_portal_app(max_body_bytes: int) -> Litestar:
    return Litestar(
        route_handlers=[*pages.HANDLERS, static_router(STATIC_PATH)],
        dependencies={"db": Provide(provide_session)},
        exception_handlers={
            NotFound: _not_found,
            NotFoundException: _not_found,
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
