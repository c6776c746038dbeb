"""Applying Alembic migrations from code (the CLI, ``serve`` on SQLite, the tests)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from ticketry.db import create_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def _run(connection: Connection, fn: Any, *args: Any) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    fn(cfg, *args)


async def _migrate_async(url: str, fn: Any, *args: Any) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_run, fn, *args)
            await conn.commit()
    finally:
        await engine.dispose()


def upgrade(url: str, revision: str = "heads") -> None:
    asyncio.run(_migrate_async(url, command.upgrade, revision))


def _upgrade_reporting(cfg: Config, applied: list[tuple[str, str]]) -> None:
    connection = cfg.attributes["connection"]
    current = MigrationContext.configure(connection).get_current_heads()
    script = ScriptDirectory.from_config(cfg)
    pending = list(script.iterate_revisions("heads", current or "base"))
    pending.reverse()  # oldest first, the order they are applied in
    command.upgrade(cfg, "heads")
    applied.extend((r.revision, (r.doc or "").strip().splitlines()[0]) for r in pending)


def upgrade_reporting(url: str) -> tuple[list[tuple[str, str]], str]:
    """Upgrade to the head; the revisions applied (id, first line of the docstring), oldest
    first, and the head the database is now at."""
    applied: list[tuple[str, str]] = []
    asyncio.run(_migrate_async(url, _upgrade_reporting, applied))
    head = ScriptDirectory.from_config(alembic_config()).get_current_head() or "base"
    return applied, head


def downgrade(url: str, revision: str = "base") -> None:
    asyncio.run(_migrate_async(url, command.downgrade, revision))


async def upgrade_async(url: str, revision: str = "heads") -> None:
    await _migrate_async(url, command.upgrade, revision)


async def downgrade_async(url: str, revision: str = "base") -> None:
    await _migrate_async(url, command.downgrade, revision)


def _revision(cfg: Config, message: str, rev_id: str) -> None:
    command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)


def revision_autogenerate(url: str, message: str, rev_id: str) -> None:
    """Write a new migration from the models' difference to the database at ``url``."""
    asyncio.run(_migrate_async(url, _revision, message, rev_id))
