"""Each face's OpenAPI document: Litestar's, plus the request bodies we decode ourselves.

Handlers read their bodies through ``decode_struct`` (to report every bad field at once),
so Litestar cannot see the body types; they are registered here and merged in.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Litestar

_DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ticketry API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css">
</head><body><div id="ui"></div>
<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>
SwaggerUIBundle({dom_id: "#ui", urls: %s});
</script>
<noscript>The documents themselves: %s</noscript>
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
    return _DOCS_PAGE % (urls, links)
