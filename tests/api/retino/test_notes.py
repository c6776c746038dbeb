"""Retino internal notes and credit notes over HTTP."""

from __future__ import annotations

import base64
import uuid
from dataclasses import replace
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Tenant
from tests.factories import create_ticket
from ticketry.app import TicketryApp, create_app
from ticketry.domain.conversations.models import Message
from ticketry.domain.files.storage import FileStore
from ticketry.domain.refunds.models import CreditNote
from ticketry.domain.tickets.models import HistoryItem, Ticket

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ISDOC = b'<?xml version="1.0" encoding="utf-8"?>\n<Invoice xmlns="urn:isdoc"></Invoice>\n'


def _b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


async def _ticket_pk(db: AsyncSession, public_id: str) -> int:
    pk = await db.scalar(select(Ticket.id).where(Ticket.public_id == uuid.UUID(public_id)))
    assert pk is not None
    return int(pk)


async def make_credit_note(db: AsyncSession, tenant: Tenant, ticket_id: str) -> str:
    """No API creates credit notes; they are written straight to the database."""
    note = CreditNote(
        account_id=tenant.account_id,
        ticket_id=await _ticket_pk(db, ticket_id),
        currency="CZK",
        language="cs",
        variable_symbol="20250001",
        total=Decimal("1500"),
        bank_account={"type": "CZECH_BANK_ACCOUNT", "czech_bank_account": "123456789/0100"},
        customer={"name": "Jan Novák", "country": "CZ"},
        lines=[{"name": "MacBook Pro", "price": 1500.0, "vat_rate": 0.21, "amount": 1}],
    )
    db.add(note)
    await db.commit()
    return str(note.public_id)


# ---- internal notes -------------------------------------------------------------------


async def test_internal_note(client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant) -> None:
    t = await create_ticket(client, tenant)
    text = "Note about the ticket that the customer will not see."
    r = await client.post(
        "/api/v2/internal-note", json={"ticket": t["id"], "text": text}, headers=tenant.headers
    )
    assert r.status_code == 201, r.text
    note = r.json()
    assert set(note) == {"id", "ticket", "text", "author", "created_at"}
    assert note["ticket"] == t["id"] and note["text"] == text
    assert note["author"] == str(tenant.user_public_id)
    uuid.UUID(note["id"])

    pk = await _ticket_pk(db, t["id"])
    message = await db.scalar(select(Message).where(Message.ticket_id == pk))
    assert message is not None
    assert message.is_public is False and message.body == text
    assert str(message.public_id) == note["id"]
    history = list(
        await db.scalars(
            select(HistoryItem).where(
                HistoryItem.ticket_id == pk, HistoryItem.item_type == "INTERNAL_NOTE"
            )
        )
    )
    assert len(history) == 1 and history[0].data["text"] == text

    after = (await client.get(f"/api/v2/tickets/{t['id']}", headers=tenant.headers)).json()
    assert after["updated_at"] > t["updated_at"]


async def test_internal_note_validation(client: httpx.AsyncClient, tenant: Tenant) -> None:
    t = await create_ticket(client, tenant)
    for text in ("", "   \n"):
        r = await client.post(
            "/api/v2/internal-note", json={"ticket": t["id"], "text": text}, headers=tenant.headers
        )
        assert r.status_code == 400 and r.json() == {"text": ["This field may not be blank."]}
    r = await client.post("/api/v2/internal-note", json={}, headers=tenant.headers)
    assert r.status_code == 400
    assert r.json() == {"ticket": ["This field is required."], "text": ["This field is required."]}
    r = await client.post(
        "/api/v2/internal-note", json={"ticket": "nope", "text": 5}, headers=tenant.headers
    )
    assert r.status_code == 400 and set(r.json()) == {"ticket", "text"}
    r = await client.post(
        "/api/v2/internal-note",
        json={"ticket": t["id"], "text": "x" * 65_001},
        headers=tenant.headers,
    )
    assert r.status_code == 400 and set(r.json()) == {"text"}


async def test_internal_note_on_another_accounts_ticket(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant, other_tenant: Tenant
) -> None:
    t = await create_ticket(client, tenant)
    r = await client.post(
        "/api/v2/internal-note",
        json={"ticket": t["id"], "text": "sneaky"},
        headers=other_tenant.headers,
    )
    assert r.status_code == 400
    assert r.json() == {"ticket": [f'Invalid pk "{t["id"]}" - object does not exist.']}
    pk = await _ticket_pk(db, t["id"])
    assert await db.scalar(select(Message.id).where(Message.ticket_id == pk)) is None


# ---- credit notes ---------------------------------------------------------------------


