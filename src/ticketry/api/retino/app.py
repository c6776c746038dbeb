"""The Retino face: Tickets API v2 (and, with the orders issue, Orders API v2) at /api/v2."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Litestar, Request, Router, get
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from ticketry.api.common.idempotency import Idempotency
from ticketry.api.common.openapi import add_error_responses, drf_error_responses, openapi_document
from ticketry.api.common.ratelimit import RateLimit
from ticketry.api.retino import (
    lookups,
    notes,
    order_schemas,
    orders,
    products,
    schemas,
    stores,
    tickets,
    webhooks,
)
from ticketry.api.retino.deps import provide_principal
from ticketry.api.retino.errors import EXCEPTION_HANDLERS
from ticketry.http.params import refuse_nul_path
from ticketry.runtime import provide_session_read_only_get

PREFIX = "/api/v2"
SCHEMA_PATH = f"{PREFIX}/schema"

REQUEST_BODIES: dict[str, type[msgspec.Struct]] = {
    "tickets_create": schemas.TicketCreate,
    "tickets_update": schemas.TicketPut,
    "tickets_partial_update": schemas.TicketPatch,
    "ticket_products_create": schemas.ProductCreate,
    "ticket_products_update": schemas.ProductCreate,
    "ticket_products_partial_update": schemas.ProductPatch,
    "internal_note_create": schemas.InternalNoteCreate,
    "credit_notes_partial_update": schemas.CreditNotePatch,
    **webhooks.REQUEST_BODIES,
    "orders_create": order_schemas.OrderUpsert,
    "orders_partial_update": order_schemas.OrderPatch,
    "store_ids_create": order_schemas.StoreCreate,
}


@get(SCHEMA_PATH, include_in_schema=False, sync_to_thread=False)
def schema(request: Request) -> dict[str, Any]:
    app = request.app
    # Built once per app (each app keeps its own, in its state).
    document: dict[str, Any] | None = request.app.state.get("openapi_document")
    if document is None:
        document = request.app.state["openapi_document"] = retino_document(app)
    return document


def retino_document(app: Litestar) -> dict[str, Any]:
    doc = openapi_document(app, REQUEST_BODIES)
    add_error_responses(doc, drf_error_responses())
    return doc


def create_retino_app(max_body_bytes: int) -> Litestar:
    api = Router(
        path=PREFIX,
        route_handlers=[
            *tickets.HANDLERS,
            *products.HANDLERS,
            *notes.HANDLERS,
            *lookups.HANDLERS,
            *orders.HANDLERS,
            *stores.HANDLERS,
            *webhooks.HANDLERS,
        ],
        # Outermost first: count the request, then replay or run it.
        middleware=[
            RateLimit(face="retino", rate=lambda settings: settings.rate_limit),
            Idempotency(face="retino"),
        ],
        dependencies={"principal": Provide(provide_principal)},
        security=[{"token": []}],
    )
    return Litestar(
        route_handlers=[api, schema],
        # Retino GET handlers never write: on SQLite their reads skip the write lock.
        dependencies={"db": Provide(provide_session_read_only_get)},
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        before_request=refuse_nul_path,
        request_max_body_size=max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Ticketry — Retino Tickets API v2",
            version="2",
            description=(
                "The Retino Tickets API v2, served by Ticketry. Authenticate with "
                "`Authorization: Token <key>` (also accepted: `Authentication: Token <key>` "
                "and a bare `Authorization: <key>`). Lists are paginated with `page` and "
                "`page_size` (default 20, at most 100); a page past the end is a 404."
            ),
            path=f"{PREFIX}/_openapi",
            render_plugins=[],
            components=Components(
                security_schemes={
                    "token": SecurityScheme(
                        type="apiKey",
                        name="Authorization",
                        security_scheme_in="header",
                        description="`Token <key>`",
                    )
                }
            ),
        ),
        debug=False,
    )
