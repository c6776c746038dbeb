"""Webhook delivery benchmark: one ``ticketry worker`` process, a local receiver.

    python bench/webhooks.py [--db sqlite|postgres] [--events 3000] [--latency-events 300]

1. Throughput: ``--events`` tickets are created first (one ``ticket.created`` event each,
   committed in chunks), then one worker process starts; deliveries/s = deliveries / time
   from the worker's "started" log line until the last one arrives (process start-up and
   imports excluded; fan-out, claiming, sending and recording included).
2. Latency: with the worker running, tickets are created one at a time at ``--rate`` per
   second; for each, the time from the commit of the write to the receiver's arrival
   (p50, p99).

The worker's CPU time per delivery (user + system, from /proc) is printed too: on a shared
machine it varies less than wall-clock figures. The receiver is a minimal asyncio HTTP/1.1
server on 127.0.0.1 in a thread of this process that answers 200 at once. The worker uses
the environment's settings (e.g. ``TICKETRY_WORKER_CONCURRENCY``); the PostgreSQL database
is ``ticketry_bench_webhooks``, dropped and created.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
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

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "ticketry_bench_webhooks"
CHUNK = 100  # backlog tickets per transaction


class Receiver:
    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}  # ticket public id → monotonic first arrival
        self.count = 0
        self.last = 0.0
        self.port = 0
        self.ready = threading.Event()

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
                self.last = now
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def start(self) -> None:
        def run() -> None:
            loop = asyncio.new_event_loop()

            async def main() -> None:
                server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
                self.port = server.sockets[0].getsockname()[1]
                self.ready.set()
                async with server:
                    await server.serve_forever()

            loop.run_until_complete(main())

        threading.Thread(target=run, daemon=True).start()
        self.ready.wait(10)


class WorkerProcess:
    """``python -m ticketry.cli worker`` with this interpreter and environment."""

    def __init__(self, url: str) -> None:
        env = {**os.environ, "TICKETRY_DATABASE_URL": url, "TICKETRY_WEBHOOK_ALLOW_PRIVATE": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ticketry.cli", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.started = threading.Event()
        self.log: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.log.append(line.rstrip())
            if "webhook worker started" in line:
                self.started.set()

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process so far (Linux)."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self._reader.join(5)  # the last log lines


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

    _pg_admin(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    _pg_admin(f'CREATE DATABASE "{BENCH_DB}"')
    base = make_url(os.environ.get("TICKETRY_TEST_POSTGRES_URL", PG_DEFAULT))
    return base.set(database=BENCH_DB).render_as_string(hide_password=False)


def _data(i: int) -> TicketData:
    return TicketData(
        customer=CustomerData(name=f"Bench {i}", email=f"bench{i}@example.com", phone=""),
        currency="CZK",
        language="cs",
        channel="api",
    )


async def _until(check: Callable[[], bool], limit: float) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(0.005)
    return check()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def bench(url: str, events: int, latency_events: int, rate: float) -> None:
    receiver = Receiver()
    receiver.start()
    settings = load_settings()
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
        await session.commit()

    # 1. throughput from a backlog
    t0 = time.perf_counter()
    async with sessions() as session:
        for i in range(events):
            await ticket_create(session, account=account, actor=user, data=_data(i))
            if (i + 1) % CHUNK == 0 or i + 1 == events:
                await session.commit()
    written = time.perf_counter() - t0
    worker = WorkerProcess(url)
    try:
        if not worker.started.wait(60):
            raise SystemExit("the worker did not start:\n" + "\n".join(worker.log[-20:]))
        started = time.monotonic()
        cpu0 = worker.cpu_seconds()
        if not await _until(lambda: receiver.count >= events, 600):
            raise SystemExit(f"only {receiver.count} of {events} deliveries arrived")
        elapsed = receiver.last - started
        cpu = worker.cpu_seconds() - cpu0
        print(f"database            {url.split(':', 1)[0]}")
        print(f"backlog written     {events} ticket.created events in {written:.1f} s")
        print(
            f"throughput          {events / elapsed:,.0f} deliveries/s by one worker process "
            f"({elapsed:.1f} s), worker CPU {cpu / events * 1000:.2f} ms per delivery"
        )
        print(
            f"                    (concurrency {settings.worker_concurrency}, "
            f"poll {settings.worker_poll_seconds:g} s)"
        )

        # 2. commit-to-delivery latency while writing at a steady rate
        committed: dict[str, float] = {}
        cpu0, count0 = worker.cpu_seconds(), receiver.count
        begin = time.monotonic()
        async with sessions() as session:
            for i in range(latency_events):
                ticket = await ticket_create(session, account=account, actor=user, data=_data(i))
                await session.commit()
                committed[str(ticket.public_id)] = time.monotonic()
                await asyncio.sleep(max(0.0, begin + (i + 1) / rate - time.monotonic()))
        await _until(lambda: all(t in receiver.arrivals for t in committed), 30)
        cpu = worker.cpu_seconds() - cpu0
        delivered = receiver.count - count0
    finally:
        worker.stop()
    await engine.dispose()
    latencies = [
        (receiver.arrivals[t] - c) * 1000 for t, c in committed.items() if t in receiver.arrivals
    ]
    print(
        f"latency             commit → delivery over {len(latencies)} events at {rate:g}/s: "
        f"p50 {statistics.median(latencies):.0f} ms, p99 {_pct(latencies, 0.99):.0f} ms "
        f"(worker CPU {cpu / max(delivered, 1) * 1000:.2f} ms per delivery)"
    )
    if len(latencies) < len(committed):
        print(f"                    {len(committed) - len(latencies)} events never arrived")
    for line in worker.log:
        if "worker stopped" in line:
            print(f"worker              {line.split('worker stopped', 1)[1].strip(': ')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--events", type=int, default=3000)
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
                _pg_admin(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
