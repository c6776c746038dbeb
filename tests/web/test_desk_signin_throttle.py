"""Desk sign-in against guessing (issue 14): 30 wrong passwords took 0.2 s and the right
one was let in straight after. Now failures slow the e-mail down, then lock it; the owner
can lift the lock with ``ticketry signin unlock``."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import FakeClock
from tests.web.conftest import Desk, sign_in

CLI = Path(sys.executable).with_name("ticketry")


async def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run, [str(CLI), *args], env=env, capture_output=True, text=True, timeout=120
    )


async def _fail(client: httpx.AsyncClient, desk: Desk, clock: FakeClock, times: int) -> None:
    """Wrong passwords, each after the wait the one before earned."""
    for n in range(times):
        clock.advance(16 if n else 0)
        r = await sign_in(client, desk, password="wrong password")
        assert r.status_code == 400, r.text


async def test_failures_lock_and_the_right_password_is_refused(
    client: httpx.AsyncClient, desk: Desk, signin_clock: FakeClock
) -> None:
    await _fail(client, desk, signin_clock, 10)
    r = await sign_in(client, desk)
    assert r.status_code == 429
    assert r.headers["retry-after"] == "900"
    assert "Too many failed sign-in attempts" in r.text and 'name="_csrf"' in r.text
    assert "ticketry_desk=" not in r.headers.get("set-cookie", "")
    signin_clock.advance(900)
    r = await sign_in(client, desk)
    assert r.status_code == 303 and r.headers["location"] == "/desk/tickets/"


async def test_delays_grow_before_the_lockout(
    client: httpx.AsyncClient, desk: Desk, signin_clock: FakeClock
) -> None:
    for _ in range(5):
        assert (await sign_in(client, desk, password="wrong password")).status_code == 400
    r = await sign_in(client, desk)
    assert r.status_code == 429 and r.headers["retry-after"] == "1"
    signin_clock.advance(1)
    assert (await sign_in(client, desk)).status_code == 303


async def test_owner_unlocks_from_the_command_line(
    client: httpx.AsyncClient, desk: Desk, signin_clock: FakeClock, database_url: str
) -> None:
    if not CLI.exists():
        pytest.skip(f"{CLI} is not installed")
    await _fail(client, desk, signin_clock, 10)
    assert (await sign_in(client, desk)).status_code == 429
    env = {**os.environ, "TICKETRY_DATABASE_URL": database_url}
    listed = await _cli(env, "signin", "list")
    assert listed.returncode == 0, listed.stderr
    line = next(x for x in listed.stdout.splitlines() if x.startswith(f"user:{desk.email}\t"))
    assert line.split("\t")[1] == "10" and line.split("\t")[2] != "-"
    done = await _cli(env, "signin", "unlock", "--email", desk.email.upper())
    assert done.returncode == 0, done.stderr
    assert "unlocked 1 of 1" in done.stderr
    assert (await sign_in(client, desk)).status_code == 303
