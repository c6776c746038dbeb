"""The Next Commerce face: admin API tickets at /api/admin/ (OAuth2 bearer tokens)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Litestar, Request, Router, get
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, OAuthFlow, OAuthFlows, SecurityScheme

from ticketry.api.common.openapi import add_error_responses, drf_error_responses, openapi_document
from ticketry.api.common.ratelimit import RateLimit, drf_throttled
from ticketry.api.nextcommerce import attachments, schemas, tickets, tickettypes
from ticketry.api.nextcommerce.deps import provide_caller
from ticketry.api.nextcommerce.errors import EXCEPTION_HANDLERS
from ticketry.http.params import refuse_nul_path
from ticketry.runtime import provide_session_read_only_get
from ticketry.settings import Settings

PREFIX = "/api/admin"
SCHEMA_PATH = f"{PREFIX}/schema"

REQUEST_BODIES: dict[str, type[msgspec.Struct]] = {
    "ticketsCreate": schemas.TicketWrite,
    "ticketsUpdate": schemas.TicketWrite,
    "ticketsPartialUpdate": schemas.TicketWrite,
    "ticketsCommentsCreate": schemas.CommentWrite,
}


def nextcommerce_document(app: Litestar) -> dict[str, Any]:
    doc = openapi_document(app, REQUEST_BODIES)
    add_error_responses(doc, drf_error_responses())
    # The vendor's paths end in a slash; Litestar drops it when it writes the document.
    doc["paths"] = {
        (p if p.endswith("/") else p + "/"): item for p, item in doc.get("paths", {}).items()
    }
    upload = doc["paths"].get(f"{PREFIX}/tickets/attachments/", {}).get("post")
    if upload is not None:
        upload["requestBody"] = {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"files": {"type": "string", "format": "binary"}},
                    }
                }
            },
        }
    return doc


def rate_limit(settings: Settings) -> str:
    """``TICKETRY_NEXTCOMMERCE_RATE_LIMIT`` requests per second per token (0: off), counted
    by the shared limiter (database, or Redis with ``TICKETRY_REDIS_URL``)."""
    per_second = settings.nextcommerce_rate_limit
    return f"{max(1, round(per_second))}/second" if per_second > 0 else "0"


@get(SCHEMA_PATH, include_in_schema=False, sync_to_thread=False)
def schema(request: Request) -> dict[str, Any]:
    # Built once per app (each app keeps its own, in its state).
    document: dict[str, Any] | None = request.app.state.get("openapi_document")
    if document is None:
        document = request.app.state["openapi_document"] = nextcommerce_document(request.app)
    return document


def create_nextcommerce_app(max_body_bytes: int) -> Litestar:
    api = Router(
        path=PREFIX,
        route_handlers=[*tickets.HANDLERS, *attachments.HANDLERS, *tickettypes.HANDLERS],
        dependencies={"caller": Provide(provide_caller)},
        security=[{"oauth2": []}],
    )
    return Litestar(
        route_handlers=[api, schema],
        middleware=[RateLimit(face="nextcommerce", rate=rate_limit, reject=drf_throttled)],
        # Next Commerce GET handlers never write: on SQLite their reads skip the write lock.
        dependencies={"db": Provide(provide_session_read_only_get)},
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        before_request=refuse_nul_path,
        request_max_body_size=max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Ticketry — Next Commerce admin API (tickets)",
            version="2024-04-01",
            description=(
                "The Next Commerce admin API's support tickets, served by Ticketry. "
                "Authenticate with `Authorization: Bearer <access token>` from "
                "`POST /oauth2/token/` (client credentials, or the authorization-code flow "
                "at `/oauth2/authorize/`, PKCE required for public clients). Send "
                "`X-29Next-Api-Version` "
                "(`2024-04-01`, `unstable` or `2023-02-10`; missing means `2024-04-01`, "
                "anything else is a 400). Lists use cursor pagination "
                "(`{next, previous, results}`). Rate limit: 4 requests/second per token "
                "(429 with `Retry-After`)."
            ),
            path=f"{PREFIX}/_openapi",
            render_plugins=[],
            components=Components(
                security_schemes={
                    "oauth2": SecurityScheme(
                        type="oauth2",
                        description="`Authorization: Bearer <token>`",
                        flows=OAuthFlows(
                            authorization_code=OAuthFlow(
                                authorization_url="/oauth2/authorize/",
                                token_url="/oauth2/token/",
                                refresh_url="/oauth2/token/",
                                scopes={
                                    "tickets:read": "List and view tickets",
                                    "tickets:write": "Create and update tickets",
                                    "admin:read": "List and view all data",
                                    "admin:write": "Create and update all data",
                                },
                            ),
                            client_credentials=OAuthFlow(
                                token_url="/oauth2/token/",
                                scopes={
                                    "tickets:read": "List and view tickets",
                                    "tickets:write": "Create and update tickets",
                                    "admin:read": "List and view all data",
                                    "admin:write": "Create and update all data",
                                },
                            ),
                        ),
                    )
                }
            ),
        ),
        debug=False,
    )
