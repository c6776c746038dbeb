"""Each face's OpenAPI document: Litestar's, plus the request bodies we decode ourselves.

Handlers read their bodies through ``decode_struct`` (to report every bad field at once),
so Litestar cannot see the body types; they are registered here and merged in.
"""

from __future__ import annotations

import copy
from typing import Any

import msgspec
import msgspec.inspect
from litestar import Litestar

from ticketry.api.common.swagger_assets import swagger_asset_url

# Swagger UI's files come from this server (swagger_assets), and ``validatorUrl: null``
# keeps its validator badge from calling out: the page works offline.
_DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ticketry API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" type="image/png" href="%(favicon)s">
<link rel="stylesheet" href="%(css)s">
</head><body><div id="ui"></div>
<script src="%(bundle)s"></script>
<script src="%(preset)s"></script>
<script>
SwaggerUIBundle({dom_id: "#ui", urls: %(urls)s, validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout"});
</script>
<noscript>The documents themselves: %(links)s</noscript>
</body></html>"""


def openapi_document(app: Litestar, bodies: dict[str, type[msgspec.Struct]]) -> dict[str, Any]:
    doc = app.openapi_schema.to_schema()
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    (refs, components) = msgspec.json.schema_components(
        list(bodies.values()), ref_template="#/components/schemas/{name}"
    )
    for name, schema in components.items():
        schemas.setdefault(name, schema)
    by_op = dict(zip(bodies.keys(), refs, strict=True))
    for path_item in doc.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            ref = by_op.get(operation.get("operationId", ""))
            if ref is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": ref}},
                }
    return doc


def docs_page(documents: list[tuple[str, str]]) -> str:
    urls = msgspec.json.encode([{"name": n, "url": u} for n, u in documents]).decode()
    links = ", ".join(f'<a href="{u}">{n}</a>' for n, u in documents)
    return _DOCS_PAGE % {
        "favicon": swagger_asset_url("favicon-32x32.png"),
        "css": swagger_asset_url("swagger-ui.css"),
        "bundle": swagger_asset_url("swagger-ui-bundle.js"),
        "preset": swagger_asset_url("swagger-ui-standalone-preset.js"),
        "urls": urls,
        "links": links,
    }


# The error statuses every operation of a face may answer (bad input, credentials, rights,
# a missing or conflicting record, a body too large or of another type, throttling, the
# database briefly unavailable). Each face documents them with its own bodies.
ERROR_STATUSES = ("400", "401", "403", "404", "409", "413", "415", "429", "503")


def error_response(description: str, schema: dict[str, Any], media_type: str) -> dict[str, Any]:
    return {"description": description, "content": {media_type: {"schema": schema}}}


def add_error_responses(doc: dict[str, Any], responses: dict[str, dict[str, Any]]) -> None:
    """Document ``responses`` (status → response object) once under
    ``components/responses`` and refer to them from every operation of ``doc``, replacing
    what Litestar wrote for those statuses (its 400 is a shape no face sends)."""
    shared = doc.setdefault("components", {}).setdefault("responses", {})
    for status, response in responses.items():
        shared[f"Error{status}"] = copy.deepcopy(response)
    for path_item in doc.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict) and "responses" in operation:
                for status in responses:
                    ref = f"#/components/responses/Error{status}"
                    operation["responses"][status] = {"$ref": ref}


_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_FIELD_ERRORS = {
    "type": "object",
    "description": (
        "Every bad field at once: `{field: [messages]}`; nested objects as nested maps, "
        "list items as lists of maps."
    ),
    "additionalProperties": {"type": ["array", "object", "string"]},
    "example": {"email": ["Enter a valid email address."]},
}


def drf_error_responses() -> dict[str, dict[str, Any]]:
    """Django REST framework's bodies: ``{field: [messages]}`` or ``{"detail": ...}``."""
    detail = {
        status: error_response("An error", _DETAIL, "application/json") for status in ERROR_STATUSES
    }
    detail["400"] = error_response(
        'Bad input: field errors, or `{"detail": ...}` for a body that is not JSON',
        {"anyOf": [_FIELD_ERRORS, _DETAIL]},
        "application/json",
    )
    detail["401"]["description"] = "No or a bad token"
    detail["403"]["description"] = "Not allowed"
    detail["404"]["description"] = "No such record"
    detail["409"]["description"] = "Conflicts with the current state"
    detail["413"]["description"] = "Body too large"
    detail["415"]["description"] = "Body is not JSON"
    detail["429"]["description"] = "Too many requests"
    detail["503"]["description"] = "Database briefly unavailable; retry"
    return detail


def decimals_as_numbers(doc: dict[str, Any], structs: list[type[msgspec.Struct]]) -> None:
    """Document ``Decimal`` fields of ``structs`` as JSON numbers, for faces whose
    encoder writes decimals as numbers (strings are accepted on input as well)."""
    schemas = doc.get("components", {}).get("schemas", {})
    for struct in structs:
        info = msgspec.inspect.type_info(struct)
        properties = schemas.get(struct.__name__, {}).get("properties")
        if not isinstance(info, msgspec.inspect.StructType) or not properties:
            continue
        for field in info.fields:
            if field.encode_name not in properties:
                continue
            kinds = (
                field.type.types
                if isinstance(field.type, msgspec.inspect.UnionType)
                else (field.type,)
            )
            if not any(isinstance(k, msgspec.inspect.DecimalType) for k in kinds):
                continue
            number: dict[str, Any] = {"type": "number"}
            if any(isinstance(k, msgspec.inspect.NoneType) for k in kinds):
                number = {"type": ["number", "null"]}
            old = properties[field.encode_name]
            if "default" in old and old["default"] is not None:
                number["default"] = float(old["default"])
            elif "default" in old:
                number["default"] = None
            properties[field.encode_name] = number
