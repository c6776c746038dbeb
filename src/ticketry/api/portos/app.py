"""The PORTOS face: tickets with NData queries and problem details, at /api/portos.

A PORTOS client is configured with ``http://HOST:8000/api/portos`` as its server address
(``/api/portos/v1/…`` is accepted as well, for clients that add PORTOS's ``/v1``)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Litestar, Request, Router, get
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import Receive, Scope, Send

from ticketry.api.common.openapi import (
    ERROR_STATUSES,
    add_error_responses,
    decimals_as_numbers,
    error_response,
    openapi_document,
)
from ticketry.api.portos import auth, schemas, tickets
from ticketry.api.portos.deps import provide_principal
from ticketry.api.portos.errors import EXCEPTION_HANDLERS, MEDIA_TYPE
from ticketry.api.portos.responses import PortosResponse
from ticketry.http.params import refuse_nul_path
from ticketry.runtime import provide_session

PREFIX = "/api/portos"
SCHEMA_PATH = f"{PREFIX}/schema"

REQUEST_BODIES: dict[str, type[msgspec.Struct]] = {
    "tickets_create": schemas.TicketIn,
    "tickets_put": schemas.TicketIn,
    "tickets_close": schemas.TicketCloseIn,
    "auth_login": schemas.AuthIn,
    "auth_refresh": schemas.RefreshIn,
}

V1_PREFIX = f"{PREFIX}/v1"


class PortosApp(Litestar):
    """Serves ``/api/portos/v1/…`` as ``/api/portos/…``; ``raw_path`` stays as sent, so
    signatures over the path still verify. (Middleware runs after routing, hence here.)"""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # type: ignore[override]
        path = scope.get("path", "")
        if path == V1_PREFIX or path.startswith(V1_PREFIX + "/"):
            scope = {**scope, "path": PREFIX + path[len(V1_PREFIX) :]}  # type: ignore[assignment]
        await super().__call__(scope, receive, send)


@get(SCHEMA_PATH, include_in_schema=False, sync_to_thread=False)
def schema(request: Request[Any, Any, Any]) -> dict[str, Any]:
    # Built once per app (each app keeps its own, in its state).
    document: dict[str, Any] | None = request.app.state.get("openapi_document")
    if document is None:
        document = request.app.state["openapi_document"] = portos_document(request.app)
    return document


_PROBLEM = {
    "type": "object",
    "description": "RFC 7807 problem details with PORTOS's `errorCode`.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": ["string", "null"]},
        "instance": {"type": "string"},
        "traceId": {"type": "string"},
        "errorCode": {"type": "integer"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "memberName": {"type": "string"},
                    "message": {"type": "string"},
                    "code": {"type": "integer"},
                },
                "required": ["memberName", "message", "code"],
            },
        },
        "resource": {"type": "object"},
    },
    "required": ["type", "title", "status", "detail", "instance", "traceId"],
}
ERROR_RESPONSES = {
    status: error_response("A problem", _PROBLEM, MEDIA_TYPE)
    for status in ERROR_STATUSES
    if status != "409"  # PORTOS answers a conflict with 400 (errorCode 6)
}
_STRUCTS = [
    v for v in vars(schemas).values() if isinstance(v, type) and issubclass(v, msgspec.Struct)
]


def portos_document(app: Litestar) -> dict[str, Any]:
    doc = openapi_document(app, REQUEST_BODIES)
    decimals_as_numbers(doc, _STRUCTS)
    add_error_responses(doc, ERROR_RESPONSES)
    return doc


def create_portos_app(max_body_bytes: int) -> Litestar:
    api = Router(
        path=PREFIX,
        route_handlers=[*tickets.HANDLERS, *auth.HANDLERS],
        dependencies={"principal": Provide(provide_principal)},
        security=[{"bearer": []}, {"nws4": []}],
    )
    return PortosApp(
        route_handlers=[api, schema],
        dependencies={"db": Provide(provide_session)},
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        response_class=PortosResponse,
        before_request=refuse_nul_path,
        request_max_body_size=max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Ticketry — PORTOS tickets API",
            version="1",
            description=(
                "The PORTOS tickets API (NData queries, RFC 7807 problem details), served by "
                "Ticketry. Configure a PORTOS client with `http://HOST:8000/api/portos`. "
                "Sign in with `POST /auth` and send `Authorization: Bearer <tokenId>`, or "
                "sign requests with an API key (NWS4-HMAC-SHA256). See docs/portos.md."
            ),
            path=f"{PREFIX}/_openapi",
            render_plugins=[],
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(type="http", scheme="bearer"),
                    "nws4": SecurityScheme(
                        type="apiKey",
                        name="Authorization",
                        security_scheme_in="header",
                        description="`NWS4-HMAC-SHA256 <urlencoded credential>`",
                    ),
                }
            ),
        ),
        debug=False,
    )
