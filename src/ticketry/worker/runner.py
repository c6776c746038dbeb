"""The worker: fan out, claim, send, record; housekeeping now and then.

``ticketry worker`` runs it as a process; with the embedded SQLite database ``ticketry
serve`` runs it inside the server (one server process at a time holds a file lock and
runs it; the others stand by and take over if that process ends).

``run`` keeps up to ``worker_concurrency`` POSTs in flight on pooled keep-alive HTTP
clients (``deliver.Clients``). Three loops share the process:

- fan-out: turns new events into deliveries (``fanout.py``), hands them to the schedule
  and wakes the delivery loop; it polls every ``worker_poll_seconds``, and every
  ``BUSY_POLL_SECONDS`` while events keep coming;
- delivery: each *tick* is one short transaction that records every attempt finished
  since the last tick and claims deliveries for the free slots (``record.py``,
  ``claim.py``); the claimed ones are sent at once, each in a task of its own, and the
  loop ticks again as soon as one finishes (waiting up to ``GATHER_SECONDS`` for more), so
  the busier the worker, the bigger its batches;
- housekeeping: expired idempotency records and rate-limit windows, the fan-out cursor.

On SQLite the worker's own write transactions take turns on an asyncio lock (SQLite has
one writer; waiting on its busy timeout would sleep in coarse steps), and everything that
only looks for work (fan-out candidates, payloads, the schedule) is read without the
write lock. On stop, the requests in flight get ``shutdown_grace_seconds`` to finish and
are recorded; those still waiting then are cut short and their deliveries handed back (due
at once, for any worker), so that no lease outlives the worker.

``run_once`` is one whole round (fan out, claim, send, wait, record), for ``ticketry
worker --once`` and the tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import logging
import math
import os
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ticketry.db import create_sessionmaker, is_sqlite_url
from ticketry.domain.requests.models import IdempotencyRecord, RateLimitCounter
from ticketry.domain.types import utcnow
from ticketry.domain.webhooks.flavours import Flavours
from ticketry.runtime import Runtime
from ticketry.settings import Settings
from ticketry.worker.claim import Due, Schedule, claim, due_in_order
from ticketry.worker.deliver import Claimed, Clients, Outcome, Resolver, send
from ticketry.worker.fanout import Horizon, cursor_advance, fanout_pass
from ticketry.worker.record import record, release

log = logging.getLogger("ticketry.worker")

HOUSEKEEPING_EVERY = 60.0
SCHEDULE_SLOTS = 4  # deliveries read into the schedule per slot
GATHER_SECONDS = 0.005  # how long a tick may wait for more attempts to finish
BUSY_SECONDS = 1.0  # for this long after the last new event …
BUSY_POLL_SECONDS = 0.02  # … fan-out looks for the next one this often


class Worker:
    """Handed the process's runtime (built by ``app.py`` or ``cli.py``): its settings, the
    payload formats the faces registered, and its worker engine (a pool of its own, which
    the runtime's owner disposes of)."""

    def __init__(self, runtime: Runtime) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.settings = settings
        self.flavours: Flavours = runtime.flavours
        self.concurrency = max(settings.worker_concurrency, 1)
        self.per_subscription = max(settings.webhook_subscription_concurrency, 1)
        self.engine: AsyncEngine = runtime.worker_db()
        self.sessions: async_sessionmaker[AsyncSession] = create_sessionmaker(self.engine)
        sqlite = is_sqlite_url(settings.database_url)
        # SQLite: build payloads and look for work outside the write lock.
        self.read_sessions: async_sessionmaker[AsyncSession] | None = (
            create_sessionmaker(self.engine, read_only=True) if sqlite else None
        )
        self._write_lock: asyncio.Lock | None = asyncio.Lock() if sqlite else None
        self.clients = Clients(
            concurrency=self.concurrency, timeout=settings.webhook_timeout_seconds
        )
        self.resolver = Resolver(allow_private=settings.webhook_allow_private)
        self.horizon = Horizon()
        self.schedule = Schedule(
            per_subscription=self.per_subscription,
            size=SCHEDULE_SLOTS * self.concurrency,
            max_age=settings.worker_poll_seconds,
        )
        self._sending: dict[int, asyncio.Task[None]] = {}  # delivery id → its POST
        self._leased: Counter[int] = Counter()  # subscription → claimed, not yet recorded
        self._finished: list[tuple[Claimed, Outcome]] = []
        self._cut: list[Claimed] = []  # sends cancelled before an answer: to hand back
        self._wake = asyncio.Event()
        self._last_housekeeping = 0.0
        self.delivered = 0
        self.stats: Counter[str] = Counter()  # ticks, attempts, claims, schedule reads

    async def close(self) -> None:
        try:
            await self._cut_short()
        except Exception:  # the leases then run out; another round sends them again
            log.exception("handing back unsent deliveries failed")
        await self.clients.aclose()

    @contextlib.asynccontextmanager
    async def _writing(self) -> AsyncIterator[None]:
        if self._write_lock is None:
            yield
            return
        async with self._write_lock:
            yield

    # ---- the pieces -------------------------------------------------------------------

    async def fanout(self) -> int:
        """One fan-out pass; the number of events handled."""
        async with self.sessions() as session:
            if self.read_sessions is None:
                fanned = await fanout_pass(session, flavours=self.flavours, horizon=self.horizon)
            else:
                async with self.read_sessions() as reader:
                    fanned = await fanout_pass(
                        session,
                        flavours=self.flavours,
                        read_session=reader,
                        horizon=self.horizon,
                        write_lock=self._write_lock,
                    )
        self.stats.update(**{"fan-out passes": 1, "events": fanned.events})
        if fanned.deliveries:
            # Due now, and most likely claimable: no need to read the schedule for them.
            self.schedule.add([Due(i, sub) for i, sub in fanned.deliveries])
            self._wake.set()
        return fanned.events

    async def tick(self, *, claiming: bool = True) -> int:
        """Record the attempts finished so far and claim deliveries for the free slots, in
        one transaction; start sending what was claimed. Returns recorded + claimed."""
        finished, self._finished = self._finished, []
        picked: list[int] = []
        free = self.concurrency - len(self._sending)
        if claiming and free > 0:
            # This worker's leases once ``finished`` is recorded (in this transaction).
            own = self._leased - Counter(item.subscription_id for item, _ in finished)
            if self.schedule.wants_read(own, time.monotonic()):
                async with (self.read_sessions or self.sessions)() as session:
                    dues, busy = await due_in_order(session, limit=self.schedule.size)
                # ``busy`` counts this worker's leases as they are in the database.
                self.schedule.replace(dues, busy, self._leased, time.monotonic())
                self.stats["schedule reads"] += 1
            picked = self.schedule.pick(free, own)
        if not finished and not picked:
            return 0
        try:
            async with self._writing(), self.sessions() as session:
                delivered = await record(session, finished, self.settings)
                items = await claim(
                    session, ids=picked, lease_seconds=self.settings.webhook_lease_seconds
                )
                await session.commit()
        except BaseException:
            self._finished[:0] = finished  # recorded by the next tick
            self.schedule.changed()
            raise
        self._leased.subtract(item.subscription_id for item, _ in finished)
        self._leased.update(item.subscription_id for item in items)
        self._leased = +self._leased  # drop zeros
        self.delivered += delivered
        self.stats.update(ticks=1, attempts=len(finished), claimed=len(items))
        if len(items) < len(picked) or any(item.waited_for for item, _ in finished):
            self.schedule.changed()
        for item in items:
            task = asyncio.create_task(self._send(item))
            self._sending[item.id] = task
            task.add_done_callback(functools.partial(self._forget, item.id))
        return len(finished) + len(items)

    def _forget(self, delivery_id: int, _task: asyncio.Task[None]) -> None:
        self._sending.pop(delivery_id, None)  # also when a send was cancelled

    async def _send(self, item: Claimed) -> None:
        try:
            async with self.clients.client(item.url) as client:
                outcome = await send(
                    client, item, self.settings, self.resolver, flavours=self.flavours
                )
        except asyncio.CancelledError:
            self._sending.pop(item.id, None)
            self._cut.append(item)
            raise
        except Exception as exc:  # a bug must not leave the delivery claimed until its lease ends
            log.exception("sending delivery %s failed", item.public_id)
            outcome = Outcome(None, 0, "", f"{type(exc).__name__}: {exc}"[:500])
        self._sending.pop(item.id, None)
        self._finished.append((item, outcome))
        self._wake.set()

    async def drain(self, grace: float | None = None) -> None:
        """Wait for the requests in flight (at most ``grace`` seconds, then cut the rest
        short and hand their deliveries back) and record them."""
        loop = asyncio.get_running_loop()
        deadline = None if grace is None else loop.time() + grace
        while self._sending:
            sending = list(self._sending.values())
            if deadline is None:
                await asyncio.gather(*sending, return_exceptions=True)
            elif (left := deadline - loop.time()) > 0:
                await asyncio.wait(sending, timeout=left)
            else:
                break
        await self._cut_short()
        await self.tick(claiming=False)

    async def _cut_short(self) -> None:
        """Cancel the sends in flight and hand their deliveries back, in one transaction."""
        sending = list(self._sending.values())
        for task in sending:
            task.cancel()
        await asyncio.gather(*sending, return_exceptions=True)
        cut, self._cut = self._cut, []
        if not cut:
            return
        try:
            async with self._writing(), self.sessions() as session:
                await release(session, cut)
                await session.commit()
        except BaseException:
            self._cut[:0] = cut
            raise
        self._leased.subtract(item.subscription_id for item in cut)
        self._leased = +self._leased
        log.info("handed back %d deliveries cut short", len(cut))

    async def housekeeping(self) -> None:
        now = utcnow()
        async with self._writing(), self.sessions() as session:
            await session.execute(
                delete(IdempotencyRecord).where(IdempotencyRecord.expires_at < now)
            )
            await session.execute(
                delete(RateLimitCounter).where(RateLimitCounter.expires_at < int(now.timestamp()))
            )
            await cursor_advance(session, self.horizon)
            await session.commit()

    async def _housekeeping_due(self) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() - self._last_housekeeping > HOUSEKEEPING_EVERY:
            self._last_housekeeping = loop.time()
            await self.housekeeping()

    # ---- running ----------------------------------------------------------------------

    async def run_once(self) -> int:
        """One whole round: fan out, claim, send, wait for the answers, record them. The
        number of events and deliveries handled (0 when idle)."""
        busy = await self.fanout()
        busy += await self.tick()
        await self.drain()
        await self._housekeeping_due()
        return busy

    async def run(self, stop: asyncio.Event) -> None:
        log.info("webhook worker started")
        loops = [
            asyncio.create_task(self._fanout_loop(stop)),
            asyncio.create_task(self._deliver_loop(stop)),
            asyncio.create_task(self._housekeeping_loop(stop)),
        ]
        stopping = asyncio.create_task(stop.wait())
        try:
            done, _ = await asyncio.wait([stopping, *loops], return_when=asyncio.FIRST_COMPLETED)
            for task in done - {stopping}:
                task.result()  # a loop that ended early raises its error here
            self._wake.set()
            await asyncio.gather(*loops)
            await self.drain(self.settings.shutdown_grace_seconds)
        finally:
            for task in [stopping, *loops]:
                task.cancel()
            await asyncio.gather(stopping, *loops, return_exceptions=True)
        log.info(
            "webhook worker stopped: %s",
            ", ".join(f"{v} {k}" for k, v in sorted(self.stats.items())),
        )

    async def _pause(self, stop: asyncio.Event, seconds: float, *, wake: bool = False) -> bool:
        """Wait up to ``seconds`` for ``stop`` (or, with ``wake``, for a send to finish or
        new deliveries); False when the time ran out."""
        event = self._wake if wake else stop
        if stop.is_set():
            return True
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await event.wait()
            return True
        return False

    async def _fanout_loop(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        poll = self.settings.worker_poll_seconds
        last_event = -math.inf
        while not stop.is_set():
            before = self.horizon.seen
            try:
                handled = await self.fanout()
            except asyncio.CancelledError:
                raise
            except Exception:  # a database hiccup must not end the worker
                log.exception("fan-out failed")
                handled = 0
            if handled or self.horizon.seen != before:
                last_event = loop.time()
                continue
            # While events are coming in, look again sooner (a read; no write lock).
            busy = loop.time() - last_event < BUSY_SECONDS
            await self._pause(stop, min(poll, BUSY_POLL_SECONDS) if busy else poll)

    async def _deliver_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wake.clear()
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delivery round failed")
                await self._pause(stop, self.settings.worker_poll_seconds)
            if not self._finished:
                await self._pause(stop, self.settings.worker_poll_seconds, wake=True)
            await self._gather(stop)

    async def _gather(self, stop: asyncio.Event) -> None:
        """Give the requests in flight a moment (``GATHER_SECONDS``) to finish, until half
        of them have, so one tick records many: a tick costs the same few statements for
        one attempt or fifty."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + GATHER_SECONDS
        while (
            self._finished
            and len(self._finished) < len(self._sending)
            and not stop.is_set()
            and loop.time() < deadline
        ):
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(deadline - loop.time()):
                    await self._wake.wait()

    async def _housekeeping_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self._housekeeping_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("housekeeping failed")
            await self._pause(stop, 1.0)


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


async def run_in_process(runtime: Runtime, stop: asyncio.Event) -> None:
    """The server's worker task: only the server process holding the lock runs it."""
    path = _lock_path(runtime.settings)
    while not stop.is_set():
        handle = _try_lock(path)
        if handle is not None:
            worker = Worker(runtime)
            try:
                await worker.run(stop)
            finally:
                await worker.close()
                handle.close()
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 5.0)


__all__ = ["Worker", "run_in_process"]
