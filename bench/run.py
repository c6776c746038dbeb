"""Load benchmark of the Retino face: a real server on a seeded database.

    python bench/run.py --db sqlite --tickets 100000 --seconds 15

Prepares a fresh database (a temporary SQLite file, or the PostgreSQL database
``ticketry_bench``, dropped and created), runs ``ticketry migrate``, ``ticketry seed`` and
``ticketry token create`` through the installed CLI, starts ``ticketry serve --workers 2``
and drives it with an asyncio + httpx load generator. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ticketry.demo import LAST as SURNAMES  # the seeded customers' surnames

ROOT = Path(__file__).resolve().parents[1]
CLI = Path(sys.executable).with_name("ticketry")
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "ticketry_bench"


# ---- preparing the database and the server --------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_admin(admin_url: str, sql: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(admin_url)

    async def run() -> None:
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


def prepare_database(db: str, workdir: Path, pg_url: str) -> str:
    if db == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    from sqlalchemy.engine import make_url

    _pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    _pg_admin(pg_url, f'CREATE DATABASE "{BENCH_DB}"')
    return make_url(pg_url).set(database=BENCH_DB).render_as_string(hide_password=False)


def cli(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(CLI), *args], env=env, check=True, stdout=subprocess.PIPE, text=True
    )
    return result.stdout.strip()


def proc_tree_rss_kib(root_pid: int) -> int:
    """Sum of VmRSS over ``root_pid`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def start_server(env: dict[str, str], workers: int) -> tuple[subprocess.Popen[bytes], str]:
    """``ticketry serve`` on a free loopback port, in a process group of its own; its base URL
    once ``/healthz`` answers."""
    port = _free_port()
    server = subprocess.Popen(
        [
            *(str(CLI), "serve", "--host", "127.0.0.1"),
            *("--port", str(port), "--workers", str(workers)),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(wait_until_up(base, server))
    except BaseException:
        stop_server(server)
        raise
    return server, base


def stop_server(server: subprocess.Popen[bytes] | None) -> None:
    if server is None or server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def remove_database(db: str, pg_url: str, workdir: Path, keep: bool) -> None:
    if keep:
        return
    if db == "postgres":
        _pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    shutil.rmtree(workdir, ignore_errors=True)


async def wait_until_up(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(base_url=base) as c:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"server exited with {proc.returncode}")
            try:
                if (await c.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit("server did not come up")


# ---- the load generator ---------------------------------------------------------------


@dataclass
class Result:
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    client_cpu: float = 0.0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        if len(self.latencies) == 1:
            return self.latencies[0] * 1000
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[q - 1] * 1000


Request = Callable[[httpx.AsyncClient, random.Random], Awaitable[httpx.Response]]


async def drive(
    base: str, headers: dict[str, str], name: str, make: Request, seconds: float, conns: int
) -> Result:
    limits = httpx.Limits(max_connections=conns, max_keepalive_connections=conns)
    result = Result(name=name, seconds=seconds)
    cpu0 = time.process_time()
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=60
    ) as client:
        start = time.monotonic()
        deadline = start + seconds

        async def worker(seed: int) -> None:
            rng = random.Random(seed)
            while time.monotonic() < deadline:
                t0 = time.perf_counter()
                try:
                    response = await make(client, rng)
                    ok = response.status_code < 400
                except httpx.HTTPError:
                    ok = False
                elapsed = time.perf_counter() - t0
                if ok:
                    result.latencies.append(elapsed)
                else:
                    result.errors += 1

        await asyncio.gather(*(worker(i) for i in range(conns)))
        result.seconds = time.monotonic() - start
    result.client_cpu = (time.process_time() - cpu0) / result.seconds
    return result


def ticket_body(rng: random.Random) -> dict[str, Any]:
    surname = rng.choice(SURNAMES)
    return {
        "customer": {
            "name": f"Bench {surname}",
            "email": f"bench{rng.randint(1, 10**9)}@example.com",
            "phone": "123456789",
        },
        "currency": "CZK",
        "language": "cs",
        "country": "CZ",
        "order_id": str(rng.randint(100000, 999999)),
        "order_date": "2025-01-15T00:00:00.000Z",
        "products": [{"name": "MacBook Pro", "price": {"with_vat": "45000.0000"}}],
    }


async def fetch_ids(base: str, headers: dict[str, str], pages: int) -> list[str]:
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as c:
        first = (await c.get("/api/v2/tickets", params={"page_size": 100})).json()
        total = first["total_pages"]
        ids = [t["id"] for t in first["results"]]
        rng = random.Random(7)
        for page in rng.sample(range(2, total + 1), min(pages, max(total - 1, 0))):
            body = (await c.get("/api/v2/tickets", params={"page_size": 100, "page": page})).json()
            ids += [t["id"] for t in body["results"]]
    return ids


async def run_scenarios(
    base: str, token: str, seconds: float, conns: int, only: set[str] | None
) -> list[Result]:
    headers = {"Authorization": f"Token {token}"}
    ids = await fetch_ids(base, headers, pages=20)

    async def list_(c: httpx.AsyncClient, rng: random.Random) -> httpx.Response:
        return await c.get("/api/v2/tickets", params={"page_size": 50})

    async def detail(c: httpx.AsyncClient, rng: random.Random) -> httpx.Response:
        return await c.get(f"/api/v2/tickets/{rng.choice(ids)}")

    async def search(c: httpx.AsyncClient, rng: random.Random) -> httpx.Response:
        return await c.get("/api/v2/tickets/search", params={"search": rng.choice(SURNAMES)})

    async def create(c: httpx.AsyncClient, rng: random.Random) -> httpx.Response:
        return await c.post("/api/v2/tickets", json=ticket_body(rng))

    scenarios: list[tuple[str, Request]] = [
        ("list", list_),
        ("detail", detail),
        ("search", search),
        ("create", create),
    ]
    await drive(base, headers, "warm-up", list_, min(2.0, seconds), conns)
    results = []
    for name, make in scenarios:
        if only and name not in only:
            continue
        print(f"  running {name} for {seconds:.0f}s …", file=sys.stderr, flush=True)
        results.append(await drive(base, headers, name, make, seconds, conns))
    return results


# ---- main -----------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=15.0, help="per scenario")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--scenarios", default="", help="comma-separated subset to run")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("TICKETRY_TEST_POSTGRES_URL", PG_DEFAULT),
        help="an admin URL of the PostgreSQL server (the bench database is made beside it)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if not CLI.exists():
        raise SystemExit(f"{CLI} not found: run `make install-dev` first")

    workdir = Path(tempfile.mkdtemp(prefix="ticketry-bench-"))
    database_url = prepare_database(args.db, workdir, args.pg_url)
    env = {
        **os.environ,
        "TICKETRY_DATABASE_URL": database_url,
        "TICKETRY_VAR_DIR": str(workdir),
        "TICKETRY_FILES_DIR": str(workdir / "files"),
        # One token drives all the load: the per-token limit (600/minute) would turn
        # nearly every request into a 429.
        "TICKETRY_RATE_LIMIT": "off",
    }
    server: subprocess.Popen[bytes] | None = None
    try:
        print(f"database: {args.db}, {args.tickets:,} tickets", file=sys.stderr)
        cli(env, "migrate")
        t0 = time.monotonic()
        cli(env, "seed", "--account", "bench", "--tickets", str(args.tickets))
        seed_seconds = time.monotonic() - t0
        token = cli(env, "token", "create", "--account", "bench", "--email", "bench@example.com")
        server, base = start_server(env, args.workers)
        rss_before = proc_tree_rss_kib(server.pid)
        only = {s.strip() for s in args.scenarios.split(",") if s.strip()} or None
        results = asyncio.run(run_scenarios(base, token, args.seconds, args.connections, only))
        rss_after = proc_tree_rss_kib(server.pid)
    finally:
        stop_server(server)
        remove_database(args.db, args.pg_url, workdir, args.keep)

    cores = os.cpu_count() or 1
    print(
        f"\n{args.db}, {args.tickets:,} tickets (seeded in {seed_seconds:.0f}s), "
        f"{args.workers} workers, {args.connections} connections, {args.seconds:.0f}s each, "
        f"{cores} cores\n"
    )
    print("| scenario | requests/s | p50 ms | p99 ms | errors | client CPU |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(
            f"| {r.name} | {r.rps:,.0f} | {r.pct(50):.1f} | {r.pct(99):.1f} | {r.errors} "
            f"| {r.client_cpu:.0%} |"
        )
    print(
        f"\nserver RSS (all processes): {rss_before / 1024:.0f} MiB before, "
        f"{rss_after / 1024:.0f} MiB after"
    )
    if any(r.client_cpu > 0.8 for r in results):
        print(
            "note: the load generator used most of a core; on a 2-core machine it competes "
            "with the server, so these figures are a lower bound."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
