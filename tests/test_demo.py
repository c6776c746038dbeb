"""``demo_seed`` bulk-loads tickets past the ORM and the ticket services; what those would
have derived (search text, the search index, order binding, the code counter, the stored
form of every value) must come out the same. On both databases."""

from __future__ import annotations

import asyncio
import json
import tempfile
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

import ticketry.domain.models  # noqa: F401  (every table in the metadata)
from tests.conftest import BACKEND, PG_URL, Tenant, _pg_admin
from ticketry import migrate
from ticketry.app import TicketryApp
from ticketry.db import create_engine, create_sessionmaker
from ticketry.demo import demo_seed
from ticketry.demo.bulk import PostgresLoader, bulk_loader
from ticketry.demo.rows import COLUMNS
from ticketry.domain.accounts.models import Account
from ticketry.domain.accounts.services import account_get_or_create
from ticketry.domain.base import Base
from ticketry.domain.conversations.models import Contact
from ticketry.domain.orders.binding import ticket_items_bind
from ticketry.domain.orders.models import Order, OrderItem
from ticketry.domain.refunds.models import CreditNote
from ticketry.domain.tickets.models import Shipment, Ticket, TicketItem, ticket_tags
from ticketry.domain.tickets.searchdoc import ticket_search_refresh

N = 400


@dataclass
class Seeded:
    tenant: Tenant
    account_id: int


@pytest.fixture
async def seeded(app: TicketryApp, tenant: Tenant) -> Seeded:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        account = await session.get(Account, tenant.account_id)
        assert account is not None
        assert await demo_seed(session, account=account, tickets=N, seed=7) == N
    return Seeded(tenant=tenant, account_id=tenant.account_id)


async def _count(db: AsyncSession, model: type, account_id: int) -> int:
    stmt = select(func.count()).select_from(model).where(model.account_id == account_id)  # type: ignore[attr-defined]
    return int(await db.scalar(stmt) or 0)


def test_every_column_the_orm_would_fill_is_written() -> None:
    """Columns with a Python-side default or NOT NULL are in the seed's rows: the bulk
    path skips SQLAlchemy's defaults, so a new such column must be added to ``COLUMNS``."""
    for name, columns in COLUMNS.items():
        table = Base.metadata.tables[name]
        assert set(columns) <= set(table.c.keys()), name
        for column in table.c:
            generated = column.primary_key and column.autoincrement is not False
            needed = column.default is not None or not column.nullable
            if needed and not (generated and column.name == "id"):
                assert column.name in columns, f"{name}.{column.name}"


async def test_seed_rows_and_their_shares(db: AsyncSession, seeded: Seeded) -> None:
    aid = seeded.account_id
    assert await _count(db, Ticket, aid) == N
    tickets = (await db.execute(select(Ticket).where(Ticket.account_id == aid))).scalars().all()
    items = Counter(
        (await db.scalars(select(TicketItem.ticket_id).where(TicketItem.account_id == aid))).all()
    )
    assert set(items.values()) == {1, 2, 3} and len(items) == N
    bound = [t for t in tickets if t.bound_order_id is not None]
    assert 0.45 * N < len(bound) < 0.75 * N
    assert all(t.verification_state == "VERIFIED_AUTOMATICALLY" for t in bound)
    assert await _count(db, Order, aid) == len(bound)
    assert await _count(db, OrderItem, aid) == sum(items[t.id] for t in bound)
    assert 0.25 * N < await _count(db, Shipment, aid) < 0.55 * N
    tagged = await db.scalar(
        select(func.count()).select_from(ticket_tags).where(ticket_tags.c.account_id == aid)
    )
    assert 0.15 * N < int(tagged or 0) < 0.45 * N
    closed = sum(t.status == "closed" for t in tickets)
    assert await _count(db, CreditNote, aid) <= closed
    assert len({t.code for t in tickets}) == N
    assert all(t.created_at <= datetime.now(UTC) for t in tickets)


async def test_seed_search_text_and_binding_are_the_services_own(
    db: AsyncSession, seeded: Seeded
) -> None:
    tickets = (
        (await db.execute(select(Ticket).where(Ticket.account_id == seeded.account_id)))
        .scalars()
        .all()
    )
    stored = {t.id: t.search_text for t in tickets}
    bound = {
        item.id: item.bound_order_item_id
        for item in await db.scalars(
            select(TicketItem).where(TicketItem.account_id == seeded.account_id)
        )
    }
    assert any(bound.values())
    for ticket in tickets:
        await ticket_search_refresh(db, ticket=ticket)
        assert ticket.search_text == stored[ticket.id], ticket.code
        if ticket.bound_order_id:
            await ticket_items_bind(db, ticket_id=ticket.id, order_id=ticket.bound_order_id)
    rebound = {
        item.id: item.bound_order_item_id
        for item in await db.scalars(
            select(TicketItem).where(TicketItem.account_id == seeded.account_id)
        )
    }
    assert rebound == bound
    await db.rollback()


