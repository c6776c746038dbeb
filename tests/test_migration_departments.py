"""Migration 0016 moves each account's ``ticket_departments`` setting into department rows
(and back on downgrade), on the test database."""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ticketry import migrate
from ticketry.db import create_engine

T = TypeVar("T")

BEFORE, AFTER = "0014", "0016"


def _on(url: str, fn: Callable[[sa.Connection], T]) -> T:
    """``fn`` run in one committed transaction of the database at ``url``."""

    async def run() -> T:
        engine = create_engine(url)
        try:
            async with engine.begin() as conn:
                return await conn.run_sync(fn)
        finally:
            await engine.dispose()

    return asyncio.run(run())


@contextmanager
def _database() -> Iterator[str]:
    """The URL of a new empty database."""
    if os.environ.get("TICKETRY_TEST_DB") == "postgres":
        from tests.conftest import PG_URL, _pg_admin

        name = f"ticketry_dep_{os.getpid()}"
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}"')
        _pg_admin(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{Path(tmp) / 'm.sqlite3'}"


def _add_account(conn: sa.Connection, slug: str, settings: dict) -> None:
    now = datetime.now(UTC)
    conn.execute(
        sa.text(
            "INSERT INTO accounts (slug, name, language, currency, settings, public_id,"
            " created_at, updated_at) VALUES (:slug, :slug, 'cs', 'CZK', :settings,"
            " :public_id, :now, :now)"
        ).bindparams(
            sa.bindparam("settings", type_=sa.JSON()), sa.bindparam("public_id", type_=sa.Uuid())
        ),
        {"slug": slug, "settings": settings, "public_id": uuid.uuid4(), "now": now},
    )


def _departments(conn: sa.Connection) -> dict[str, list[str]]:
    rows = conn.execute(
        sa.text(
            "SELECT a.slug, d.name FROM departments d JOIN accounts a ON a.id = d.account_id"
            " ORDER BY a.slug, d.position, d.id"
        )
    )
    out: dict[str, list[str]] = {}
    for slug, name in rows:
        out.setdefault(slug, []).append(name)
    return out


def _settings(conn: sa.Connection) -> dict[str, dict]:
    rows = conn.execute(sa.text("SELECT slug, settings FROM accounts ORDER BY slug"))
    return {slug: json.loads(s) if isinstance(s, str) else s for slug, s in rows}


def test_setting_becomes_rows_and_back() -> None:
    def add_accounts(conn: sa.Connection) -> None:
        _add_account(conn, "a-list", {"ticket_departments": ["Billing", "Tech"], "x": 1})
        _add_account(conn, "b-text", {"ticket_departments": " billing , Sales,,billing"})
        _add_account(conn, "c-none", {})

    with _database() as url:
        migrate.upgrade(url, BEFORE)
        _on(url, add_accounts)
        migrate.upgrade(url, AFTER)
        assert _on(url, _departments) == {
            "a-list": ["Billing", "Tech"],
            "b-text": ["billing", "Sales"],
            "c-none": ["Support", "Sales", "billing", "technical"],
        }
        assert _on(url, _settings) == {"a-list": {"x": 1}, "b-text": {}, "c-none": {}}
        migrate.downgrade(url, BEFORE)
        settings = _on(url, _settings)
        assert settings["a-list"] == {"x": 1, "ticket_departments": ["Billing", "Tech"]}
        assert settings["b-text"] == {"ticket_departments": ["billing", "Sales"]}
