"""What the benchmarks share: a fresh database, the installed CLI, a real server, its memory.

A benchmark either prepares a database (a temporary SQLite file, or the PostgreSQL database
``--bench-db``, dropped and created) and seeds it, or reuses one given by ``--database-url``
(seeding a million tickets takes minutes; measuring it again should not).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CLI = Path(sys.executable).with_name("ticketry")
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "ticketry_bench"


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


def prepare_database(db: str, workdir: Path, pg_url: str, name: str = BENCH_DB) -> str:
    if db == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    from sqlalchemy.engine import make_url

    _pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _pg_admin(pg_url, f'CREATE DATABASE "{name}"')
    return make_url(pg_url).set(database=name).render_as_string(hide_password=False)


def cli(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(CLI), *args], env=env, check=True, stdout=subprocess.PIPE, text=True
    )
    return result.stdout.strip()


def proc_tree_rss_kib(root_pid: int) -> int:
    """Sum of VmRSS over ``root_pid`` and all its descendants, from /proc."""
    return sum(proc_tree_rss_each(root_pid).values())


def proc_tree_rss_each(root_pid: int) -> dict[int, int]:
    """VmRSS (KiB) of ``root_pid`` and of each of its descendants, from /proc."""
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
    each: dict[int, int] = {}
    stack = [root_pid]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    each[pid] = int(line.split()[1])
        except OSError:
            continue
    return each


def start_server(
    env: dict[str, str], workers: int, log: Path | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """``ticketry serve`` on a free loopback port, in a process group of its own; its base URL
    once ``/healthz`` answers. Its output goes to ``log`` (when given)."""
    port = _free_port()
    out = log.open("ab") if log is not None else subprocess.DEVNULL
    server = subprocess.Popen(
        [
            *(str(CLI), "serve", "--host", "127.0.0.1"),
            *("--port", str(port), "--workers", str(workers)),
        ],
        env=env,
        stdout=out,
        stderr=out,
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


def remove_database(db: str, pg_url: str, workdir: Path, keep: bool, name: str = BENCH_DB) -> None:
    if keep:
        return
    if db == "postgres":
        _pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
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
