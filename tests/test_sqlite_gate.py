"""SQLite writers queue on the write gate (``ticketry.sqlite_gate``): concurrent writers of
two engines and of another process all commit, none fails with "database is locked", and a
writer waiting for another process does not stop the event loop."""

from __future__ import annotations

import asyncio
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import BACKEND
from ticketry.db import create_engine

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's one writer")


async def _write(engine: object, n: int) -> None:
    async with engine.begin() as conn:  # type: ignore[attr-defined]
        await conn.execute(text("INSERT INTO t (x) VALUES (:x)"), {"x": n})
        await asyncio.sleep(0)  # let the other writers try to get in


async def test_writers_of_two_engines_take_turns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gate.sqlite3'}"
    one, two = create_engine(url), create_engine(url)
    try:
        async with one.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))
        await asyncio.gather(*(_write(one if n % 2 else two, n) for n in range(40)))
        async with one.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 40
    finally:
        await one.dispose()
        await two.dispose()


async def test_waiting_for_another_process_keeps_the_loop_running(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gate.sqlite3'}"
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))
        holder = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                    import asyncio, sys
                    from sqlalchemy import text
                    from ticketry.db import create_engine
                    async def main():
                        engine = create_engine({url!r})
                        async with engine.begin() as conn:
                            await conn.execute(text("INSERT INTO t (x) VALUES (-1)"))
                            print("holding", flush=True)
                            await asyncio.sleep(1.0)
                        await engine.dispose()
                    asyncio.run(main())
                    """
            ),
            stdout=asyncio.subprocess.PIPE,
        )
        assert holder.stdout is not None
        line = await holder.stdout.readline()
        assert line.strip() == b"holding"
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        ticker = asyncio.create_task(tick())
        await _write(engine, 1)  # waits for the other process's transaction
        ticker.cancel()
        assert await holder.wait() == 0
        assert ticks > 5  # the loop ran while this writer waited
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT x FROM t ORDER BY rowid"))).scalars().all()
        assert rows == [-1, 1]
    finally:
        await engine.dispose()
