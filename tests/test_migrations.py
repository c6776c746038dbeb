"""Migrations are complete (models = schema) and reversible, on the test database."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from ticketry import migrate
from ticketry.domain.models import Base

# Search indexes made by migrations for one database each: the trigram index on PostgreSQL,
# the FTS5 table (and the shadow tables SQLite keeps for it) on SQLite.
MIGRATION_ONLY = {"ix_tickets_search_trgm"}


def _included(obj: object, name: str | None, *_: object) -> bool:
    return name not in MIGRATION_ONLY and not (name or "").startswith("tickets_fts")


def _diff(conn) -> list:
    ctx = MigrationContext.configure(
        conn,
        opts={"include_object": _included},
    )
    return compare_metadata(ctx, Base.metadata)


def _sync_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return parsed.set(drivername="sqlite").render_as_string(hide_password=False)


def test_models_match_migrations(database_url: str) -> None:
    engine = create_engine(_sync_url(database_url)) if "sqlite" in database_url else None
    if engine is None:  # PostgreSQL: compare through the async engine
        import asyncio

        from ticketry.db import create_engine as create_async

        async def diff() -> list:
            eng = create_async(database_url)
            async with eng.connect() as conn:
                result = await conn.run_sync(_diff)
            await eng.dispose()
            return result

        assert asyncio.run(diff()) == []
        return
    with engine.connect() as conn:
        assert _diff(conn) == []


def test_downgrade_and_upgrade_again() -> None:
    if os.environ.get("TICKETRY_TEST_DB") == "postgres":
        from tests.conftest import PG_URL, _pg_admin

        name = f"ticketry_mig_{os.getpid()}"
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}"')
        _pg_admin(f'CREATE DATABASE "{name}"')
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        try:
            migrate.upgrade(url)
            migrate.downgrade(url)
            migrate.upgrade(url)
        finally:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'm.sqlite3'}"
        migrate.upgrade(url)
        migrate.downgrade(url)
        migrate.upgrade(url)


def test_every_foreign_key_has_an_index() -> None:
    """Without one, a delete or key change on the referenced row scans the referencing
    table (an order re-import took seconds per replaced item)."""
    missing = []
    for table in Base.metadata.sorted_tables:
        leading = [[c.name for c in index.columns] for index in table.indexes]
        leading += [
            [c.name for c in constraint.columns]  # type: ignore[attr-defined]
            for constraint in table.constraints
            if type(constraint).__name__ in ("UniqueConstraint", "PrimaryKeyConstraint")
        ]
        for fk in table.foreign_key_constraints:
            columns = [c.name for c in fk.columns]
            if not any(cols[: len(columns)] == columns for cols in leading):
                missing.append(f"{table.name}({', '.join(columns)})")
    assert missing == []
