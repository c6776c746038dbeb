"""The committed OpenAPI document is the one the code serves."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from ticketry.openapi_dump import documents, render

DOCS = Path(__file__).resolve().parents[3] / "docs" / "openapi"


def test_committed_document_matches_code() -> None:
    for name, doc in documents().items():
        committed = (DOCS / name).read_text(encoding="utf-8")
        assert committed == render(doc), f"{name} drifted: run `make openapi` and commit it"


async def test_schema_and_docs_are_served(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v2/schema/")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.")
    committed = json.loads((DOCS / "retino-v2.json").read_text(encoding="utf-8"))
    assert doc["paths"].keys() == committed["paths"].keys()
    create = doc["paths"]["/api/v2/tickets"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "TicketCreate"
    )
    r = await client.get("/api/docs/")
    assert r.status_code == 200 and "swagger" in r.text.lower()


async def test_every_seed_endpoint_is_documented(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/api/v2/schema")).json()
    ops = {(m.upper(), p) for p, item in doc["paths"].items() for m in item if m != "parameters"}
    expected = {
        ("GET", "/api/v2/tickets"),
        ("POST", "/api/v2/tickets"),
        ("GET", "/api/v2/tickets/search"),
        ("GET", "/api/v2/tickets/{ticket_id}"),
        ("PUT", "/api/v2/tickets/{ticket_id}"),
        ("PATCH", "/api/v2/tickets/{ticket_id}"),
        ("POST", "/api/v2/tickets/{ticket_id}/close"),
        ("GET", "/api/v2/tickets/{ticket_id}/products"),
        ("POST", "/api/v2/tickets/{ticket_id}/products"),
        ("GET", "/api/v2/tickets/{ticket_id}/products/{product_id}"),
        ("PUT", "/api/v2/tickets/{ticket_id}/products/{product_id}"),
        ("PATCH", "/api/v2/tickets/{ticket_id}/products/{product_id}"),
        ("DELETE", "/api/v2/tickets/{ticket_id}/products/{product_id}"),
        ("POST", "/api/v2/internal-note"),
        ("GET", "/api/v2/states"),
        ("GET", "/api/v2/tags"),
        ("GET", "/api/v2/types"),
        ("GET", "/api/v2/users"),
        ("GET", "/api/v2/custom-fields"),
        ("GET", "/api/v2/product-custom-fields"),
        ("GET", "/api/v2/shipping-routes"),
        ("GET", "/api/v2/shipping-types"),
        ("GET", "/api/v2/refund-accounts"),
        ("PATCH", "/api/v2/retino-credit-notes/{note_id}"),
    }
    assert expected <= ops


async def test_error_bodies_are_documented_in_drf_shape(client: httpx.AsyncClient) -> None:
    """400 is ``{field: [messages]}`` or ``{"detail"}``; other errors ``{"detail"}``, and
    every operation lists them (no Litestar "Validation Exception" shape)."""
    doc = (await client.get("/api/v2/schema")).json()
    responses = doc["components"]["responses"]
    bad = responses["Error400"]["content"]["application/json"]["schema"]["anyOf"]
    assert bad[0]["additionalProperties"] and bad[1]["required"] == ["detail"]
    assert responses["Error404"]["content"]["application/json"]["schema"]["required"] == ["detail"]
    assert "Validation Exception" not in str(doc)
