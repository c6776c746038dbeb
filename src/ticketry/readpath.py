"""The read path: a request's reads on the database driver itself, at the database's speed.

A list page is one statement that returns its whole document (see ``domain/sql_json.py``),
so what costs is no longer the SQL (~0.5 ms for 50 tickets) but the layers around it: the
ORM session, SQLAlchemy's async adaption, aiosqlite's thread hop per statement, the pool's
reset on return, BEGIN and ROLLBACK. Measured on this machine, one page statement cost
~1.4 ms of CPU through an AsyncSession against ~0.65 ms on the driver in a thread; on
PostgreSQL ~1.7 ms against ~0.35 ms on asyncpg's own pool.

So reads that are not part of a write go around those layers:

- **SQLite**: plain ``sqlite3`` connections, one per thread of a small thread pool, in
  ``query_only`` mode. A request's statements run in ONE hop to that pool, inside one read
  transaction (one WAL snapshot), so a count and its page agree.
- **PostgreSQL**: an ``asyncpg`` pool of its own (the session's time zone set to UTC, so
  timestamps render as UTC), whose connections prepare each statement once; several
  statements of a request run in one read-only REPEATABLE READ transaction.

Statements are SQLAlchemy Core, built once per *shape* (which filters, ordering, paging and
projection) and compiled once per database; a request only binds its values, converted by
the columns' own types (``TypeEngine.bind_processor``), so the values mean what they mean
through the ORM. A session that is inside a transaction (a handler reading what it has just
written, before committing) reads through the session instead, on its own connection, and
so sees its own writes; so does any session made without a read path (the CLI, tests that
make their own).
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

from sqlalchemy import bindparam, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.sql import Executable
from sqlalchemy.sql.elements import BindParameter

READ_PATH = "ticketry_read_path"  # the key in ``AsyncSession.info``
WROTE = "ticketry_wrote"  # the session has written in its open transaction


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


def mark_wrote(session: AsyncSession | Session) -> None:
    """For writes that go around the ORM (a driver statement, text SQL): the unit of work
    commits only a session that wrote."""
    session.info[WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    # Only the outermost transaction: a savepoint's end (released or rolled back to)
    # leaves what the transaction wrote before it, which is still to be committed.
    if transaction.parent is None:
        session.info.pop(WROTE, None)


Shape = Literal["scalar", "rows"]


@dataclass(frozen=True)
class Prepared:
    """A statement compiled for one database: its SQL, its parameters in order and how each
    value becomes what the driver takes."""

    statement: Executable
    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    defaults: dict[str, Any]

    def args(self, params: dict[str, Any]) -> tuple[Any, ...]:
        out = []
        for name, process in zip(self.names, self.processors, strict=True):
            value = params[name] if name in params else self.defaults[name]
            out.append(process(value) if process is not None and value is not None else value)
        return tuple(out)


def shape_of(statement: Any) -> Hashable:
    """What a statement's SQL depends on (SQLAlchemy's own cache key, without the values)."""
    key = statement._generate_cache_key()
    if key is None:  # a construct that cannot be cached: never shared
        return ("uncached", id(statement))
    return key.key  # type: ignore[no-any-return]


def prepare(statement: Any, dialect: Dialect) -> Prepared:
    compiled = statement.compile(dialect=dialect)
    names = tuple(compiled.positiontup or ())
    binds = compiled.binds
    processors = tuple(binds[n].type.bind_processor(dialect) for n in names)
    defaults = {n: binds[n].value for n in names}
    return Prepared(statement, compiled.string, names, processors, defaults)


@dataclass(frozen=True)
class Read:
    """One statement of a read and its values. ``key`` names the statement's shape: the
    same key must always build the same statement."""

    key: Hashable
    build: Callable[[str], Executable]  # dialect name → statement
    params: dict[str, Any]
    shape: Shape = "scalar"


class Binder:
    """Hands out bound parameters ``p0, p1, …`` in the order a statement is built, and keeps
    their values: the statement's text depends on its shape only."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        # A text value held a NUL character, which no stored text can contain (PostgreSQL
        # refuses it outright): the statement must match nothing.
        self.void = False

    def __call__(self, value: Any, type_: Any = None) -> BindParameter[Any]:
        name = f"p{len(self.values)}"
        if isinstance(value, str) and "\x00" in value:
            self.void = True
            value = value.replace("\x00", "")
        self.values[name] = value
        return bindparam(name, type_=type_) if type_ is not None else bindparam(name)


class StatementCache:
    def __init__(self) -> None:
        self._prepared: dict[tuple[Hashable, str], Prepared] = {}

    def get(self, read: Read, dialect: Dialect) -> Prepared:
        key = (read.key, dialect.name)
        found = self._prepared.get(key)
        if found is None:
            found = prepare(read.build(dialect.name), dialect)
            if len(self._prepared) > 4096:  # shapes are few; never grow without bound
                self._prepared.clear()
            self._prepared[key] = found
        return found


STATEMENTS = StatementCache()


class ReadPath:
    """Runs prepared statements on the driver. See the module's docstring."""

    def __init__(self) -> None:
        # Called with each statement's SQL before it runs (the tests count statements).
        self.observers: list[Callable[[str], None]] = []

    def _observe(self, sql: str) -> None:
        for observe in self.observers:
            observe(sql)

    async def run(self, batch: list[tuple[Prepared, Read]], *, observed: bool = True) -> list[Any]:
        """Run ``batch``; ``observed=False`` keeps it from the observers (housekeeping such as
        the credential epoch's poll, which is no request's statement)."""
        raise NotImplementedError

    async def close(self) -> None:
        return None


