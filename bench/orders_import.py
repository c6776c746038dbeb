"""Import N orders through ``POST /api/v2/orders/bulk`` against a real server.

Not a test: a load run that prints throughput and latency. It starts ``ticketry serve`` on a
free port against a fresh database (a new SQLite file, or a new PostgreSQL database that is
dropped afterwards), makes an account, a token and a store id with the CLI, then sends the
orders in batches of 100 from several concurrent clients. With ``--reimport`` the orders
are then sent twice more, each time timed apart: the same orders again (every order
updated, its items unchanged), then with every product's amount changed (every order
updated, its items replaced).

    .venv/bin/python bench/orders_import.py --orders 5000
    .venv/bin/python bench/orders_import.py --db postgres --orders 100000 --clients 8 --reimport
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

PG_URL = os.environ.get(
    "TICKETRY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
ACCOUNT = "bench"
STORE = "main-shop"
# Not ``ticketry_bench``: bench/run.py owns that name, and both may run on one server.
PG_DATABASE = "ticketry_bench_orders"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "ticketry.cli", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def _pg_admin(sql: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    async def run() -> None:
        url = make_url(PG_URL)
        conn = await asyncpg.connect(
            user=url.username,
            password=url.password,
            host=url.host or "127.0.0.1",
            port=url.port or 5432,
            database=url.database or "postgres",
        )
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@contextmanager
def fresh_database(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'bench.sqlite3'}"
        return
    from sqlalchemy.engine import make_url

    name = PG_DATABASE
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def order(rng: random.Random, n: int) -> dict[str, Any]:
    items = []
    total = 0
    for _ in range(rng.randint(1, 4)):
        price = rng.randint(100, 50_000)
        total += price
        items.append(
            {
                "name": f"Product {rng.randint(1, 5000)}",
                "code": f"SKU-{rng.randint(1, 5000):05d}",
                "amount": str(rng.randint(1, 3)),
                "item_type": "PRODUCT",
                "total_price": {"with_vat": f"{price / 100:.2f}"},
            }
        )
    items.append({"name": "Shipping", "item_type": "SHIPPING", "total_price": {"with_vat": "4.99"}})
    with_vat = total + 499
    without_vat = round(with_vat / 1.21)
    return {
        "code": f"ORD-{n:08d}",
        "store_id": STORE,
        "order_date": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T10:00:00Z",
        "currency": "EUR",
        "language": "en",
        "price": {
            "with_vat": f"{with_vat / 100:.2f}",
            "without_vat": f"{without_vat / 100:.2f}",
            "vat": f"{(with_vat - without_vat) / 100:.2f}",
        },
        "customer": {"email": f"customer{n}@example.com", "phone": "+420123456789"},
        "shipping_address": {
            "name": "Jan Novák",
            "street": "Dlouhá",
            "house_number": str(rng.randint(1, 200)),
            "city": "Praha",
            "postal_code": "11000",
            "country": "CZ",
        },
        "items": items,
        "statuses": [{"name": "PAID", "date": "2025-10-23T10:00:00Z"}],
    }


def items_changed(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The orders with one more of every product: all their items are replaced."""
    return [
        {
            **o,
            "items": [
                {**i, "amount": str(int(i["amount"]) + 1)} if "amount" in i else i
                for i in o["items"]
            ],
        }
        for o in batch
    ]


def make_batches(total: int, batch: int) -> list[list[dict[str, Any]]]:
    rng = random.Random(42)
    return [
        [order(rng, n) for n in range(start, min(start + batch, total))]
        for start in range(0, total, batch)
    ]


