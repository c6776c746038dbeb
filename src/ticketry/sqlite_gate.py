"""One SQLite writer at a time, queued instead of polled.

SQLite has one writer. A writer that finds the database locked waits in SQLite's busy
handler, which sleeps 1, 2, 5, … up to 100 ms between tries and keeps finding the lock
taken by writers that never slept: under 16 concurrent writers, create p99 was 5–6 s.
Writers now queue in two places, neither of which polls:

- **in the process**, on an ``asyncio.Lock`` per database and event loop, awaited when a
  write transaction begins (SQLAlchemy's ``begin`` event runs inside the async bridge, so it
  can await) and released when it commits or rolls back. A write that waits longer than
  ``GATE_TIMEOUT`` fails as "database is locked", as SQLite's own timeout would.
- **between processes** (server workers, the webhook worker, the CLI), on an exclusive
  ``flock`` of ``<database>.write-gate``, waited for in a thread just before ``BEGIN
  IMMEDIATE`` and dropped after ``COMMIT`` or ``ROLLBACK``. The kernel wakes the next
  waiter when it is free. Only the one writer a process lets through waits there, so it
  cannot wait on its own process.

Readers are not gated (WAL), nor read-only sessions (``BEGIN`` deferred).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import sqlite3
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.util import await_only

GATE_TIMEOUT = 30.0  # as the connections' busy_timeout
_HELD = "ticketry_write_gate"

_locks: dict[tuple[str, int], asyncio.Lock] = {}


def _lock(database: str) -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    key = (database, id(loop))
    lock = _locks.get(key)
    if lock is None or getattr(lock, "_ticketry_loop", None) is not loop:
        lock = asyncio.Lock()
        lock._ticketry_loop = loop  # type: ignore[attr-defined]
        _locks[key] = lock
    return lock


async def _acquire(lock: asyncio.Lock) -> None:
    try:
        await asyncio.wait_for(lock.acquire(), GATE_TIMEOUT)
    except TimeoutError:
        raise sqlite3.OperationalError("database is locked (write gate)") from None


class _GatedCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        if sql == "BEGIN IMMEDIATE":
            conn = self.connection
            assert isinstance(conn, WriteGatedConnection)
            conn.flock()
            try:
                return super().execute(sql, parameters)
            except BaseException:
                conn.unflock()
                raise
        return super().execute(sql, parameters)


class WriteGatedConnection(sqlite3.Connection):
    """A ``sqlite3`` connection that holds ``<database>.write-gate`` while it writes."""

    gate_path: str = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._gate = os.open(self.gate_path, os.O_RDWR | os.O_CREAT, 0o600)
        self._held = False

    def cursor(self, factory: Any = _GatedCursor) -> Any:  # type: ignore[override]
        return super().cursor(factory)

    def flock(self) -> None:
        if not self._held:
            fcntl.flock(self._gate, fcntl.LOCK_EX)
            self._held = True

    def try_flock(self) -> bool:
        """Take the lock if it is free; never wait."""
        if not self._held:
            try:
                fcntl.flock(self._gate, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            self._held = True
        return True

    def unflock(self) -> None:
        if self._held:
            fcntl.flock(self._gate, fcntl.LOCK_UN)
            self._held = False

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.unflock()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.unflock()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.unflock()
            with contextlib.suppress(OSError):
                os.close(self._gate)


def connection_factory(database: str) -> type[WriteGatedConnection]:
    return type("WriteGate", (WriteGatedConnection,), {"gate_path": f"{database}.write-gate"})


def gate_writers(sync_engine: Engine, database: str, *, read_only_option: str) -> None:
    """Begin the engine's write transactions through the gate (and read-only ones plainly)."""

    @event.listens_for(sync_engine, "begin")
    def _begin(conn: Any) -> None:
        if conn.get_execution_options().get(read_only_option):
            conn.exec_driver_sql("BEGIN")
            return
        lock = _lock(database)
        await_only(_acquire(lock))
        conn.info[_HELD] = lock
        try:
            # Wait for other processes' writers in a thread, not on the event loop (write
            # sessions run their statements on the loop's thread: ``sqlite_inline``). A free
            # lock is taken at once: the hop to a thread and back held this process's other
            # writers for as long as the loop took to notice, often longer than the write.
            raw = getattr(conn.connection.driver_connection, "_conn", None)
            if isinstance(raw, WriteGatedConnection) and not raw.try_flock():
                await_only(asyncio.to_thread(raw.flock))
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(conn.info)
            raise

    @event.listens_for(sync_engine, "commit")
    @event.listens_for(sync_engine, "rollback")
    def _end(conn: Any) -> None:
        # Fired just before the driver's COMMIT/ROLLBACK: the next writer of this process
        # goes on to wait for the file lock, which this connection drops right after it.
        _release(conn.info)

    @event.listens_for(sync_engine.pool, "checkin")
    def _returned(_dbapi: Any, record: Any) -> None:
        _release(record.info)  # a transaction that ended without either event


def _release(info: dict[str, Any]) -> None:
    lock = info.pop(_HELD, None)
    if lock is not None and lock.locked():
        lock.release()