class SqliteReadPath(ReadPath):
    def __init__(self, path: str, threads: int = 4) -> None:
        super().__init__()
        self.path = path
        self._local = threading.local()
        self._connections: list[Any] = []
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="ticketry-read")

    def _connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            import sqlite3

            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.text_factory = bytes  # documents go to msgspec, which decodes bytes fastest
            conn.execute("PRAGMA query_only=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA cache_size=-2048")  # 2 MiB of pages per connection
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def _run(self, batch: list[tuple[Prepared, Read]], observed: bool) -> list[Any]:
        conn = self._connection()
        several = len(batch) > 1
        if several:
            conn.execute("BEGIN")  # one snapshot for every statement of the read
        try:
            out = []
            for prepared, read in batch:
                if observed:
                    self._observe(prepared.sql)
                cursor = conn.execute(prepared.sql, prepared.args(read.params))
                if read.shape == "scalar":
                    row = cursor.fetchone()
                    out.append(row[0] if row is not None else None)
                else:
                    out.append(cursor.fetchall())
            return out
        finally:
            if several:
                conn.execute("COMMIT")

    async def run(self, batch: list[tuple[Prepared, Read]], *, observed: bool = True) -> list[Any]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._run, batch, observed)

    async def close(self) -> None:
        self._pool.shutdown(wait=True)
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()


class PostgresReadPath(ReadPath):
    def __init__(self, url: str, size: int) -> None:
        super().__init__()
        self.url = url
        self.size = size
        self._pool: Any = None
        self._opening: asyncio.Lock | None = None

    async def _get_pool(self) -> Any:
        if self._pool is not None:
            return self._pool
        if self._opening is None:
            self._opening = asyncio.Lock()
        async with self._opening:
            if self._pool is None:
                import asyncpg

                parsed = make_url(self.url)
                self._pool = await asyncpg.create_pool(
                    user=parsed.username,
                    password=parsed.password,
                    host=parsed.host or "127.0.0.1",
                    port=parsed.port or 5432,
                    database=parsed.database,
                    min_size=1,
                    max_size=self.size,
                    server_settings={"timezone": "UTC", "application_name": "ticketry-read"},
                    init=_bytes_for_text,
                    reset=_session_kept,
                )
        return self._pool

    async def run(self, batch: list[tuple[Prepared, Read]], *, observed: bool = True) -> list[Any]:
        pool = await self._get_pool()
        async with pool.acquire() as conn:
            if len(batch) == 1:
                return [await self._one(conn, *batch[0], observed)]
            if all(r.shape == "scalar" for _, r in batch):
                return await self._together(conn, batch, observed)
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                return [await self._one(conn, p, r, observed) for p, r in batch]

    async def _together(
        self, conn: Any, batch: list[tuple[Prepared, Read]], observed: bool
    ) -> list[Any]:
        """Scalar reads (a page's count and its document) as the columns of one statement:
        one snapshot without ``BEGIN`` and ``COMMIT``, two round trips fewer."""
        columns: list[str] = []
        args: list[Any] = []
        for prepared, read in batch:
            if observed:
                self._observe(prepared.sql)
            sql = _PG_PARAM.sub(partial(_shifted, by=len(args)), prepared.sql)
            columns.append(f"({sql})")
            args.extend(prepared.args(read.params))
        return list(await conn.fetchrow("SELECT " + ", ".join(columns), *args))

    async def _one(self, conn: Any, prepared: Prepared, read: Read, observed: bool) -> Any:
        if observed:
            self._observe(prepared.sql)
        args = prepared.args(read.params)
        if read.shape == "scalar":
            return await conn.fetchval(prepared.sql, *args)
        return [tuple(r) for r in await conn.fetch(prepared.sql, *args)]

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


# asyncpg's positional parameters as SQLAlchemy renders them (``$1::INTEGER``); the read
# path's statements hold no other ``$`` (no dollar quoting, no jsonpath).
_PG_PARAM = re.compile(r"\$(\d+)")


def _shifted(match: re.Match[str], *, by: int) -> str:
    return f"${int(match[1]) + by}"


async def _session_kept(_conn: Any) -> None:
    """Returning a read connection to the pool costs no statement: these connections never
    LISTEN, take advisory locks or change settings, so asyncpg's default reset (``RESET
    ALL``, ``UNLISTEN *``, … one more round trip per request) has nothing to undo; an open
    transaction is still rolled back by the pool before this is called."""


async def _bytes_for_text(conn: Any) -> None:
    """Text comes back as its UTF-8 bytes (documents go to msgspec, which decodes bytes
    fastest; the read path returns no other text)."""
    await conn.set_type_codec(
        "text", schema="pg_catalog", encoder=str.encode, decoder=bytes, format="binary"
    )


def read_path_for(url: str, *, pool_size: int) -> ReadPath | None:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            return None  # each connection would be a database of its own
        return SqliteReadPath(parsed.database)
    if backend == "postgresql":
        return PostgresReadPath(url, pool_size)
    return None


async def read(session: AsyncSession, *reads: Read) -> list[Any]:
    """Run ``reads`` (one hop on SQLite, one connection on PostgreSQL) and return each one's
    scalar or rows. Through the session when it has written in its open transaction (it
    then sees its own uncommitted writes) or has no read path."""
    bind = session.get_bind()
    dialect = bind.dialect
    batch = [(STATEMENTS.get(r, dialect), r) for r in reads]
    path: ReadPath | None = session.info.get(READ_PATH)
    if path is not None and not session.sync_session.info.get(WROTE):
        return await path.run(batch)
    out = []
    for prepared, r in batch:
        result = await session.execute(prepared.statement, r.params)
        out.append(result.scalar() if r.shape == "scalar" else [tuple(x) for x in result.all()])
    return out
