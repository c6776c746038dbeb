"""Load benchmark of the Retino face: a real server on a seeded database, driven by ``wrk``.

    python bench/run.py --db sqlite --tickets 100000 --seconds 10
    python bench/run.py --database-url sqlite:////tmp/1m.sqlite3 --scenarios list,detail

Prepares a fresh database (a temporary SQLite file, or the PostgreSQL database
``ticketry_bench``, dropped and created) with ``ticketry migrate`` and ``ticketry seed``, or
reuses the already seeded one given by ``--database-url``; issues a token, starts
``ticketry serve --workers 2`` and measures each scenario with ``wrk`` (Debian's package),
a C load generator that is not the bottleneck. ``/healthz`` of the same server is measured
in the same run (before and after the scenarios), and every figure is also given as a
share of it, since this machine is shared and noisy. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from harness import (  # type: ignore[import-not-found]  # bench/harness.py, beside this file
    BENCH_DB,
    CLI,
    PG_DEFAULT,
    cli,
    prepare_database,
    proc_tree_rss_each,
    remove_database,
    start_server,
    stop_server,
)
from ticketry.demo import LAST as SURNAMES  # the seeded customers' surnames

# Every request of a scenario is one of its paths (picked at random per request); POST
# scenarios send a body made per request by the Lua snippet ``body``.
LUA = """
local paths = {%(paths)s}
local headers = {["Authorization"] = "Token %(token)s", ["Content-Type"] = "application/json"}
local counter = 0
function setup(thread)
  thread:set("tid", tostring(math.random(1, 1000000000)))
end
function init(args)
  math.randomseed(tonumber(tid) + os.time())
