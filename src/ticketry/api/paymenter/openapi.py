"""The face's OpenAPI document: Litestar's paths and parameters, with Paymenter's request
bodies and JSON:API response documents (handlers encode documents themselves)."""

from __future__ import annotations

import copy
from typing import Any

from litestar import Litestar

from ticketry.api.common.openapi import ERROR_STATUSES, add_error_responses, error_response
from ticketry.api.paymenter.documents import MEDIA_TYPE

_STR = {"type": "string"}
_INT = {"type": "integer"}
_TS = {"type": ["string", "null"], "format": "date-time"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _identifier(kind: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"type": {"type": "string", "enum": [kind]}, "id": _STR},
        "required": ["type", "id"],
    }


def _to_one(kind: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"data": {"anyOf": [_ref(kind), {"type": "null"}]}},
        "required": ["data"],
    }


def _to_many(kind: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"data": {"type": "array", "items": _ref(kind)}},
        "required": ["data"],
    }


def _resource(
    kind: str,
    attributes: dict[str, Any],
    relationships: dict[str, Any],
    always: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A resource schema; ``always``: relationships present without ``include``."""
    out: dict[str, Any] = {
        "type": "object",
        "properties": {
            "id": _STR,
            "type": {"type": "string", "enum": [kind]},
            "attributes": {
                "type": "object",
                "properties": attributes,
                "required": list(attributes),
            },
        },
        "required": ["id", "type", "attributes"],
    }
    if relationships:
        out["properties"]["relationships"] = {"type": "object", "properties": relationships}
    if always:
        out["properties"]["relationships"]["required"] = list(always)
        out["required"].append("relationships")
    return out


SCHEMAS: dict[str, Any] = {
    "UserResourceIdentifier": _identifier("users"),
    "TicketResourceIdentifier": _identifier("tickets"),
    "TicketMessageResourceIdentifier": _identifier("ticketMessages"),
    "TicketMessageAttachmentResourceIdentifier": _identifier("ticketMessageAttachments"),
    "TicketResource": _resource(
        "tickets",
        {
            "id": _INT,
            "subject": _STR,
            "status": {"type": "string", "enum": ["open", "replied", "closed"]},
            "priority": {"type": "string", "enum": ["low", "medium", "high"]},
            "assigned_to": {"type": ["integer", "null"]},
            "user_id": {"type": ["integer", "null"]},
            "department": {"type": ["string", "null"]},
            "updated_at": _TS,
            "created_at": _TS,
        },
        {
            "messages": _to_many("TicketMessageResourceIdentifier"),
            "user": _to_one("UserResourceIdentifier"),
            "assigned_to": _to_one("UserResourceIdentifier"),
        },
        always=("user", "assigned_to"),
    ),
    "TicketMessageResource": _resource(
        "ticketMessages",
        {
            "id": _INT,
            "message": _STR,
            "user_id": {"type": ["integer", "null"]},
            "updated_at": _TS,
            "created_at": _TS,
        },
        {
            "user": _to_one("UserResourceIdentifier"),
            "ticket": _to_one("TicketResourceIdentifier"),
            "attachments": _to_many("TicketMessageAttachmentResourceIdentifier"),
        },
    ),
    "UserResource": _resource(
        "users",
        {
            "id": _INT,
            "first_name": {"type": ["string", "null"]},
            "last_name": {"type": ["string", "null"]},
            "email": _STR,
            "email_verified_at": _TS,
            "updated_at": _TS,
            "created_at": _TS,
        },
        {},
    ),
    "TicketMessageAttachmentResource": _resource(
        "ticketMessageAttachments",
        {
            "id": _INT,
            "uuid": _STR,
            "filename": _STR,
            "path": _STR,
            "filesize": _INT,
            "mime_type": _STR,
            "created_at": _TS,
            "updated_at": _TS,
        },
        {},
    ),
    "CreateTicketRequest": {
        "type": "object",
        "properties": {
            "subject": {"type": "string", "maxLength": 255},
            "user_id": {"type": "integer", "description": "The customer (a user id)."},
            "department": {
                "type": ["string", "null"],
                "description": (
                    "One of the account's departments"
                    " (a new account has Support, Sales, billing, technical)."
                ),
            },
            "priority": {"type": "string", "enum": ["low", "medium", "high"], "default": "medium"},
            "status": {"type": "string", "enum": ["open", "closed", "replied"], "default": "open"},
            "assigned_to": {
                "type": ["integer", "null"],
                "description": "A staff user's id (Ticketry honours it; Paymenter ignores it).",
            },
        },
        "required": ["subject", "user_id"],
    },
    "CreateTicketMessageRequest": {
        "type": "object",
        "properties": {
            "message": {"type": "string", "maxLength": 5000},
            "user_id": {"type": "integer"},
            "ticket_id": {"type": "integer"},
        },
        "required": ["message", "user_id", "ticket_id"],
    },
}
SCHEMAS["UpdateTicketRequest"] = {**copy.deepcopy(SCHEMAS["CreateTicketRequest"]), "required": []}

_INCLUDED = {
    "type": "array",
    "items": {
        "anyOf": [
            _ref(n)
            for n in (
                "TicketResource",
                "TicketMessageResource",
                "UserResource",
                "TicketMessageAttachmentResource",
            )
        ]
    },
}
_PAGE = {
    "links": {
        "type": "object",
        "properties": {"first": _STR, "prev": _STR, "next": _STR},
        "required": ["first"],
    },
    "meta": {
        "type": "object",
        "properties": {
            "current_page": _INT,
            "from": {"type": ["integer", "null"]},
            "path": _STR,
            "per_page": _INT,
            "to": {"type": ["integer", "null"]},
        },
        "required": ["current_page", "from", "path", "per_page", "to"],
    },
}


def _single(name: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"data": _ref(name), "included": _INCLUDED},
        "required": ["data"],
    }


def _many(name: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "data": {"type": "array", "items": _ref(name)},
            "included": _INCLUDED,
            **_PAGE,
        },
        "required": ["data", "links", "meta"],
    }


def _message_body(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"message": _STR},
                    "required": ["message"],
                }
            }
        },
    }


_ERROR = {
    "type": "object",
    "properties": {"error": _STR},
    "required": ["error"],
}
# Laravel's ``{"message"}`` for every error; a missing bearer token is answered by the
# middleware with ``{"error"}`` instead.
# Laravel reads a body whatever its content type: never a 415.
ERROR_RESPONSES = {s: _message_body("An error") for s in ERROR_STATUSES if s != "415"}
ERROR_RESPONSES["400"] = _message_body("A filter, sort or include not allowed; a bad body")
ERROR_RESPONSES["401"] = error_response(
    'No API key (`{"error"}`) or an invalid one (`{"message"}`)',
    {"anyOf": [ERROR_RESPONSES["401"]["content"]["application/json"]["schema"], _ERROR]},
    "application/json",
)
ERROR_RESPONSES["403"] = _message_body("The key may not do this")
ERROR_RESPONSES["404"] = _message_body("No such ticket or message, or no such route")

_VALIDATION = {
    "description": "Validation error",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    "message": _STR,
                    "errors": {
                        "type": "object",
                        "additionalProperties": {"type": "array", "items": _STR},
                    },
                },
                "required": ["message", "errors"],
            }
        }
    },
}

# operationId → (status, response schema or None, request body schema or None)
OPERATIONS: dict[str, tuple[str, dict[str, Any] | None, str | None]] = {
    "v1.admin.tickets.index": ("200", _many("TicketResource"), None),
    "v1.admin.tickets.store": ("201", _single("TicketResource"), "CreateTicketRequest"),
    "v1.admin.tickets.show": ("200", _single("TicketResource"), None),
    "v1.admin.tickets.update": ("200", _single("TicketResource"), "UpdateTicketRequest"),
    "v1.admin.tickets.update.patch": ("200", _single("TicketResource"), "UpdateTicketRequest"),
    "v1.admin.tickets.destroy": ("204", None, None),
    "v1.admin.ticket-messages.index": ("200", _many("TicketMessageResource"), None),
    "v1.admin.ticket-messages.store": (
        "201",
        _single("TicketMessageResource"),
        "CreateTicketMessageRequest",
    ),
    "v1.admin.ticket-messages.show": ("200", _single("TicketMessageResource"), None),
    "v1.admin.ticket-messages.destroy": ("204", None, None),
}


def _param(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or _STR,
    }


def _list_params(sorts: str, includes: str, filters: dict[str, str]) -> list[dict[str, Any]]:
    return [
        _param("sort", f"Available sorts are {sorts}; comma-separated, `-` for descending."),
        _param("include", f"Available includes are {includes}; comma-separated."),
        _param(
            "per_page",
            "How many items to show per page (at most 100).",
            {"type": "integer", "default": 15},
        ),
        _param("page", "Which page to show.", {"type": "integer", "default": 1}),
        *[_param(f"filter[{k}]", v) for k, v in filters.items()],
    ]


_TICKET_INCLUDES = "`messages`, `user`, `assigned_to`"
_MESSAGE_INCLUDES = "`user`, `ticket`, `attachments`"
PARAMETERS: dict[str, list[dict[str, Any]]] = {
    "v1.admin.tickets.index": _list_params(
        "`id`, `created_at`, `updated_at`, `status`, `priority`, `department`",
        _TICKET_INCLUDES,
        {
            "id": "Exact ids; comma = any of.",
            "user_id": "Exact user (customer) ids; comma = any of.",
            "status": "open, replied or closed; comma = any of.",
            "priority": "low, medium or high; comma = any of.",
            "department": "Contains (case-insensitive); comma = any of.",
        },
    ),
    "v1.admin.tickets.show": [_param("include", f"Available includes are {_TICKET_INCLUDES}.")],
    "v1.admin.ticket-messages.index": _list_params(
        "`id`, `created_at`, `updated_at`",
        _MESSAGE_INCLUDES,
        {
            "id": "Exact ids; comma = any of.",
            "ticket_id": "Exact ticket ids; comma = any of (a Ticketry addition).",
        },
    ),
    "v1.admin.ticket-messages.show": [
        _param("include", f"Available includes are {_MESSAGE_INCLUDES}.")
    ],
}


def paymenter_openapi(app: Litestar) -> dict[str, Any]:
    doc = app.openapi_schema.to_schema()
    doc.setdefault("components", {}).setdefault("schemas", {}).update(copy.deepcopy(SCHEMAS))
    for path_item in doc.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or operation.get("operationId") not in OPERATIONS:
                continue
            status, schema, body = OPERATIONS[operation["operationId"]]
            extra = PARAMETERS.get(operation["operationId"], [])
            if extra:
                operation["parameters"] = [*operation.get("parameters", []), *copy.deepcopy(extra)]
            responses: dict[str, Any] = {}
            if schema is None:
                responses[status] = {"description": "No content"}
            else:
                responses[status] = {
                    "description": "A JSON:API document",
                    "content": {MEDIA_TYPE: {"schema": schema}},
                }
            if body is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": _ref(body)}},
                }
                responses["422"] = _VALIDATION
            operation["responses"] = responses
    add_error_responses(doc, ERROR_RESPONSES)
    return doc
