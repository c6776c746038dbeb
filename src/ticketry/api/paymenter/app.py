"""The Paymenter face: the admin API's tickets and ticket messages at /api/v1/admin."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request, Router, get
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from ticketry.api.paymenter import messages, tickets
from ticketry.api.paymenter.auth import provide_api_key
from ticketry.api.paymenter.errors import EXCEPTION_HANDLERS
from ticketry.api.paymenter.openapi import paymenter_openapi
from ticketry.http.params import refuse_nul_path
from ticketry.runtime import provide_session

PREFIX = "/api/v1/admin"
SCHEMA_PATH = f"{PREFIX}/schema"


@get(SCHEMA_PATH, include_in_schema=False, sync_to_thread=False)
def schema(request: Request) -> dict[str, Any]:
    # Built once per app (each app keeps its own, in its state).
    document: dict[str, Any] | None = request.app.state.get("openapi_document")
    if document is None:
        document = request.app.state["openapi_document"] = paymenter_openapi(request.app)
    return document


def paymenter_document(app: Litestar) -> dict[str, Any]:
    return paymenter_openapi(app)


def create_paymenter_app(max_body_bytes: int) -> Litestar:
    api = Router(
        path=PREFIX,
        route_handlers=[*tickets.HANDLERS, *messages.HANDLERS],
        dependencies={"api_key": Provide(provide_api_key)},
        security=[{"http": []}],
    )
    return Litestar(
        route_handlers=[api, schema],
        dependencies={"db": Provide(provide_session)},
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        before_request=refuse_nul_path,
        request_max_body_size=max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Ticketry — Paymenter admin API (tickets)",
            version="1.0.0",
            description=(
                "Paymenter's admin API for tickets and ticket messages, served by Ticketry. "
                "Authenticate with `Authorization: Bearer <api key>` (`ticketry api-key "
                "create`). Documents are JSON:API (`application/vnd.api+json`); lists use "
                "simple pagination (`page`, `per_page` default 15, at most 100). "
                "See docs/paymenter.md."
            ),
            path=f"{PREFIX}/_openapi",
            render_plugins=[],
            components=Components(
                security_schemes={"http": SecurityScheme(type="http", scheme="bearer")}
            ),
        ),
        debug=False,
    )
