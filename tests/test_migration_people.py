"""Migration 0014 (after 0013): existing tickets get their person, persons whose e-mails
differ only in case become one, on both databases."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Uuid, bindparam, text
from sqlalchemy.engine import make_url

from tests.conftest import BACKEND, PG_URL, Tenant, _pg_admin, make_tenant
from tests.factories import create_ticket
from ticketry import migrate
from ticketry.app import TicketryApp, create_app
from ticketry.settings import load_settings

BEFORE = "0013"


@pytest.fixture
def fresh_url() -> Iterator[str]:
    """A database of its own: this test migrates it up and down."""
    if BACKEND == "postgres":
        name = f"ticketry_people_{uuid.uuid4().hex[:8]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'people.sqlite3'}"


@asynccontextmanager
async def _client(url: str) -> AsyncIterator[tuple[TicketryApp, httpx.AsyncClient]]:
    app = create_app(replace(load_settings(), database_url=url))
    await app.startup()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield app, c
    finally:
        await app.shutdown()


async def _sql(app: TicketryApp, sql: str, **params: Any) -> list[Any]:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        stmt = text(sql).bindparams(
            *(bindparam(k, type_=Uuid()) for k, v in params.items() if isinstance(v, uuid.UUID))
        )
        result = await session.execute(stmt, params)
        rows = list(result.all()) if result.returns_rows else []
        await session.commit()
        return rows


async def _ticket_id(app: TicketryApp, public_id: str) -> int:
    (row,) = await _sql(app, "SELECT id FROM tickets WHERE public_id = :p", p=uuid.UUID(public_id))
    return int(row[0])


async def _found(c: httpx.AsyncClient, tenant: Tenant, needle: str) -> list[str]:
    r = await c.get("/api/v2/tickets/search", params={"search": needle}, headers=tenant.headers)
    assert r.status_code == 200, r.text
    return [t["id"] for t in r.json()["results"]]


async def test_existing_tickets_get_their_person(
    fresh_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = fresh_url
    await migrate.upgrade_async(url, BEFORE)
    # Today's code writes a new account's departments, a table 0016 adds; this schema
    # predates it.
    monkeypatch.setattr(
        "ticketry.domain.catalog.defaults.departments_install_defaults", lambda *a, **k: None
    )
    async with _client(url) as (app, c):
        tenant = await make_tenant(app)
        aid = tenant.account_id
        ann = await create_ticket(c, tenant, customer={"name": "Ann", "email": "ann@example.com"})
        came = await create_ticket(c, tenant, customer={"name": "Cid", "email": "cid@example.com"})
        bob = await create_ticket(c, tenant, customer={"name": "Bob", "email": "bob@example.com"})
        nobody = await create_ticket(c, tenant, customer={"name": "Nobody", "email": ""})
        ids = {
            k: await _ticket_id(app, t["id"])
            for k, t in (("ann", ann), ("came", came), ("bob", bob), ("nobody", nobody))
        }
        # As the old code left data: a second person for Ann in other letter case (older,
        # nameless, with the ticket and a message), a ticket known only by the address it
        # came from, and a seeded ticket with a customer e-mail but no person.
        (ann_person,) = await _sql(
            app, "SELECT requester_id FROM tickets WHERE id = :t", t=ids["ann"]
        )
        await _sql(
            app,
            "UPDATE contacts SET email = 'ANN@Example.com ', name = '' WHERE id = :c",
            c=ann_person[0],
        )
        await _sql(
            app,
            "INSERT INTO contacts (public_id, account_id, email, name, phone, created_at, "
            "updated_at) SELECT :p, account_id, 'ann@example.com', 'Ann Lee', '', created_at, "
            "updated_at FROM contacts WHERE id = :c",
            p=uuid.uuid4(),
            c=ann_person[0],
        )
        (dup,) = await _sql(app, "SELECT max(id) FROM contacts WHERE account_id = :a", a=aid)
        r = await c.post(
            "/api/v2/internal-note",
            json={"ticket": ann["id"], "text": "hi"},
            headers=tenant.headers,
        )
        assert r.status_code == 201, r.text
        await _sql(app, "UPDATE messages SET author_contact_id = :d", d=dup[0])
        await _sql(
            app,
            "UPDATE tickets SET requester_id = NULL, customer_email = '', "
            "from_email = 'Came.From@Example.com', search_text = 'came' WHERE id = :t",
            t=ids["came"],
        )
        await _sql(app, "UPDATE tickets SET requester_id = NULL WHERE id = :t", t=ids["bob"])
        await _sql(app, "DELETE FROM contacts WHERE email = 'bob@example.com'")
        await _sql(app, "DELETE FROM ticket_search_keys WHERE ticket_id = :t", t=ids["came"])
        await _sql(
            app,
            "INSERT INTO ticket_search_keys (account_id, ticket_id, key) "
            "VALUES (:a, :t, 'came.from@example.com')",
            a=aid,
            t=ids["came"],
        )

    await migrate.upgrade_async(url)
    async with _client(url) as (app, c):
        people = await _sql(
            app,
            "SELECT id, email, name FROM contacts WHERE account_id = :a "
            "AND email NOT LIKE '%.test' ORDER BY email",
            a=aid,
        )
        by_email = {email: (pid, name) for pid, email, name in people}
        assert sorted(by_email) == [
            "ann@example.com",
            "bob@example.com",
            "came.from@example.com",
            "cid@example.com",  # the person the ticket had before it lost its e-mail
        ]
        # Ann: the older record stays, lower-case, with the name the other one had.
        assert by_email["ann@example.com"] == (ann_person[0], "Ann Lee")
        tickets = {
            tid: (requester, email)
            for tid, requester, email in await _sql(
                app,
                "SELECT id, requester_id, customer_email FROM tickets WHERE account_id = :a",
                a=aid,
            )
        }
        assert tickets[ids["ann"]] == (ann_person[0], "ann@example.com")
        assert tickets[ids["came"]] == (
            by_email["came.from@example.com"][0],
            "came.from@example.com",
        )
        assert tickets[ids["bob"]] == (by_email["bob@example.com"][0], "bob@example.com")
        assert by_email["bob@example.com"][1] == "Bob"  # the name the ticket gave
        assert tickets[ids["nobody"]] == (None, "")
        assert await _sql(app, "SELECT DISTINCT author_contact_id FROM messages") == [
            (ann_person[0],)
        ]
        # Every face shows the person, and the search finds the ticket by the e-mail.
        r = await c.get(f"/api/v2/tickets/{came['id']}", headers=tenant.headers)
        assert r.json()["customer"]["email"] == "came.from@example.com"
        assert await _found(c, tenant, "CAME.FROM@example.com") == [came["id"]]
        assert await _found(c, tenant, "came.from") == [came["id"]]  # the text search

    await migrate.downgrade_async(url, BEFORE)
    await migrate.upgrade_async(url)
