"""The worker loop: fan out, claim, send, record; housekeeping now and then.

``ticketry worker`` runs it as a process; with the embedded SQLite database ``ticketry
serve`` runs it inside the server (one server process at a time holds a file lock and
runs it; the others stand by and take over if that process ends).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import IO

import httpx
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ticketry.db import create_engine, create_sessionmaker, is_sqlite_url
from ticketry.domain.requests.models import IdempotencyRecord, RateLimitCounter
from ticketry.domain.types import utcnow
from ticketry.settings import Settings
from ticketry.worker.deliver import claim, record, send
from ticketry.worker.fanout import fanout_pass

log = logging.getLogger("ticketry.worker")

HOUSEKEEPING_EVERY = 60.0


class Worker:
    def __init__(self, settings: Settings, engine: AsyncEngine | None = None) -> None:
        self.settings = settings
        self._own_engine = engine is None
        self.engine = engine or create_engine(settings.database_url, pool_size=4)
        self.sessions: async_sessionmaker[AsyncSession] = create_sessionmaker(self.engine)
        # SQLite: build payloads outside the write lock (see fanout_pass).
        self.read_sessions: async_sessionmaker[AsyncSession] | None = (
            create_sessionmaker(self.engine, read_only=True)
            if is_sqlite_url(settings.database_url)
            else None
        )
        self.client = httpx.AsyncClient(
            timeout=settings.webhook_timeout_seconds,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=max(settings.worker_concurrency, 1) * 2),
        )
        self._last_housekeeping = 0.0
        self.delivered = 0

    async def close(self) -> None:
        await self.client.aclose()
        if self._own_engine:
            await self.engine.dispose()

    async def fanout(self) -> int:
        async with self.sessions() as session:
            if self.read_sessions is None:
                handled, _ = await fanout_pass(session)
                return handled
            async with self.read_sessions() as reader:
                handled, _ = await fanout_pass(session, read_session=reader)
                return handled

    async def deliver(self) -> int:
        async with self.sessions() as session:
            items = await claim(
                session,
                limit=max(self.settings.worker_concurrency, 1),
                lease_seconds=self.settings.webhook_lease_seconds,
            )
        if items:
            outcomes = await asyncio.gather(*(send(self.client, i, self.settings) for i in items))
            async with self.sessions() as session:
                self.delivered += await record(
                    session, list(zip(items, outcomes, strict=True)), self.settings
                )
        return len(items)

    async def housekeeping(self) -> None:
        now = utcnow()
        async with self.sessions() as session:
            await session.execute(
                delete(IdempotencyRecord).where(IdempotencyRecord.expires_at < now)
            )
            await session.execute(
                delete(RateLimitCounter).where(RateLimitCounter.expires_at < int(now.timestamp()))
            )
            await session.commit()

    async def run_once(self) -> int:
        """One round; the number of events and deliveries handled (0 when idle)."""
        busy = await self.fanout()
        busy += await self.deliver()
        loop = asyncio.get_running_loop()
        if loop.time() - self._last_housekeeping > HOUSEKEEPING_EVERY:
            self._last_housekeeping = loop.time()
            await self.housekeeping()
        return busy

    async def run(self, stop: asyncio.Event) -> None:
        log.info("webhook worker started")
        while not stop.is_set():
            try:
                busy = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # a database hiccup must not end the worker
                log.exception("worker round failed")
                busy = 0
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.worker_poll_seconds)
        log.info("webhook worker stopped")


def _lock_path(settings: Settings) -> Path:
    if is_sqlite_url(settings.database_url):
        db = settings.database_url.split("///", 1)[-1]
        return Path(db + ".worker.lock")
    return settings.var_dir / "worker.lock"


def _try_lock(path: Path) -> IO[str] | None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a")  # noqa: SIM115  (held for the life of the worker)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


async def run_in_process(settings: Settings, stop: asyncio.Event) -> None:
    """The server's worker task: only the server process holding the lock runs it."""
    path = _lock_path(settings)
    while not stop.is_set():
        handle = _try_lock(path)
        if handle is not None:
            worker = Worker(settings)
            try:
                await worker.run(stop)
            finally:
                await worker.close()
                handle.close()
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 5.0)


__all__ = ["Worker", "run_in_process"]
