"""Bulk writes of seed rows through the driver's own fast path, inside the caller's
transaction: ``executemany`` on SQLite, binary ``COPY`` on PostgreSQL (asyncpg).

Index upkeep that is cheaper done once than row by row is paused by ``loading`` and made
good by ``indexes_catch_up``, both in the load's transaction: a rollback undoes the pause,
and no other connection ever sees an index missing or behind.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.demo.rows import COLUMNS, IdSupply, Rows
from ticketry.domain.types import utcnow


class BulkLoader:
    """One bulk load into the session's current transaction (the caller commits)."""

    def __init__(self, session: AsyncSession, driver: Any) -> None:
        self.session = session
        self.driver = driver

    def now(self) -> datetime:
        """The seed's "now", in the form ``stamp`` takes."""
        raise NotImplementedError

    def stamp(self, value: datetime) -> Any:
        """A timestamp as the driver takes it for a ``UTCDateTime`` column."""
        raise NotImplementedError

    async def reserve(self, table: str, supply: IdSupply, count: int) -> None:
        """Tops ``supply`` up to ``count`` ids of ``table`` that no other row will get."""
        raise NotImplementedError

    async def write(self, rows: Rows) -> None:
        raise NotImplementedError

    @asynccontextmanager
    async def loading(self) -> AsyncIterator[None]:
        """Around the writes: pauses index upkeep that is cheaper done once at the end."""
        yield

    async def indexes_catch_up(self) -> None:
        """Brings every index ``loading`` paused up to date with the loaded rows."""


async def bulk_loader(session: AsyncSession) -> BulkLoader:
    """A loader on the session's connection, in a transaction begun for it."""
    connection = await session.connection()
    driver: Any = (await connection.get_raw_connection()).driver_connection
    if connection.dialect.name == "postgresql":
        # asyncpg begins SQLAlchemy's transaction at the first statement; COPY on the driver
        # connection before that would commit on its own.
        await session.execute(text("SELECT 1"))
        assert driver.is_in_transaction()
        return PostgresLoader(session, driver)
    return SqliteLoader(session, driver)


class SqliteLoader(BulkLoader):
    """``executemany`` on the aiosqlite connection. The session began the transaction with
    ``BEGIN IMMEDIATE``: this connection is the only writer until it commits, so ids are
    handed out after the largest one, as SQLite itself would."""

    # Index pages a load touches at random (UUIDs, dates) stay in memory instead of
    # spilling to the WAL again and again; this connection only, restored afterwards.
    CACHE_KIB = 256 * 1024
    FTS_INSERT_TRIGGER = "tickets_fts_insert"

    def __init__(self, session: AsyncSession, driver: Any) -> None:
        super().__init__(session, driver)
        self._next_id: dict[str, int] = {}
        self._sql = {
            table: f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})"
            for table, columns in COLUMNS.items()
        }
        self._fts_trigger: str | None = None
        self._first_ticket_id = 0

    def now(self) -> datetime:
        return utcnow().replace(tzinfo=None)

    def stamp(self, value: datetime) -> str:
        # UTCDateTime on SQLite: naive UTC text, always with microseconds.
        return value.isoformat(" ", "microseconds")

    async def _one(self, sql: str, *params: Any) -> Any:
        cursor = await self.driver.execute(sql, params)
        row = await cursor.fetchone()
        return row[0] if row else None

    async def reserve(self, table: str, supply: IdSupply, count: int) -> None:
        if table not in self._next_id:
            self._next_id[table] = await self._one(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
        start = self._next_id[table]
        end = start + max(count - len(supply), 0)
        supply.add(range(start, end))
        self._next_id[table] = end

    async def write(self, rows: Rows) -> None:
        for table, table_rows in rows.items():
            if table_rows:
                await self.driver.executemany(self._sql[table], table_rows)

    @asynccontextmanager
    async def loading(self) -> AsyncIterator[None]:
        cache = await self._one("PRAGMA cache_size")
        await self.driver.execute(f"PRAGMA cache_size = {-self.CACHE_KIB}")
        # The search table (migration 0007) is filled once at the end instead of by its
        # insert trigger, several times faster. The trigger is dropped inside this
        # transaction, which holds SQLite's write lock: no other connection writes a ticket
        # meanwhile, readers keep their snapshot, a rollback brings the trigger back, and
        # indexes_catch_up makes it again from its own stored SQL.
        self._fts_trigger = await self._one(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
            self.FTS_INSERT_TRIGGER,
        )
        if self._fts_trigger:
            await self.driver.execute(f"DROP TRIGGER {self.FTS_INSERT_TRIGGER}")
            self._first_ticket_id = await self._one("SELECT coalesce(max(id), 0) + 1 FROM tickets")
        try:
            yield
        finally:
            await self.driver.execute(f"PRAGMA cache_size = {int(cache)}")

    async def indexes_catch_up(self) -> None:
        if self._fts_trigger:
            # What the trigger would have inserted, row by row: every ticket loaded.
            await self.driver.execute(
                "INSERT INTO tickets_fts(rowid, search_text) "
                "SELECT id, search_text FROM tickets WHERE id >= ?",
                (self._first_ticket_id,),
            )
            await self.driver.execute(self._fts_trigger)
            self._fts_trigger = None


class PostgresLoader(BulkLoader):
    """Binary ``COPY`` on the asyncpg connection; ids come from the tables' sequences."""

    def __init__(self, session: AsyncSession, driver: Any) -> None:
        super().__init__(session, driver)
        self._sequences: dict[str, int] = {}

    def now(self) -> datetime:
        return datetime.now(UTC)

    def stamp(self, value: datetime) -> datetime:
        return value

    async def reserve(self, table: str, supply: IdSupply, count: int) -> None:
        missing = count - len(supply)
        if missing <= 0:
            return
        if table not in self._sequences:
            self._sequences[table] = await self.driver.fetchval(
                "SELECT pg_get_serial_sequence($1, 'id')::regclass::oid", table
            )
        ids = await self.driver.fetchval(
            "SELECT array_agg(nextval($1::oid)) FROM generate_series(1, $2)",
            self._sequences[table],
            missing,
        )
        supply.add(ids)

    async def write(self, rows: Rows) -> None:
        for table, table_rows in rows.items():
            if table_rows:
                await self.driver.copy_records_to_table(
                    table, records=table_rows, columns=COLUMNS[table]
                )
