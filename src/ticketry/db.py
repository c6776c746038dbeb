"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
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

from ticketry.readpath import READ_PATH, WROTE, ReadPath
from ticketry.sqlite_gate import connection_factory, gate_writers
from ticketry.sqlite_inline import inline_creator

READ_ONLY = "ticketry_read_only"


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


def create_engine(url: str, *, pool_size: int = 10, threaded: bool = False) -> AsyncEngine:
    """The engine for ``url``. On SQLite its connections run on the event loop's thread
    (``sqlite_inline``: a write's statements are cheaper to run than to hand to a thread),
    unless ``threaded`` (aiosqlite: for read-only sessions, whose reads may be long)."""
    ensure_sqlite_dir(url)
    if is_sqlite_url(url):
        database = make_url(url).database
        memory = database in (None, "", ":memory:")
        connect_args: dict[str, Any] = {}
        if not memory:
            connect_args["factory"] = connection_factory(str(database))
        extra: dict[str, Any] = {}
        if not threaded and not memory:
            extra["async_creator"] = inline_creator(str(database), **connect_args)
        if not memory:
            # Every connection keeps a page cache of its own (~2 MiB once warm), so pooled
            # connections are memory. Writers go one at a time per process (the write gate)
            # and do not hand their connection to another thread: a few suffice. Read-only
            # sessions wait for nothing under WAL: ``pool_size`` at most.
            size = min(pool_size, 4) if threaded else 2
            extra.update(pool_size=size, max_overflow=size)
        engine = create_async_engine(
            async_url(url),
            poolclass=NullPool if memory else None,
            connect_args=connect_args,
            **extra,
        )
        sync_engine = engine.sync_engine
        event.listen(sync_engine, "connect", _sqlite_pragmas)

        @event.listens_for(sync_engine, "connect")
        def _no_pysqlite_tx(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, decide when transactions begin.
            dbapi_connection.isolation_level = None

        # Writers begin IMMEDIATE (the write lock at BEGIN: read-then-write transactions
        # cannot deadlock into SQLITE_BUSY on upgrade), queued by the write gate; read-only
        # sessions (see create_sessionmaker) begin deferred and never wait under WAL.
        gate_writers(sync_engine, str(database), read_only_option=READ_ONLY)
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


@contextlib.asynccontextmanager
async def unit_of_work(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """A request, a CLI command or a job is the unit of work: what it wrote is committed
    when it ends well and rolled back when it raises. For a request (the faces' session
    dependencies in ``runtime.py``) "ends well" is once the response is built, before a
    byte of it is sent, so a failed commit is still the answer. Services never commit;
    work that must wait for the outcome hangs on the session's ``info`` and its commit and
    rollback events (as stored files do: ``domain/files/services.py``)."""
    try:
        yield session
    except BaseException:
        await session.rollback()
        raise
    else:
        if session.in_transaction() and (
            session.info.get(WROTE) or session.new or session.dirty or session.deleted
        ):
            await session.commit()
    finally:
        await session.close()
