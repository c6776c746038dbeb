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

    def __init__(self, driver: Any) -> None:
        self.driver = driver  # the DB-API driver's own connection: aiosqlite or asyncpg

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
        return PostgresLoader(driver)
    return SqliteLoader(driver)


class SqliteLoader(BulkLoader):
    """``executemany`` on the aiosqlite connection. The session began the transaction with
    ``BEGIN IMMEDIATE``: this connection is the only writer until it commits, so ids are
    handed out after the largest one, as SQLite itself would."""

    # Index pages a load touches at random (UUIDs, dates) stay in memory instead of
    # spilling to the WAL again and again; this connection only, restored afterwards.
    CACHE_KIB = 256 * 1024
    FTS_INSERT_TRIGGER = "tickets_fts_insert"

    def __init__(self, driver: Any) -> None:
        super().__init__(driver)
        self._next_id: dict[str, int] = {}
        self._sql = {
            table: f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})"
            for table, columns in COLUMNS.items()
        }
        self._fts_trigger: str | None = None
        self._first_ticket_id = 0
        self._deferred: list[str] = []

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
            # Past every id ever given (AUTOINCREMENT: deleted rows' ids too).
            self._next_id[table] = await self._one(
                f"SELECT max(coalesce((SELECT max(id) FROM {table}), 0), coalesce((SELECT seq "
                "FROM sqlite_sequence WHERE name = ?), 0)) + 1",
                table,
            )
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
        for table in COLUMNS:
            self._deferred += await self._defer_indexes_if_empty(table)
        try:
            yield
        finally:
            await self.driver.execute(f"PRAGMA cache_size = {int(cache)}")

    async def _defer_indexes_if_empty(self, table: str) -> list[str]:
        """Into an empty table (a new database), rows load faster without its indexes,
        made again afterwards from their stored SQL; returns that. Only an empty table's,
        and under the same write lock: nobody sees them missing. The indexes of the
        table's own UNIQUE and PRIMARY KEY constraints cannot be dropped, and stay."""
        if await self._one(f"SELECT EXISTS (SELECT 1 FROM {table})"):
            return []
        cursor = await self.driver.execute(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name",
            (table,),
        )
        indexes = list(await cursor.fetchall())
        for name, _ in indexes:
            await self.driver.execute(f'DROP INDEX "{name}"')
        return [sql for _, sql in indexes]

    async def indexes_catch_up(self) -> None:
        for sql in self._deferred:
            await self.driver.execute(sql)
        self._deferred = []
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

    # For the indexes built after the load (the trigram index above all); this transaction.
    MAINTENANCE_WORK_MEM = "256MB"

    def __init__(self, driver: Any) -> None:
        super().__init__(driver)
        self._deferred: list[str] = []
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

    @asynccontextmanager
    async def loading(self) -> AsyncIterator[None]:
        await self.driver.execute(f"SET LOCAL maintenance_work_mem = '{self.MAINTENANCE_WORK_MEM}'")
        for table in COLUMNS:
            self._deferred += await self._defer_indexes_if_empty(table)
        if await self._may_skip_reference_checks():
            # Foreign-key checks cost a query per reference per row (half the load). This
            # session alone skips them: every reference is to a row the seed read FOR KEY
            # SHARE in this transaction (as the checks would lock it) or wrote itself.
            await self.driver.execute("SET LOCAL session_replication_role = replica")
        yield

    async def _may_skip_reference_checks(self) -> bool:
        """Only a superuser may, and only while the loaded tables have no triggers of their
        own: ``replica`` would skip those too."""
        return bool(
            await self.driver.fetchval(
                "SELECT current_setting('is_superuser') = 'on' AND NOT EXISTS ("
                "SELECT FROM pg_trigger WHERE NOT tgisinternal "
                "AND tgrelid = ANY($1::text[]::regclass[]))",
                list(COLUMNS),
            )
        )

    async def _is_empty(self, table: str) -> bool:
        return not await self.driver.fetchval(f"SELECT EXISTS (SELECT FROM {table})")

    async def _defer_indexes_if_empty(self, table: str) -> list[str]:
        """Into an empty table (a new database), rows load several times faster without
        its indexes, built afterwards from their own definitions; returns those.

        Only an empty table is touched, and it is locked (ACCESS EXCLUSIVE) until the load
        commits: nobody sees it without its indexes, and a rollback restores them. If rows
        arrived before the lock, the savepoint's rollback gives the lock back at once. The
        primary key stays (foreign keys point at it), and so does a unique constraint that
        one points at; the other unique constraints are checked again when rebuilt.
        """
        if not await self._is_empty(table):
            return []
        try:
            async with self.driver.transaction():  # a savepoint
                await self.driver.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
                if not await self._is_empty(table):
                    raise _NotEmptyError(table)
                constraints = await self.driver.fetch(
                    "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                    "WHERE c.conrelid = $1::regclass AND c.contype = 'u' AND NOT EXISTS ("
                    "SELECT FROM pg_constraint f WHERE f.contype = 'f' "
                    "AND f.conindid = c.conindid) ORDER BY c.conname",
                    table,
                )
                indexes = await self.driver.fetch(
                    "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid "
                    "WHERE i.indrelid = $1::regclass AND i.indisvalid AND NOT i.indisunique "
                    "ORDER BY c.relname",
                    table,
                )
                for name, _ in constraints:
                    await self.driver.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                for name, _ in indexes:
                    await self.driver.execute(f'DROP INDEX "{name}"')
        except _NotEmptyError:
            return []
        return [
            *(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {d}' for name, d in constraints),
            *(definition for _, definition in indexes),
        ]

    async def indexes_catch_up(self) -> None:
        for statement in self._deferred:
            await self.driver.execute(statement)
        self._deferred = []


class _NotEmptyError(Exception):
    """Rows arrived between the first look and the lock."""
