"""The PORTOS OpenAPI document: served, committed, and listing every operation."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

DOCS = Path(__file__).resolve().parents[3] / "docs" / "openapi"


async def test_served_document_matches_committed(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/portos/schema")
    assert r.status_code == 200
    doc = r.json()
    committed = json.loads((DOCS / "portos.json").read_text(encoding="utf-8"))
    assert doc["paths"].keys() == committed["paths"].keys()
    ops = {(m.upper(), p) for p, item in doc["paths"].items() for m in item if m != "parameters"}
    assert ops == {
        ("GET", "/api/portos/tickets"),
        ("POST", "/api/portos/tickets"),
        ("GET", "/api/portos/tickets/{ticket_id}"),
        ("PUT", "/api/portos/tickets/{ticket_id}"),
        ("DELETE", "/api/portos/tickets/{ticket_id}"),
        ("POST", "/api/portos/tickets/{ticket_id}/close"),
        ("POST", "/api/portos/auth"),
        ("GET", "/api/portos/auth"),
        ("DELETE", "/api/portos/auth"),
        ("POST", "/api/portos/auth/refresh"),
    }
    ticket = doc["components"]["schemas"]["TicketOut"]["properties"]
    assert {"_v", "externalId", "closeInfo", "items", "totalPrice"} <= set(ticket)
    docs = await client.get("/api/docs/")
    assert "/api/portos/schema/" in docs.text


async def test_decimals_and_problems_are_documented_as_sent(client: httpx.AsyncClient) -> None:
    """Decimals are JSON numbers on the wire, so the document says number; every error
    status of every operation is a problem details body."""
    doc = (await client.get("/api/portos/schema")).json()
    schemas = doc["components"]["schemas"]
    assert schemas["TicketOut"]["properties"]["totalPrice"] == {"type": "number"}
    assert schemas["TicketItemOut"]["properties"]["discountRate"] == {"type": "number"}
    assert schemas["TicketIn"]["properties"]["discountRate"]["type"] == ["number", "null"]
    problem = doc["components"]["responses"]["Error400"]["content"]["application/problem+json"]
    assert "errorCode" in problem["schema"]["properties"]
    for item in doc["paths"].values():
        for operation in item.values():
            assert {"400", "401", "404", "413", "429"} <= operation["responses"].keys()
