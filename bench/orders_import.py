"""Import N orders through ``POST /api/v2/orders/bulk`` against a real server.

Not a test: a load run that prints throughput and latency. It starts ``ticketry serve`` on a
free port against a fresh database (a new SQLite file, or a new PostgreSQL database that is
dropped afterwards), makes an account, a token and a store id with the CLI, then sends the
orders in batches of 100 from several concurrent clients. With ``--reimport`` the same
orders are sent a second time (every order updated, its items replaced) and timed apart.

    .venv/bin/python bench/orders_import.py --orders 5000
    .venv/bin/python bench/orders_import.py --db postgres --orders 100000 --clients 8 --reimport
"""

from __future__ import annotations

import argparse
import asyncio
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


def make_batches(total: int, batch: int) -> list[list[dict[str, Any]]]:
    rng = random.Random(42)
    return [
        [order(rng, n) for n in range(start, min(start + batch, total))]
        for start in range(0, total, batch)
    ]


async def import_orders(
    base: str, token: str, batches: list[list[dict[str, Any]]], clients: int, expect: str
) -> tuple[float, list[float], int]:
    queue: asyncio.Queue[list[dict[str, Any]]] = asyncio.Queue()
    for b in batches:
        queue.put_nowait(b)
    latencies: list[float] = []
    failed = 0

    async def worker() -> None:
        nonlocal failed
        headers = {"Authorization": token}
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as c:
            while True:
                try:
                    body = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                t0 = time.perf_counter()
                r = await c.post("/api/v2/orders/bulk", json=body)
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    raise SystemExit(f"bulk import failed: {r.status_code} {r.text[:500]}")
                out = r.json()
                failed += out["failed"]
                if out[expect] != len(body):
                    raise SystemExit(f"expected every order {expect}: {r.text[:500]}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return time.perf_counter() - started, latencies, failed


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
        "--reimport", action="store_true", help="then send the same orders again (updates)"
    )
    args = ap.parse_args()
    batches = make_batches(args.orders, args.batch)
    phases: list[tuple[str, float, list[float], int]] = []

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
            for phase, expect in [("new", "created"), ("re-import", "updated")][
                : 2 if args.reimport else 1
            ]:
                elapsed, latencies, failed = asyncio.run(
                    import_orders(base, token, batches, args.clients, expect)
                )
                phases.append((phase, elapsed, latencies, failed))
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
    for phase, elapsed, latencies, failed in phases:
        print(
            f"  {phase}: {args.orders / elapsed:,.0f} orders/s ({elapsed:.1f} s), "
            f"batch latency p50 {pct(latencies, 0.5) * 1000:.0f} ms, "
            f"p99 {pct(latencies, 0.99) * 1000:.0f} ms, "
            f"mean {statistics.mean(latencies) * 1000:.0f} ms, failed {failed}"
        )
    print(f"  stored {stored:,}")
    if stored != args.orders or any(failed for *_, failed in phases):
        raise SystemExit("some orders were not stored")


if __name__ == "__main__":
    main()
