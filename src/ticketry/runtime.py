"""What every face, the web pages and the worker share at run time: settings, the engines,
the session factories, and the registries the program was assembled with. Built once per
process by ``assembly.runtime_build`` (for ``app.py``, ``cli.py`` and, through them, the
worker; tests build their own) and handed down; it names no face."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from litestar import Request
from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ticketry.credential_cache import CredentialCache
from ticketry.db import create_engine, unit_of_work
from ticketry.domain.accounts.throttle import SigninThrottle
from ticketry.domain.files.storage import FileStore, file_store_from_settings
from ticketry.domain.webhooks.flavours import Flavours
from ticketry.readpath import ReadPath
from ticketry.settings import Settings


class CounterBackend(Protocol):
    """Where request counts are kept (the database or Redis); ``api/common`` supplies them."""

    async def hit(self, key: str, window_start: int, period: int, limit: int) -> int: ...

    async def close(self) -> None: ...


class LookupCounter(Protocol):
    """The returns portal's order look-ups per client address (``web/portal/ratelimit``)."""

    def allow(self, address: str, account: str) -> bool: ...

    def reset(self) -> None: ...


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    # Webhook payload formats, each registered by its face (ticketry.registries).
    flavours: Flavours
    # For requests that only read (GET, HEAD); on SQLite they skip the write lock, on an
    # engine of their own (``read_engine``) whose connections run on threads.
    read_sessionmaker: async_sessionmaker[AsyncSession] | None = None
    read_engine: AsyncEngine | None = None
    # The domain readers' way around the session (None: they read through it).
    read_path: ReadPath | None = None
    # Who API tokens belong to, per process (None: looked up every time).
    credentials: CredentialCache | None = None
    # Failed sign-ins, per identity and address (None: made from the settings on first use).
    signin_throttle: SigninThrottle | None = None
    # Where uploaded files go (None: made from the settings on first use).
    file_store: FileStore | None = None
    # A small engine of its own for request bookkeeping (rate limits, idempotency keys), so
    # that it neither competes with handlers for connections nor shows among their queries
    # (None: made from the settings on first use).
    bookkeeping_engine: AsyncEngine | None = None
    # The rate limiter's counters (None: made from the settings on first use).
    counters: CounterBackend | None = None
    # The webhook worker's engine: a small pool of its own, so that deliveries and requests
    # never wait for each other's connections (None: made from the settings on first use).
    worker_engine: AsyncEngine | None = None
    # The returns portal's look-up limiter, counted per process (None: made on first use).
    portal_lookups: LookupCounter | None = None

    def files(self) -> FileStore:
        """The file store, made from the settings the first time it is asked for."""
        if self.file_store is None:
            self.file_store = file_store_from_settings(self.settings)
        return self.file_store

    def worker_db(self) -> AsyncEngine:
        """The worker's engine, made from the settings the first time it is asked for."""
        if self.worker_engine is None:
            self.worker_engine = create_engine(self.settings.database_url, pool_size=4)
        return self.worker_engine


async def provide_session(state: State) -> AsyncIterator[AsyncSession]:
    runtime: Runtime = state.runtime
    async with unit_of_work(runtime.sessionmaker()) as session:
        yield session


async def provide_session_read_only_get(
    state: State, request: Request
) -> AsyncIterator[AsyncSession]:
    """As ``provide_session``, but GET and HEAD get a read-only session: on SQLite their
    reads then run beside each other instead of queueing for the write lock. Only for
    faces whose GET handlers never write."""
    runtime: Runtime = state.runtime
    maker = runtime.sessionmaker
    if request.method in ("GET", "HEAD") and runtime.read_sessionmaker is not None:
        maker = runtime.read_sessionmaker
    async with unit_of_work(maker()) as session:
        yield session