async def test_credit_note_file_round_trip(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant, any_store: FileStore
) -> None:
    t = await create_ticket(client, tenant)
    note_id = await make_credit_note(db, tenant, t["id"])
    url = f"/api/v2/retino-credit-notes/{note_id}"

    r = await client.get(url, headers=tenant.headers)
    assert r.status_code == 200, r.text
    before = r.json()
    assert before["file"] is None and before["ticket_id"] == t["id"]
    assert before["total"] == "1500.0000" and before["currency"] == "CZK"
    r = await client.get(url + "/file", headers=tenant.headers)
    assert r.status_code == 404

    r = await client.patch(
        url, json={"file_base64": _b64(PDF), "file_name": "dobropis.pdf"}, headers=tenant.headers
    )
    assert r.status_code == 200, r.text
    patched = r.json()
    assert patched["file"] == f"http://testserver/api/v2/retino-credit-notes/{note_id}/file"
    assert patched["id"] == note_id and patched["updated_at"] >= before["updated_at"]

    r = await client.get(url, headers=tenant.headers)
    assert r.json()["file"] == patched["file"]
    r = await client.get(url + "/file", headers=tenant.headers)
    assert r.status_code == 200
    assert r.content == PDF
    assert r.headers["content-type"].startswith("application/pdf")
    assert "dobropis.pdf" in r.headers["content-disposition"]
    ticket = (await client.get(f"/api/v2/tickets/{t['id']}", headers=tenant.headers)).json()
    attached = ticket["history_items"][-1]
    assert attached["history_item_type"] == "FILE_ATTACHED"
    assert attached["history_item_data"]["text"].endswith("attached a file dobropis.pdf")


async def test_credit_note_accepts_isdoc_and_replaces_the_file(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant
) -> None:
    t = await create_ticket(client, tenant)
    url = f"/api/v2/retino-credit-notes/{await make_credit_note(db, tenant, t['id'])}"
    r = await client.patch(url, json={"file_base64": _b64(PDF)}, headers=tenant.headers)
    assert r.status_code == 200
    r = await client.patch(url, json={"file_base64": _b64(ISDOC)}, headers=tenant.headers)
    assert r.status_code == 200, r.text
    r = await client.get(url + "/file", headers=tenant.headers)
    assert r.content == ISDOC and r.headers["content-type"].startswith("application/xml")


async def test_credit_note_rejects_bad_files(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant
) -> None:
    t = await create_ticket(client, tenant)
    url = f"/api/v2/retino-credit-notes/{await make_credit_note(db, tenant, t['id'])}"
    cases: list[tuple[Any, str]] = [
        ("not base64!!", "Invalid base64 data."),
        ("JVBERi0xLjU", "Invalid base64 data."),  # bad padding
        (_b64(PNG), "Unsupported file type"),
        (_b64(bytes(range(256))), "Unsupported file type"),
        ("", "empty"),
    ]
    for value, message in cases:
        r = await client.patch(url, json={"file_base64": value}, headers=tenant.headers)
        assert r.status_code == 400, (value, r.text)
        (error,) = r.json()["file_base64"]
        assert message in error
    for body in ({}, {"file_base64": None}, {"file_base64": 12}):
        r = await client.patch(url, json=body, headers=tenant.headers)
        assert r.status_code == 400 and set(r.json()) == {"file_base64"}, body
    r = await client.get(url, headers=tenant.headers)
    assert r.json()["file"] is None


async def test_credit_note_file_size_limit(
    app: TicketryApp, db: AsyncSession, tenant: Tenant
) -> None:
    small = create_app(replace(app.settings, max_file_bytes=1024))
    await small.startup()
    try:
        transport = httpx.ASGITransport(app=small)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            t = await create_ticket(c, tenant)
            url = f"/api/v2/retino-credit-notes/{await make_credit_note(db, tenant, t['id'])}"
            big = PDF + b"0" * 1024
            r = await c.patch(url, json={"file_base64": _b64(big)}, headers=tenant.headers)
            assert r.status_code == 400, r.text
            assert "too large" in r.json()["file_base64"][0]
            fits = PDF + b"0" * (1024 - len(PDF))
            r = await c.patch(url, json={"file_base64": _b64(fits)}, headers=tenant.headers)
            assert r.status_code == 200, r.text
    finally:
        await small.shutdown()


async def test_credit_note_of_another_account_is_404(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant, other_tenant: Tenant
) -> None:
    t = await create_ticket(client, tenant)
    url = f"/api/v2/retino-credit-notes/{await make_credit_note(db, tenant, t['id'])}"
    r = await client.patch(url, json={"file_base64": _b64(PDF)}, headers=tenant.headers)
    assert r.status_code == 200
    for method, suffix, body in (
        ("GET", "", None),
        ("PATCH", "", {"file_base64": _b64(PDF)}),
        ("GET", "/file", None),
    ):
        r = await client.request(method, url + suffix, json=body, headers=other_tenant.headers)
        assert r.status_code == 404, (method, suffix)
        assert r.json() == {"detail": "Not found."}
    r = await client.get(
        "/api/v2/retino-credit-notes/00000000-0000-0000-0000-000000000000", headers=tenant.headers
    )
    assert r.status_code == 404