async def import_orders(
    base: str, token: str, bodies: list[tuple[int, bytes]], clients: int, expect: str
) -> tuple[float, list[float], int]:
    """Send the bodies (order count, JSON) from ``clients`` concurrent connections."""
    queue: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue()
    for b in bodies:
        queue.put_nowait(b)
    latencies: list[float] = []
    failed = 0

    async def worker() -> None:
        nonlocal failed
        headers = {"Authorization": token, "Content-Type": "application/json"}
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as c:
            while True:
                try:
                    count, body = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                t0 = time.perf_counter()
                r = await c.post("/api/v2/orders/bulk", content=body)
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    raise SystemExit(f"bulk import failed: {r.status_code} {r.text[:500]}")
                out = r.json()
                failed += out["failed"]
                if out[expect] != count:
                    raise SystemExit(f"expected every order {expect}: {r.text[:500]}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return time.perf_counter() - started, latencies, failed


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far, from /proc (0 for a gone one)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def process_tree(root: int) -> list[int]:
    """``root`` and its descendants (the server's workers)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree = [root]
    for pid in tree:
        tree.extend(child for child, parent in parents.items() if parent == pid)
    return tree


def pg_backends(url: str) -> list[int]:
    """Server processes of the bench database's connections (the pool keeps them)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    database = make_url(url).database

    async def run() -> list[int]:
        admin = make_url(PG_URL)
        conn = await asyncpg.connect(
            user=admin.username,
            password=admin.password,
            host=admin.host or "127.0.0.1",
            port=admin.port or 5432,
            database=admin.database or "postgres",
        )
        try:
            rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", database)
        finally:
            await conn.close()
        return [r["pid"] for r in rows]

    return asyncio.run(run())


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--orders", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients")
    ap.add_argument("--workers", type=int, default=2, help="server worker processes")
    ap.add_argument(
        "--reimport",
        action="store_true",
        help="then send the same orders again, then with their items changed (updates)",
    )
    args = ap.parse_args()
    batches = make_batches(args.orders, args.batch)
    # The load generator shares the machine: bodies are encoded before the clock starts.
    bodies = [(len(b), json.dumps(b).encode()) for b in batches]
    changed = [(len(b), json.dumps(items_changed(b)).encode()) for b in batches]
    # (phase, seconds, batch latencies, failed, CPU seconds of server, database, client)
    phases: list[tuple[str, float, list[float], int, float, float, float]] = []

    with tempfile.TemporaryDirectory() as tmpdir, fresh_database(args.db, Path(tmpdir)) as url:
        port = free_port()
        env = {
            **os.environ,
            "TICKETRY_DATABASE_URL": url,
            "TICKETRY_VAR_DIR": tmpdir,
            "TICKETRY_RATE_LIMIT": "off",
        }
        cli(env, "migrate")
        token = cli(env, "token", "create", "--account", ACCOUNT, "--email", "bench@example.com")
        cli(env, "store", "create", "--account", ACCOUNT, STORE)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ticketry.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/api/v2/schema", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start")
                time.sleep(0.2)
            runs = [("new", bodies, "created")]
            if args.reimport:
                runs += [("re-import", bodies, "updated"), ("items changed", changed, "updated")]
            for phase, sent, expect in runs:
                workers = process_tree(server.pid)
                backends = pg_backends(url) if args.db == "postgres" else []
                cpu0 = cpu_seconds(workers), cpu_seconds(backends), time.process_time()
                elapsed, latencies, failed = asyncio.run(
                    import_orders(base, token, sent, args.clients, expect)
                )
                # Connections the pool opened during the phase count from their start.
                if args.db == "postgres":
                    backends = sorted({*backends, *pg_backends(url)})
                cpu = (
                    cpu_seconds(workers) - cpu0[0],
                    cpu_seconds(backends) - cpu0[1],
                    time.process_time() - cpu0[2],
                )
                phases.append((phase, elapsed, latencies, failed, *cpu))
            r = httpx.get(
                f"{base}/api/v2/orders",
                params={"page_size": 1},
                headers={"Authorization": token},
                timeout=60,
            )
            stored = r.json()["count"]
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    print(
        f"{args.db}: {args.orders:,} orders in {len(batches):,} batches of {args.batch}, "
        f"{args.clients} clients, {args.workers} server workers"
    )
    for phase, elapsed, latencies, failed, server_cpu, db_cpu, client_cpu in phases:
        print(
            f"  {phase}: {args.orders / elapsed:,.0f} orders/s ({elapsed:.1f} s), "
            f"batch latency p50 {pct(latencies, 0.5) * 1000:.0f} ms, "
            f"p99 {pct(latencies, 0.99) * 1000:.0f} ms, "
            f"mean {statistics.mean(latencies) * 1000:.0f} ms, failed {failed}"
        )
        per_batch = 1000 * args.batch / args.orders
        print(
            f"    CPU per {args.batch} orders: server {server_cpu * per_batch:.1f} ms"
            + (f", PostgreSQL {db_cpu * per_batch:.1f} ms" if args.db == "postgres" else "")
            + f", load generator {client_cpu * per_batch:.1f} ms"
        )
    print(f"  stored {stored:,}")
    if stored != args.orders or any(phase[3] for phase in phases):
        raise SystemExit("some orders were not stored")


if __name__ == "__main__":
    main()
