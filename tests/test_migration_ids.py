"""Migration 0013 (after 0012): SQLite tables rebuilt with AUTOINCREMENT keep their rows, indexes,
triggers and foreign keys, and ids are then never given twice."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from tests.conftest import BACKEND, Tenant, make_tenant
from tests.factories import create_ticket
from ticketry import migrate
from ticketry.app import TicketryApp, create_app
from ticketry.domain.models import Base
from ticketry.settings import load_settings

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's table rebuild")

BEFORE = "0012"
AFTER = "0013"  # this migration's revision: later ones add tables the schema check would see


def _autoincrement_tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%'"
        )
        return {name for (name,) in rows}


def _schema(path: Path) -> dict[str, object]:
    """Every index and trigger (name → SQL), every table's foreign keys and row count."""
    with sqlite3.connect(path) as conn:
        extras = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('index', "
            "'trigger') AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name"
        ).fetchall()
        autoindexes = conn.execute(
            "SELECT tbl_name, count(*) FROM sqlite_master WHERE name LIKE 'sqlite_autoindex%' "
            "GROUP BY tbl_name ORDER BY tbl_name"
        ).fetchall()
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                "'sqlite_%' AND name NOT LIKE 'tickets_fts%' ORDER BY name"
            )
        ]
        keys = {t: conn.execute(f'PRAGMA foreign_key_list("{t}")').fetchall() for t in tables}
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone() for t in tables}
        # The planner's statistics: dropped with a table, and plans at scale depend on them.
        stats = conn.execute("SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY 1, 2").fetchall()
        return {
            "extras": extras,
            "autoindexes": autoindexes,
            "keys": keys,
            "counts": counts,
            "stats": stats,
        }


def _customer(name: str) -> dict[str, str]:
    return {"name": name, "email": "zk@example.com"}


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


async def _found(c: httpx.AsyncClient, tenant: Tenant, text: str) -> list[str]:
    r = await c.get("/api/v2/tickets/search", params={"search": text}, headers=tenant.headers)
    assert r.status_code == 200, r.text
    return [t["id"] for t in r.json()["results"]]


def test_every_entity_table_is_autoincrement(database_url: str) -> None:
    path = Path(database_url.split("///", 1)[1])
    wanted = {
        t.name
        for t in Base.metadata.tables.values()
        if t.dialect_options["sqlite"]["autoincrement"]
    }
    assert "tickets" in wanted and "messages" in wanted and "ticket_items" in wanted
    assert _autoincrement_tables(path) == wanted


async def test_rebuild_keeps_rows_indexes_triggers_and_foreign_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ids.sqlite3"
    url = f"sqlite:///{path}"
    await migrate.upgrade_async(url, BEFORE)
    # Today's code writes a new account's departments, a table 0016 adds; this schema
    # predates it.
    monkeypatch.setattr(
        "ticketry.domain.catalog.defaults.departments_install_defaults", lambda *a, **k: None
    )
    async with _client(url) as (app, c):
        tenant = await make_tenant(app)
        tickets = [
            await create_ticket(c, tenant, customer=_customer(f"Zdeněk {surname}"))
            for surname in ("Kvasnička", "Vondráček", "Šťastný")
        ]
        r = await c.post(
            f"/api/v2/tickets/{tickets[0]['id']}/products",
            json={"name": "MacBook Pro", "amount": "1.0000", "price": {"with_vat": "1.0000"}},
            headers=tenant.headers,
        )
        assert r.status_code == 201, r.text
    with sqlite3.connect(path) as conn:
        conn.execute("ANALYZE")  # as `ticketry seed` leaves a database
    before = _schema(path)
    assert any(tbl == "tickets" for tbl, _, _ in before["stats"])
    assert _autoincrement_tables(path) == set()

    await migrate.upgrade_async(url, AFTER)
    assert "tickets" in _autoincrement_tables(path)
    assert _schema(path) == before
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    async with _client(url) as (app, c):
        # The search index and its triggers still work: old rows found, new ones too.
        assert await _found(c, tenant, "Vondráček") == [tickets[1]["id"]]
        new = await create_ticket(c, tenant, customer=_customer("Bohumil Hrabal"))
        assert await _found(c, tenant, "Hrabal") == [new["id"]]
        with sqlite3.connect(path) as conn:  # the Retino face deletes no tickets
            conn.execute("PRAGMA foreign_keys = ON")
            (deleted,) = conn.execute("SELECT max(id) FROM tickets").fetchone()
            conn.execute("DELETE FROM tickets WHERE id = ?", (deleted,))
        newer = await create_ticket(c, tenant)
        assert newer["id"] != new["id"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT max(id) FROM tickets").fetchone() == (deleted + 1,)

    await migrate.downgrade_async(url, BEFORE)
    assert _autoincrement_tables(path) == set()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("SELECT count(*) FROM tickets").fetchone() == (4,)
