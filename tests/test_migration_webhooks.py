"""Migration 0017 gives every webhook subscription its key and, where the same one was
created twice, keeps the oldest and disables the rest. On both databases."""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from ticketry import migrate
from ticketry.db import create_engine
from ticketry.domain.webhooks.models import subscription_key


@contextmanager
def _fresh_database() -> Iterator[str]:
    if os.environ.get("TICKETRY_TEST_DB") == "postgres":
        from tests.conftest import PG_URL, _pg_admin

        name = f"ticketry_mig17_{os.getpid()}"
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}"')
        _pg_admin(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{Path(tmp) / 'm17.sqlite3'}"


async def _sql(url: str, statement: str, **params: object) -> list[tuple]:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(statement), params)
            return [tuple(r) for r in result.all()] if result.returns_rows else []
    finally:
        await engine.dispose()


def test_existing_duplicates_are_kept_disabled() -> None:
    with _fresh_database() as url:
        migrate.upgrade(url, "0013")
        asyncio.run(_insert_account(url))
        hook = "https://hooks.example.com/in"
        rows = [
            (hook, ["ticket.created", "ticket.updated"]),
            (hook, ["ticket.updated", "ticket.created"]),  # the same set: a duplicate
            (hook, ["ticket.created"]),  # other events: not the same
        ]
        for target, events in rows:
            asyncio.run(_insert_subscription(url, target, events))
        migrate.upgrade(url)
        found = asyncio.run(
            _sql(
                url,
                "SELECT id, same_key, is_active, disabled_reason FROM "
                "webhook_subscriptions ORDER BY id",
            )
        )
        key = subscription_key("retino", hook, ["ticket.created", "ticket.updated"])
        (first, second, third) = found
        assert first[1:3] == (key, True)
        assert second[1] == f"{key}#{second[0]}" and not second[2]
        assert "duplicate" in second[3].lower()
        assert third[1:3] == (subscription_key("retino", hook, ["ticket.created"]), True)
        migrate.downgrade(url, "0013")
        migrate.upgrade(url)


async def _insert_account(url: str) -> None:
    from datetime import UTC, datetime

    from ticketry.db import create_sessionmaker
    from ticketry.domain.accounts.models import Account

    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            session.add(Account(slug="m17", name="M17", created_at=datetime.now(UTC)))
            await session.commit()
    finally:
        await engine.dispose()


async def _insert_subscription(url: str, target: str, events: list[str]) -> None:
    # Core, with the columns 0013 has (the model's same_key is not there yet).
    sqlite = "sqlite" in url
    await _sql(
        url,
        "INSERT INTO webhook_subscriptions (public_id, account_id, url, secret, flavour, "
        "events, is_active, disabled_reason, consecutive_failures, created_at, updated_at) "
        + (
            "SELECT :p, id, :u, 's', 'retino', :e, :a, '', 0, created_at, created_at "
            if sqlite
            else "SELECT CAST(:p AS UUID), id, :u, 's', 'retino', CAST(:e AS JSONB), :a, '', 0, "
            "created_at, created_at "
        )
        + "FROM accounts WHERE slug = 'm17'",
        p=uuid.uuid4().hex if sqlite else str(uuid.uuid4()),
        u=target,
        e=json.dumps(events),
        a=True,
    )
