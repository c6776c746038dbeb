"""This face's own OpenAPI document: served, committed (drift: tests/api/retino/test_openapi),
and naming every operation of the vendor's document with its exact path."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.api.nextcommerce.helpers import vendor_spec

DOCS = Path(__file__).resolve().parents[3] / "docs" / "openapi"


async def test_schema_is_served_and_committed(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/admin/schema/")
    assert r.status_code == 200
    doc = r.json()
    committed = json.loads((DOCS / "nextcommerce.json").read_text(encoding="utf-8"))
    assert doc == committed
    r = await client.get("/api/docs/")
    assert "/api/admin/schema/" in r.text


def test_every_vendor_operation_is_served() -> None:
    doc = json.loads((DOCS / "nextcommerce.json").read_text(encoding="utf-8"))
    ours = {
        (method, path.removeprefix("/api/admin"), op["operationId"])
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "operationId" in op
    }
    theirs = {
        (method, path, op["operationId"])
        for path, item in vendor_spec()["paths"].items()
        for method, op in item.items()
    }
    assert theirs <= ours
    schemes = doc["components"]["securitySchemes"]["oauth2"]["flows"]
    assert schemes["authorizationCode"]["tokenUrl"] == "/oauth2/token/"
