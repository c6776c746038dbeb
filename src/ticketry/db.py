"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from ticketry.readpath import READ_PATH, ReadPath

READ_ONLY = "ticketry_read_only"
GATE_TIMEOUT = 30.0  # as SQLite's busy_timeout below


def async_url(url: str) -> str:
    """Map the operator's URL (``postgresql://``, ``sqlite:///``) to the async driver's."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    else:
        raise ValueError(f"unsupported database: {backend} (use sqlite:/// or postgresql://)")
    return parsed.render_as_string(hide_password=False)


def is_sqlite_url(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def ensure_sqlite_dir(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the single writer; busy_timeout makes writers queue
    # instead of failing with "database is locked" under concurrent requests.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(conn: Any) -> None:
    # Take the write lock at BEGIN so read-then-write transactions cannot deadlock
    # into SQLITE_BUSY on upgrade; SQLite serialises writers anyway. Read-only sessions
    # (see create_sessionmaker) begin deferred: under WAL they never wait for the writer.
    if conn.get_execution_options().get(READ_ONLY):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class _GatedCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        if sql == "BEGIN IMMEDIATE":
            gate = self.connection
            assert isinstance(gate, WriteGatedConnection)
            gate.gate_acquire()
            try:
                return super().execute(sql, parameters)
            except BaseException:
                gate.gate_release()
                raise
        return super().execute(sql, parameters)


class WriteGatedConnection(sqlite3.Connection):
    """A SQLite connection whose write transactions queue on an OS file lock.

    SQLite has one writer; a writer that finds the database locked waits in SQLite's busy
    handler, which sleeps 1, 2, 5, … up to 100 ms between tries and wakes to find the lock
    taken again by a writer that never slept. Under 16 concurrent writers that made create
    p99 5–6 s. Every connection of every process (server workers, the worker, the CLI) takes
    an exclusive ``flock`` on ``<database>.write-gate`` before ``BEGIN IMMEDIATE`` and
    drops it at commit or rollback: a waiter tries again within a millisecond of the lock
    coming free, and SQLite's own lock is never contended. It waits in the connection's own
    thread (aiosqlite's), never on the event loop. Readers are not gated (WAL)."""

    gate_path: str = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._gate = os.open(self.gate_path, os.O_RDWR | os.O_CREAT, 0o600)
        self._held = False

    def cursor(self, factory: Any = _GatedCursor) -> Any:  # type: ignore[override]
        return super().cursor(factory)

    def gate_acquire(self) -> None:
        """Wait for the gate, trying again every 0.05–1 ms (not SQLite's 1–100 ms), for
        at most ``GATE_TIMEOUT`` seconds: a write waiting on a write of its own process
        (a bug) fails as "database is locked" instead of hanging."""
        if self._held:
            return
        deadline = time.monotonic() + GATE_TIMEOUT
        pause = 0.00005
        while True:
            try:
                fcntl.flock(self._gate, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._held = True
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise sqlite3.OperationalError("database is locked (write gate)") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.001)

    def gate_release(self) -> None:
        if self._held:
            fcntl.flock(self._gate, fcntl.LOCK_UN)
            self._held = False

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.gate_release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.gate_release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.gate_release()
            with contextlib.suppress(OSError):
                os.close(self._gate)


def _gated_factory(database: str) -> type[WriteGatedConnection]:
    return type("WriteGate", (WriteGatedConnection,), {"gate_path": f"{database}.write-gate"})


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    ensure_sqlite_dir(url)
    if is_sqlite_url(url):
        database = make_url(url).database
        memory = database in (None, "", ":memory:")
        engine = create_async_engine(
            async_url(url),
            poolclass=NullPool if memory else None,
            connect_args={} if memory else {"factory": _gated_factory(str(database))},
        )
        sync_engine = engine.sync_engine
        event.listen(sync_engine, "connect", _sqlite_pragmas)

        @event.listens_for(sync_engine, "connect")
        def _no_pysqlite_tx(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, decide when transactions begin.
            dbapi_connection.isolation_level = None

        event.listen(sync_engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        pool_recycle=1800,
    )


def create_sessionmaker(
    engine: AsyncEngine, *, read_only: bool = False, read_path: ReadPath | None = None
) -> async_sessionmaker[AsyncSession]:
    """``read_only`` sessions are for requests that only read (GET): on SQLite they do
    not take the write lock, so reads run beside each other and beside the writer. With a
    ``read_path``, the domain's readers go around the session (see ``readpath``)."""
    bind = engine.execution_options(**{READ_ONLY: True}) if read_only else engine
    info = {READ_PATH: read_path} if read_path is not None else None
    return async_sessionmaker(bind, expire_on_commit=False, autoflush=False, info=info)
