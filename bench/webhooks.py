"""Webhook delivery benchmark: one worker, a local receiver.

    python bench/webhooks.py [--db sqlite|postgres] [--events 2000] [--latency-events 300]

1. Throughput: ``--events`` tickets are created first (one ``ticket.created`` event each),
   then one worker starts; events/s = events delivered / time until the last arrives.
2. Latency: the worker runs while tickets are created at a steady rate; for each, the
   time from the commit of the write to the receiver's arrival (p50, p99).

The receiver is a minimal asyncio HTTP server on 127.0.0.1 in a thread of its own that
answers 200 at once. The worker uses the environment's settings (e.g.
``TICKETRY_WORKER_POLL_SECONDS``, ``TICKETRY_WORKER_CONCURRENCY``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import msgspec

import ticketry.domain.models  # noqa: F401
from ticketry import migrate
from ticketry.api.retino.webhook_events import RETINO
from ticketry.db import create_engine, create_sessionmaker
from ticketry.domain.accounts.services import account_get_or_create, user_get_or_create
from ticketry.domain.tickets.commands import CustomerData, TicketData
from ticketry.domain.tickets.services import ticket_create
from ticketry.domain.webhooks.services import subscription_create
from ticketry.settings import load_settings
from ticketry.worker.runner import Worker

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


class Receiver:
    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}  # ticket public id → monotonic arrival
        self.count = 0
        self.port = 0
        self.ready = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length)
                now = time.monotonic()
                ticket_id = msgspec.json.decode(body)["ticket"]["id"]
                self.arrivals.setdefault(ticket_id, now)
                self.count += 1
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def start(self) -> None:
        def run() -> None:
            self.loop = asyncio.new_event_loop()

            async def main() -> None:
                server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
                self.port = server.sockets[0].getsockname()[1]
                self.ready.set()
                async with server:
                    await server.serve_forever()

            self.loop.run_until_complete(main())

        threading.Thread(target=run, daemon=True).start()
        self.ready.wait(10)


def _pg_admin(sql: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    async def run() -> None:
        url = make_url(os.environ.get("TICKETRY_TEST_POSTGRES_URL", PG_DEFAULT))
        conn = await asyncpg.connect(
            user=url.username, password=url.password, host=url.host, port=url.port or 5432
        )
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def _database(kind: str, tmp: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'bench.sqlite3'}"
    from sqlalchemy.engine import make_url

    _pg_admin('DROP DATABASE IF EXISTS "ticketry_bench_webhooks" WITH (FORCE)')
    _pg_admin('CREATE DATABASE "ticketry_bench_webhooks"')
    base = make_url(os.environ.get("TICKETRY_TEST_POSTGRES_URL", PG_DEFAULT))
    return base.set(database="ticketry_bench_webhooks").render_as_string(hide_password=False)


def _data(i: int) -> TicketData:
    return TicketData(
        customer=CustomerData(name=f"Bench {i}", email=f"bench{i}@example.com", phone=""),
        currency="CZK",
        language="cs",
        channel="api",
    )


async def _until(check: Callable[[], bool], limit: float) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if check():
            return
        await asyncio.sleep(0.005)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def bench(url: str, events: int, latency_events: int, rate: float) -> None:
    receiver = Receiver()
    receiver.start()
    settings = replace(load_settings(), database_url=url, webhook_allow_private=True)
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        account, _ = await account_get_or_create(session, slug=f"bench-{uuid.uuid4().hex[:6]}")
        user, _ = await user_get_or_create(session, account=account, email="b@example.com")
        await session.commit()
        await subscription_create(
            session,
            account=account,
            url=f"http://127.0.0.1:{receiver.port}/hook",
            events=["ticket.created"],
            secret="bench",
            flavour=RETINO.name,
            allowed_events=RETINO.event_names,
            allow_private=True,
        )

    # 1. throughput from a backlog
    t0 = time.perf_counter()
    async with sessions() as session:
        for i in range(events):
            await ticket_create(session, account=account, actor=user, data=_data(i))
    written = time.perf_counter() - t0
    worker = Worker(settings)
    stop = asyncio.Event()
    started = time.perf_counter()
    task = asyncio.create_task(worker.run(stop))
    await _until(lambda: receiver.count >= events, 600)
    elapsed = time.perf_counter() - started
    print(f"database            {url.split(':', 1)[0]}")
    print(f"backlog written     {events} ticket.created events in {written:.1f} s")
    print(f"throughput          {events / elapsed:,.0f} events/s delivered by one worker")
    print(
        f"                    (concurrency {settings.worker_concurrency}, "
        f"poll {settings.worker_poll_seconds:g} s)"
    )

    # 2. commit-to-delivery latency while writing at a steady rate
    committed: dict[str, float] = {}
    async with sessions() as session:
        for i in range(latency_events):
            ticket = await ticket_create(session, account=account, actor=user, data=_data(i))
            committed[str(ticket.public_id)] = time.monotonic()
            await asyncio.sleep(1 / rate)
    await _until(lambda: all(t in receiver.arrivals for t in committed), 30)
    stop.set()
    await task
    await worker.close()
    await engine.dispose()
    latencies = [
        (receiver.arrivals[t] - c) * 1000 for t, c in committed.items() if t in receiver.arrivals
    ]
    print(
        f"latency             commit → delivery over {len(latencies)} events at {rate:g}/s: "
        f"p50 {statistics.median(latencies):.0f} ms, p99 {_pct(latencies, 0.99):.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--latency-events", type=int, default=300)
    parser.add_argument("--rate", type=float, default=50.0, help="writes/s in the latency run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = _database(args.db, Path(tmp))
        migrate.upgrade(url)
        try:
            asyncio.run(bench(url, args.events, args.latency_events, args.rate))
        finally:
            if args.db == "postgres":
                _pg_admin('DROP DATABASE IF EXISTS "ticketry_bench_webhooks" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