end
function request()
  counter = counter + 1
  local path = paths[math.random(#paths)]
  %(request)s
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%%d,"duration_us":%%d,"status_errors":%%d,"socket_errors":%%d,' ..
    '"p50":%%d,"p90":%%d,"p99":%%d,"max":%%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""
GET = 'return wrk.format("GET", path, headers)'
CREATE = """local body = string.format(
    '{"customer":{"name":"Bench %s","email":"bench%d.%d@example.com","phone":"+420%09d"},' ..
    '"currency":"CZK","language":"cs","country":"CZ","order_id":"B%d",' ..
    '"order_date":"2025-01-15T00:00:00.000Z",' ..
    '"products":[{"name":"MacBook Pro","price":{"with_vat":"45000.0000"}}]}',
    surnames[math.random(#surnames)], math.random(1, 1000000000), counter,
    math.random(600000000, 799999999), math.random(1, 1000000000))
  return wrk.format("POST", path, headers, body)"""


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    errors: int


@dataclass
class Samples:
    """Values of seeded tickets to ask for: ids, customer e-mails and phones, order numbers,
    ticket codes; and the number of list pages of 50."""

    ids: list[str]
    emails: list[str]
    phones: list[str]
    orders: list[str]
    codes: list[str]
    pages_of_50: int


async def fetch_samples(base: str, token: str, pages: int = 20) -> Samples:
    headers = {"Authorization": f"Token {token}"}
    found: dict[str, list[str]] = {"ids": [], "emails": [], "phones": [], "orders": [], "codes": []}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=300) as c:
        first = (await c.get("/api/v2/tickets", params={"page_size": 100})).json()
        total = first["total_pages"]
        bodies = [first]
        rng = random.Random(7)
        for page in rng.sample(range(2, total + 1), min(pages, max(total - 1, 0))):
            bodies.append(
                (await c.get("/api/v2/tickets", params={"page_size": 100, "page": page})).json()
            )
    for body in bodies:
        for t in body["results"]:
            found["ids"].append(t["id"])
            found["codes"].append(t["code"])
            if t["customer"]["email"]:
                found["emails"].append(t["customer"]["email"])
            if t["customer"]["phone"]:
                found["phones"].append(t["customer"]["phone"])
            if t["order_id"]:
                found["orders"].append(t["order_id"])
    return Samples(**found, pages_of_50=max(1, -(-first["count"] // 50)))


def scenarios(samples: Samples) -> dict[str, tuple[list[str], str]]:
    """name → (paths, Lua request body)."""
    deep = min(1000, samples.pages_of_50)

    def q(values: list[str]) -> list[str]:
        return [f"/api/v2/tickets/search?search={quote(v)}" for v in values]

    return {
        "list": (["/api/v2/tickets?page_size=50"], GET),
        f"list page {deep}": ([f"/api/v2/tickets?page_size=50&page={deep}"], GET),
        "detail": ([f"/api/v2/tickets/{i}" for i in samples.ids], GET),
        "search e-mail": (q(samples.emails), GET),
        "search phone": (q(samples.phones), GET),
        "search order": (q(samples.orders), GET),
        "search code": (q(samples.codes), GET),
        "search word": (q([s.lower() for s in SURNAMES]), GET),
        "create": (["/api/v2/tickets"], CREATE),
    }


def lua_script(paths: list[str], token: str, request: str) -> str:
    listed = ", ".join(json.dumps(p) for p in paths)
    script = LUA % {"paths": listed, "token": token, "request": request}
    surnames = ", ".join(json.dumps(s, ensure_ascii=False) for s in SURNAMES)
    return f"local surnames = {{{surnames}}}\n{script}"


def run_wrk(
    base: str, script: Path, seconds: float, connections: int, threads: int, name: str
) -> Result:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [
            "wrk",
            *("-t", str(threads), "-c", str(connections), "-d", f"{seconds:.0f}s"),
            *("--timeout", "30s", "-s", str(script)),
            base,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(x for x in out.splitlines() if x.startswith("{"))
    data: dict[str, Any] = json.loads(line)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    print(f"    wrk used {cpu / seconds:.0%} of a core", file=sys.stderr)
    return Result(
        name=name,
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50"] / 1000,
        p90_ms=data["p90"] / 1000,
        p99_ms=data["p99"] / 1000,
        errors=data["status_errors"] + data["socket_errors"],
    )


def measure(
    base: str, token: str, args: argparse.Namespace, workdir: Path
) -> tuple[list[Result], float]:
    samples = asyncio.run(fetch_samples(base, token))
    only = {s.strip() for s in args.scenarios.split(",") if s.strip()} or None
    plan = scenarios(samples)

    def one(name: str, paths: list[str], request: str, seconds: float) -> Result:
        script = workdir / f"{''.join(c if c.isalnum() else '_' for c in name)}.lua"
        script.write_text(lua_script(paths, token, request))
        print(f"  {name} for {seconds:.0f}s …", file=sys.stderr, flush=True)
        return run_wrk(base, script, seconds, args.connections, args.threads, name)

    health = [one("/healthz", ["/healthz"], GET, args.seconds)]
    one("warm-up", plan["list"][0], GET, 2)
    results = []
    for name, (paths, request) in plan.items():
        if only and not any(name.startswith(o) for o in only):
            continue
        results.append(one(name, paths, request, args.seconds))
    health.append(one("/healthz", ["/healthz"], GET, args.seconds))
    return health + results, sum(h.rps for h in health) / len(health)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument(
        "--database-url", default="", help="an already seeded database to reuse (no seeding)"
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="per scenario")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--scenarios", default="", help="comma-separated name prefixes to run")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("TICKETRY_TEST_POSTGRES_URL", PG_DEFAULT),
        help="an admin URL of the PostgreSQL server (the bench database is made beside it)",
    )
    parser.add_argument("--bench-db", default=BENCH_DB, help="PostgreSQL database to make")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if not CLI.exists():
        raise SystemExit(f"{CLI} not found: run `make install-dev` first")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")

    workdir = Path(tempfile.mkdtemp(prefix="ticketry-bench-"))
    reuse = bool(args.database_url)
    database_url = args.database_url or prepare_database(
        args.db, workdir, args.pg_url, args.bench_db
    )
    env = {
        **os.environ,
        "TICKETRY_DATABASE_URL": database_url,
        "TICKETRY_VAR_DIR": str(workdir),
        "TICKETRY_FILES_DIR": str(workdir / "files"),
        # One token drives all the load: the per-token limit would turn it into 429s.
        "TICKETRY_RATE_LIMIT": "off",
    }
    server = None
    seeded = ""
    try:
        cli(env, "migrate")
        if not reuse:
            print(f"seeding {args.tickets:,} tickets …", file=sys.stderr)
            t0 = time.monotonic()
            cli(env, "seed", "--account", "bench", "--tickets", str(args.tickets))
            seeded = f" (seeded in {time.monotonic() - t0:.0f}s)"
        token = cli(env, "token", "create", "--account", "bench", "--email", "bench@example.com")
        server, base = start_server(env, args.workers, log=workdir / "server.log")
        server_pid = server.pid
        rss_before = proc_tree_rss_each(server.pid)
        results, health = measure(base, token, args, workdir)
        rss_after = proc_tree_rss_each(server.pid)
    finally:
        stop_server(server)
        if not reuse:
            remove_database(args.db, args.pg_url, workdir, args.keep, args.bench_db)
        if (workdir / "server.log").exists() and (workdir / "server.log").stat().st_size:
            errors = (workdir / "server.log").read_text().count("ERROR")
            if errors:
                print(f"server log: {errors} ERROR lines, kept in {workdir}", file=sys.stderr)
        if not args.keep and reuse:
            shutil.rmtree(workdir, ignore_errors=True)

    backend = "postgres" if "postgresql" in database_url else "sqlite"
    print(
        f"\n{backend}, {'reused database' if reuse else f'{args.tickets:,} tickets'}{seeded}, "
        f"{args.workers} workers, wrk {args.threads} threads x {args.connections} connections, "
        f"{args.seconds:.0f}s each, {os.cpu_count()} cores\n"
    )
    print("| scenario | requests/s | share of /healthz | p50 ms | p90 ms | p99 ms | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(
            f"| {r.name} | {r.rps:,.0f} | {r.rps / health:.1%} | {r.p50_ms:.1f} "
            f"| {r.p90_ms:.1f} | {r.p99_ms:.1f} | {r.errors} |"
        )
    workers_after = [kib for pid, kib in rss_after.items() if pid != server_pid]
    workers_before = [kib for pid, kib in rss_before.items() if pid != server_pid]
    print(
        "\nserver worker RSS (MiB): before "
        + ", ".join(f"{k / 1024:.0f}" for k in sorted(workers_before))
        + "; after "
        + ", ".join(f"{k / 1024:.0f}" for k in sorted(workers_after))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
