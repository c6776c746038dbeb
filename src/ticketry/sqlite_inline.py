"""SQLite for the ORM's write sessions, called on the event loop's own thread.

aiosqlite runs each call (cursor, execute, fetch, close, commit) in a thread of its own and
hands the result back through the event loop: a ticket create, ~15 statements, made ~50 such
round trips, each a thread wake-up and a GIL hand-over, and each waited behind whatever
else the loop had queued; a write transaction, which holds SQLite's one write lock, was
stretched by all of them. A SQLite statement of a write is tens of microseconds of work on
a local file: cheaper to do than to hand over. This connection is the shape of an aiosqlite
connection (what SQLAlchemy's aiosqlite dialect calls) whose coroutines do the work
directly and never suspend.

Only write sessions use it (``db.create_engine``): reads of any size go to the read path's
thread pool (``readpath``) or to read-only sessions on aiosqlite, so the loop is blocked
only by the short statements of a write, and by a wait for another process's write
transaction (``sqlite_gate``), itself a few milliseconds.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any


class _Immediately:
    """aiosqlite's work queue, as SQLAlchemy's dialect uses it (to set the isolation level):
    the function runs at once and settles the future."""

    def put_nowait(self, item: tuple[Any, Any]) -> None:
        future, function = item
        try:
            result = function()
        except Exception as error:
            if future is not None:
                future.set_exception(error)
        else:
            if future is not None:
                future.set_result(result)


class InlineCursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_exc: Any) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = None) -> InlineCursor:
        self._cursor.execute(sql, () if parameters is None else parameters)
        return self

    async def executemany(self, sql: str, parameters: Any) -> InlineCursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> Sequence[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """What SQLAlchemy's aiosqlite dialect needs of an aiosqlite connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._connection: sqlite3.Connection | None = conn
        self._tx = _Immediately()

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Any = None) -> InlineCursor:
        return await self.cursor().execute(sql, parameters)

    async def executemany(self, sql: str, parameters: Any) -> InlineCursor:
        return await self.cursor().executemany(sql, parameters)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()


def inline_creator(database: str, **connect_args: Any) -> Any:
    """``create_async_engine(async_creator=…)`` for ``database``."""

    async def connect() -> InlineConnection:
        return InlineConnection(sqlite3.connect(database, check_same_thread=False, **connect_args))

    return connect
