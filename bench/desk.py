"""The agent desk's ticket list on a large account: is a page as fast at the millionth ticket
as at the first?

    python bench/desk.py --db sqlite --tickets 1000000

Seeds the account through the installed CLI (as bench/run.py does), creates an agent with a
password, starts ``ticketry serve`` (one worker), signs in like a browser and times pages
one at a time: the first page, a page from the middle and from the end of the account
(keyset cursors), filtered pages, searches and ticket pages. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import text

from harness import (  # type: ignore[import-not-found]  # bench/harness.py, beside this file
    CLI,
    PG_DEFAULT,
    cli,
    prepare_database,
    proc_tree_rss_kib,
    remove_database,
    start_server,
    stop_server,
)
from ticketry.db import create_engine
from ticketry.demo import LAST as SURNAMES
from ticketry.domain.web.desk_queries import cursor_encode

PASSWORD = "bench-password-1"
EMAIL = "agent@bench.example.com"


async def cursor_at(database_url: str, offset: int) -> tuple[str, list[str]]:
    """The desk cursor of the ticket ``offset`` places into the newest-first order, and some
    ticket codes and e-mails to ask for."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT t.created_at, t.id FROM tickets t JOIN accounts a"
                        " ON a.id = t.account_id WHERE a.slug = 'bench'"
                        " ORDER BY t.created_at DESC, t.id DESC LIMIT 1 OFFSET :o"
                    ),
                    {"o": offset},
                )
            ).one()
            created_at = row[0]
            if isinstance(created_at, str):  # SQLite hands back text through plain SQL
                from datetime import datetime

                created_at = datetime.fromisoformat(created_at)
            codes = list(
                (
                    await conn.execute(text("SELECT code FROM tickets ORDER BY random() LIMIT 200"))
                ).scalars()
            )
        return cursor_encode(created_at, int(row[1])), codes
    finally:
        await engine.dispose()


async def sign_in(client: httpx.AsyncClient) -> None:
    page = await client.get("/desk/login")
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text)
    assert csrf, "no sign-in form"
    response = await client.post(
        "/desk/login",
        data={"_csrf": csrf.group(1), "account": "bench", "email": EMAIL, "password": PASSWORD},
    )
    if response.status_code != 303:
        raise SystemExit(f"sign-in failed: {response.status_code}")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))] * 1000


async def measure(base: str, urls: dict[str, list[str]], repeat: int) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await sign_in(client)
        for name, candidates in urls.items():
            for url in candidates[:5]:  # warm-up
                await client.get(url)
            times: list[float] = []
            for n in range(repeat):
                url = candidates[n % len(candidates)]
                t0 = time.perf_counter()
                response = await client.get(url)
                times.append(time.perf_counter() - t0)
                if response.status_code != 200:
                    raise SystemExit(f"{url}: {response.status_code}")
            rows.append((name, f"{pct(times, 50):.1f}", f"{pct(times, 99):.1f}"))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=100, help="requests per scenario")
    parser.add_argument(
        "--pg-url", default=os.environ.get("TICKETRY_TEST_POSTGRES_URL", PG_DEFAULT)
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if not CLI.exists():
        raise SystemExit(f"{CLI} not found: run `make install-dev` first")

    workdir = Path(tempfile.mkdtemp(prefix="ticketry-desk-bench-"))
    database_url = prepare_database(args.db, workdir, args.pg_url)
    env = {
        **os.environ,
        "TICKETRY_DATABASE_URL": database_url,
        "TICKETRY_VAR_DIR": str(workdir),
        "TICKETRY_FILES_DIR": str(workdir / "files"),
        "TICKETRY_WORKER_IN_PROCESS": "0",
    }
    server: subprocess.Popen[bytes] | None = None
    try:
        print(f"database: {args.db}, seeding {args.tickets:,} tickets …", file=sys.stderr)
        cli(env, "migrate")
        t0 = time.monotonic()
        cli(env, "seed", "--account", "bench", "--tickets", str(args.tickets))
        seed_seconds = time.monotonic() - t0
        cli(env, "user", "create", "--account", "bench", "--email", EMAIL, "--password", PASSWORD)
        middle, codes = asyncio.run(cursor_at(database_url, args.tickets // 2))
        end, _ = asyncio.run(cursor_at(database_url, args.tickets - 10))
        rng = random.Random(7)
        urls = {
            "first page": ["/desk/tickets/"],
            "middle page (keyset)": [f"/desk/tickets/?after={middle}"],
            "last page (keyset)": [f"/desk/tickets/?after={end}"],
            "open + high priority": ["/desk/tickets/?closed=open&priority=high"],
            "status solved, oldest first": ["/desk/tickets/?status=solved&sort=created_at"],
            "search: a surname": [f"/desk/tickets/?q={s.lower()}" for s in SURNAMES],
            "search: a ticket code": [f"/desk/tickets/?q={c}" for c in codes],
            "ticket page": [f"/desk/tickets/{c}/" for c in rng.sample(codes, len(codes))],
        }
        server, base = start_server(env, workers=1)
        rows = asyncio.run(measure(base, urls, args.repeat))
        rss = proc_tree_rss_kib(server.pid)
    finally:
        stop_server(server)
        remove_database(args.db, args.pg_url, workdir, args.keep)

    print(
        f"\n{args.db}, {args.tickets:,} tickets (seeded in {seed_seconds:.0f}s), one client, "
        f"{args.repeat} requests each, server RSS {rss / 1024:.0f} MiB\n"
    )
    print("| desk page | p50 ms | p99 ms |")
    print("| --- | ---: | ---: |")
    for row in rows:
        print(f"| {' | '.join(row)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