async def test_seed_gives_every_ticket_its_one_person(db: AsyncSession, seeded: Seeded) -> None:
    """As a ticket write does (``tickets/requester.py``): one person per e-mail, and each
    ticket shows its person's e-mail, name and phone; a customer comes back."""
    aid = seeded.account_id
    rows = (
        await db.execute(
            select(
                Ticket.requester_id,
                Ticket.customer_email,
                Ticket.customer_name,
                Ticket.customer_phone,
                Contact.email,
                Contact.name,
                Contact.phone,
            )
            .outerjoin(Contact, Contact.id == Ticket.requester_id)
            .where(Ticket.account_id == aid)
        )
    ).all()
    assert len(rows) == N
    assert all(row[0] is not None and tuple(row[1:4]) == tuple(row[4:7]) for row in rows)
    people = await db.scalars(select(Contact.email).where(Contact.account_id == aid))
    emails = list(people)
    assert len(emails) == len(set(emails)) and all(e == e.lower() for e in emails)
    # A second load (the same customers) into the account finds the people the first made.
    await db.rollback()  # on SQLite the session's transaction holds the write lock
    account = await db.get(Account, aid)
    assert account is not None
    assert await demo_seed(db, account=account, tickets=50, seed=7) == 50
    assert await _count(db, Contact, aid) == len(emails)
    assert (
        await db.scalar(
            select(func.count()).where(Ticket.account_id == aid, Ticket.requester_id.is_(None))
        )
        == 0
    )


async def _search(client: httpx.AsyncClient, tenant: Tenant, query: str) -> int:
    r = await client.get("/api/v2/tickets/search", params={"search": query}, headers=tenant.headers)
    assert r.status_code == 200, r.text
    return int(r.json()["count"])


async def test_seed_is_searchable(
    client: httpx.AsyncClient, db: AsyncSession, seeded: Seeded
) -> None:
    aid = seeded.account_id
    email, code = (
        await db.execute(
            select(Ticket.customer_email, Ticket.code)
            .where(Ticket.account_id == aid)
            .order_by(Ticket.id.desc())
            .limit(1)
        )
    ).one()
    same_email = await db.scalar(
        select(func.count()).where(Ticket.account_id == aid, Ticket.customer_email == email)
    )
    # A product word, accent-folded ("Robotický vysavač").
    with_product = await db.scalar(
        select(func.count(func.distinct(TicketItem.ticket_id))).where(
            TicketItem.account_id == aid, TicketItem.name == "Robotický vysavač"
        )
    )
    await db.rollback()  # on SQLite the session's transaction holds the write lock
    assert await _search(client, seeded.tenant, email) == same_email >= 1
    assert await _search(client, seeded.tenant, code) >= 1
    assert with_product
    assert await _search(client, seeded.tenant, "vysavac") == with_product


