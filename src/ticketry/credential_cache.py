"""Who a credential belongs to, remembered per process (see domain/accounts/credentials.py).

A hit costs a dict lookup instead of a database round trip (token authentication was
0.68 ms of every request through the ORM). An entry is good while the credentials epoch has
not moved since it was made, and for at most ``TTL`` seconds. The epoch is watched with
``LISTEN`` on PostgreSQL (plus a slow poll in case the listening connection drops: until it
is back, nothing is cached) and by a poll every ``SQLITE_POLL`` seconds on SQLite, whose
writers all share this machine; a commit in this process invalidates at once.

It also records when a token was last used (``used``): at most once per ``TOUCH_EVERY``
per token and process, in a task and on a connection of its own beside the request, and
without moving the epoch (the time of use is not what a credential stands for), so reads
stay reads and caches stay warm.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import make_transient_to_detached

from ticketry.domain.accounts.credentials import CHANNEL, credentials_subscribe, epoch_select
from ticketry.domain.accounts.services import token_mark_used
from ticketry.domain.apikeys.services import api_key_mark_used
from ticketry.domain.types import utcnow
from ticketry.readpath import Read, ReadPath

log = logging.getLogger("ticketry.credentials")
T = TypeVar("T")

TTL = 60.0
SQLITE_POLL = 0.05
PG_POLL = 1.0
MAX_ENTRIES = 10_000
TOUCH_EVERY = 300.0  # seconds: "last used" is right to five minutes


class _Mark(Protocol):
    async def __call__(self, conn: AsyncConnection, *, key_hash: str, at: datetime) -> None: ...


# How each kind of kept credential records its last use (the prefix of its cache key).
_MARKS: dict[str, _Mark] = {"token": token_mark_used, "apikey": api_key_mark_used}


class CredentialCache:
    def __init__(
        self, database_url: str, read_path: ReadPath | None, engine: AsyncEngine | None = None
    ) -> None:
        self.url = database_url
        self.read_path = read_path
        self.engine = engine
        self._touched: dict[str, float] = {}
        self._touching: set[asyncio.Task[None]] = set()
        self.postgres = make_url(database_url).get_backend_name() == "postgresql"
        self._entries: dict[str, tuple[int, float, Any]] = {}
        self._generation = 0
        self._epoch: int | None = None
        self._listening = False
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        credentials_subscribe(self)

    @property
    def active(self) -> bool:
        """Whether entries may be trusted: the epoch is known and watched."""
        if self._task is None or self._epoch is None:
            return False
        return self._listening or not self.postgres

    def get(self, key: str) -> Any | None:
        if not self.active:
            return None
        entry = self._entries.get(key)
        if entry is None:
            return None
        generation, expires, value = entry
        if generation != self._generation or expires < time.monotonic():
            self._entries.pop(key, None)
            return None
        return value

    @property
    def generation(self) -> int:
        """Read before looking a credential up in the database, handed back to ``put``: an
        invalidation in between makes the entry stale at once."""
        return self._generation

    def put(self, key: str, value: Any, generation: int) -> None:
        if not self.active:
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = (generation, time.monotonic() + TTL, value)

    def invalidate(self, epoch: int | None = None) -> None:
        """Forget every entry; ``epoch``: the epoch a commit in this process just made (so
        the watcher does not take it for another process's change)."""
        self._generation += 1
        self._entries.clear()
        if epoch is not None and self._epoch is not None:
            self._epoch = max(self._epoch, epoch)

    # ---- watching the epoch ---------------------------------------------------------------

    async def start(self) -> None:
        if self.read_path is None or self._task is not None:
            return  # no read path (an in-memory database): nothing is cached
        self._task = asyncio.create_task(self._watch(), name="credential-epoch")

    # ---- when a token was last used -------------------------------------------------------

    def used(self, key: str) -> None:
        """The credential kept under ``key`` (``token:<hash>``: a Retino token,
        ``apikey:<hash>``: a Paymenter API key) was just used: record it, unless this
        process did within ``TOUCH_EVERY``. Cheap on the request's path (a dict lookup);
        the write runs as a task of its own."""
        if self.engine is None or self._stopping.is_set():
            return
        kind, _, key_hash = key.partition(":")
        mark = _MARKS.get(kind)
        if mark is None or not key_hash:
            return
        now = time.monotonic()
        last = self._touched.get(key)
        if last is not None and now - last < TOUCH_EVERY:
            return
        if len(self._touched) >= MAX_ENTRIES:
            self._touched.clear()
        self._touched[key] = now
        task = asyncio.create_task(self._touch(key, mark, key_hash), name="credential-last-used")
        self._touching.add(task)
        task.add_done_callback(self._touching.discard)

    async def _touch(self, key: str, mark: _Mark, key_hash: str) -> None:
        assert self.engine is not None
        try:
            async with self.engine.begin() as conn:  # a Core connection: no epoch bump
                await mark(conn, key_hash=key_hash, at=utcnow())
        except Exception:  # a missed "last used" is not worth failing anything for
            self._touched.pop(key, None)
            log.warning("could not record a credential's last use", exc_info=True)

    async def touched(self) -> None:
        """Wait for the writes of ``used`` in flight (shutdown, tests)."""
        if self._touching:
            await asyncio.gather(*self._touching, return_exceptions=True)

    async def stop(self) -> None:
        await self.touched()
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def _read_epoch(self) -> int:
        assert self.read_path is not None
        read = Read(key="credential_epoch", build=lambda _: epoch_select(), params={})
        (value,) = await self.read_path.run(
            [(_prepared(read, self.postgres), read)], observed=False
        )
        return int(value or 0)

    def _seen(self, epoch: int) -> None:
        """The epoch as read from the database: newer than known means another process
        changed credentials (a read that began before this process's own commit may come
        back older: epochs only grow)."""
        if self._epoch is None or epoch > self._epoch:
            self.invalidate()
            self._epoch = epoch

    async def _watch(self) -> None:
        listener = None
        try:
            while not self._stopping.is_set():
                try:
                    if self.postgres and listener is None:
                        listener = await self._listen()
                    self._seen(await self._read_epoch())
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.warning("credential epoch unreadable; not caching", exc_info=True)
                    self._epoch = None
                    self._listening = False
                    await _close(listener)
                    listener = None
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(
                        self._wake.wait(), PG_POLL if self.postgres else SQLITE_POLL
                    )
                self._wake.clear()
        finally:
            await _close(listener)

    async def _listen(self) -> Any:
        import asyncpg

        url = make_url(self.url)
        conn = await asyncpg.connect(
            user=url.username,
            password=url.password,
            host=url.host or "127.0.0.1",
            port=url.port or 5432,
            database=url.database,
        )

        def lost(_conn: Any) -> None:
            self._listening = False
            self._epoch = None

        def notified(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
            epoch = int(payload) if payload.isdigit() else None
            if epoch is not None and self._epoch is not None and epoch <= self._epoch:
                return  # this process's own commit, already acted on
            self.invalidate()
            self._wake.set()  # read the new epoch now

        conn.add_termination_listener(lost)
        await conn.add_listener(CHANNEL, notified)
        self._listening = True
        return conn


async def _close(conn: Any) -> None:
    if conn is not None:
        with contextlib.suppress(Exception):
            await conn.close()


def snapshot(obj: Any) -> dict[str, Any]:
    """A loaded ORM object's column values, to keep between requests."""
    return {attr.key: getattr(obj, attr.key) for attr in inspect(obj).mapper.column_attrs}


def detached(model: type[T], values: dict[str, Any]) -> T:
    """A request's own copy of a kept object: detached, as if just loaded and the session
    closed (so each request may attach or change its copy without touching another's)."""
    copied = {
        k: list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v
        for k, v in values.items()
    }
    obj = model(**copied)
    make_transient_to_detached(obj)
    return obj


def _prepared(read: Read, postgres: bool) -> Any:
    from sqlalchemy.dialects import postgresql, sqlite

    from ticketry.readpath import STATEMENTS

    dialect = postgresql.asyncpg.dialect() if postgres else sqlite.dialect()
    return STATEMENTS.get(read, dialect)