async def test_codes_continue_after_the_seed(client: httpx.AsyncClient, seeded: Seeded) -> None:
    r = await client.post(
        "/api/v2/tickets",
        json={"customer": {"email": "after@example.com"}, "currency": "CZK", "language": "cs"},
        headers=seeded.tenant.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["code"] == f"{datetime.now(UTC).year}{N + 1:04d}"


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite stores values as SQLAlchemy formats them")
async def test_seed_stores_values_as_sqlalchemy_binds_them(
    db: AsyncSession, seeded: Seeded
) -> None:
    """Each stored value, read and bound again through the column's type, is unchanged:
    the same text for timestamps, UUIDs and JSON, the same integers for amounts."""
    dialect = db.get_bind().dialect
    for name, columns in COLUMNS.items():
        table: Table = Base.metadata.tables[name]
        raw = (
            await db.execute(
                text(f"SELECT {', '.join(columns)} FROM {name} WHERE account_id = :a LIMIT 200"),
                {"a": seeded.account_id},
            )
        ).all()
        assert raw, name
        for column_name, values in zip(columns, zip(*raw, strict=True), strict=True):
            column_type = table.c[column_name].type.dialect_impl(dialect)
            load = column_type.result_processor(dialect, None) or (lambda v: v)
            store = column_type.bind_processor(dialect) or (lambda v: v)
            for value in values:
                assert store(load(value)) == value, (name, column_name, value)
                if isinstance(value, str) and value.startswith(("{", "[")):
                    assert json.dumps(json.loads(value)) == value


@pytest.mark.skipif(BACKEND != "sqlite", reason="the FTS5 table exists on SQLite only")
async def test_seed_leaves_the_sqlite_search_index_whole(db: AsyncSession, seeded: Seeded) -> None:
    # rank 1: the index is checked against the content table, row by row.
    await db.execute(
        text("INSERT INTO tickets_fts(tickets_fts, rank) VALUES ('integrity-check', 1)")
    )
    triggers = await db.scalars(
        text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tickets'")
    )
    assert set(triggers) == {"tickets_fts_insert", "tickets_fts_delete", "tickets_fts_update"}
    await db.rollback()


async def _schema(session: AsyncSession) -> set[tuple[Any, ...]]:
    """Indexes, constraints and triggers, with their definitions and validity."""
    if session.get_bind().dialect.name == "sqlite":
        rows = await session.execute(
            text("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%'")
        )
    else:
        rows = await session.execute(
            text(
                "SELECT 'index', c.relname, pg_get_indexdef(i.indexrelid), i.indisvalid "
                "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE c.relnamespace = 'public'::regnamespace "
                "UNION ALL SELECT 'constraint', conname, pg_get_constraintdef(oid), convalidated "
                "FROM pg_constraint WHERE connamespace = 'public'::regnamespace "
                "UNION ALL SELECT 'trigger', tgname, pg_get_triggerdef(oid), tgenabled = 'O' "
                "FROM pg_trigger WHERE NOT tgisinternal"
            )
        )
    return {tuple(row) for row in rows}


async def _dangling_references(session: AsyncSession) -> list[str]:
    dangling = []
    for name in COLUMNS:
        for fk in Base.metadata.tables[name].foreign_keys:
            column, target = fk.parent.name, fk.column
            count = await session.scalar(
                text(
                    f"SELECT count(*) FROM {name} t WHERE t.{column} IS NOT NULL AND NOT EXISTS "
                    f"(SELECT 1 FROM {target.table.name} r WHERE r.{target.name} = t.{column})"
                )
            )
            if count:
                dangling.append(f"{name}.{column}: {count}")
    return dangling


@asynccontextmanager
async def _new_database() -> AsyncIterator[str]:
    if BACKEND == "postgres":
        name = f"ticketry_test_seed_{uuid.uuid4().hex[:8]}"
        await asyncio.to_thread(_pg_admin, f'CREATE DATABASE "{name}"')
        try:
            yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            await asyncio.to_thread(_pg_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'seed.sqlite3'}"


async def test_seed_into_a_new_database_leaves_its_schema_as_migrated() -> None:
    """The first seed of a new database takes the fast path (the empty tables' indexes
    are built after the load); a second seed goes into tables with rows. Either way the
    schema is as migrated, every reference resolves and the search index is whole."""
    async with _new_database() as url:
        await migrate.upgrade_async(url)
        engine = create_engine(url)
        try:
            async with create_sessionmaker(engine)() as session:
                migrated = await _schema(session)
                first, _ = await account_get_or_create(session, slug="seed-a")
                second, _ = await account_get_or_create(session, slug="seed-b")
                await session.commit()
                for account, count in ((first, 300), (second, 200), (first, 100)):
                    assert await demo_seed(session, account=account, tickets=count) == count
                    assert await _schema(session) == migrated
                    assert await _dangling_references(session) == []
                    if BACKEND == "sqlite":
                        await session.execute(
                            text(
                                "INSERT INTO tickets_fts(tickets_fts, rank) "
                                "VALUES ('integrity-check', 1)"
                            )
                        )
                    await session.commit()  # a rollback would expire the accounts
                counts = dict(
                    (
                        await session.execute(
                            select(Ticket.account_id, func.count()).group_by(Ticket.account_id)
                        )
                    ).all()
                )
                assert counts == {first.id: 400, second.id: 200}
        finally:
            await engine.dispose()


@pytest.mark.skipif(BACKEND != "postgres", reason="PostgreSQL's table locks and FK checks")
async def test_postgres_leaves_a_table_alone_that_filled_before_its_lock(
    db: AsyncSession, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows arriving between the loader's first look and its lock: the table keeps its
    indexes, and the lock goes with the savepoint (nobody waits for the load)."""
    looks: list[str] = []
    is_empty = PostgresLoader._is_empty

    async def first_look_empty(self: PostgresLoader, table: str) -> bool:
        looks.append(table)
        return len(looks) == 1 or await is_empty(self, table)

    monkeypatch.setattr(PostgresLoader, "_is_empty", first_look_empty)
    loader = await bulk_loader(db)
    assert isinstance(loader, PostgresLoader)
    assert await loader._defer_indexes_if_empty("tickets") == []
    assert looks == ["tickets", "tickets"]
    locks = await db.scalars(
        text(
            "SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() "
            "AND relation = 'tickets'::regclass"
        )
    )
    assert "AccessExclusiveLock" not in set(locks)
    await db.rollback()


@pytest.mark.skipif(BACKEND != "postgres", reason="PostgreSQL's foreign-key checks")
async def test_postgres_seed_with_foreign_key_checks(
    app: TicketryApp, tenant: Tenant, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a role that may not skip them (no superuser), the checks run; same rows."""

    async def may_not(self: PostgresLoader) -> bool:
        return False

    monkeypatch.setattr(PostgresLoader, "_may_skip_reference_checks", may_not)
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        account = await session.get(Account, tenant.account_id)
        assert account is not None
        assert await demo_seed(session, account=account, tickets=50) == 50
    assert await _count(db, Ticket, tenant.account_id) == 50
