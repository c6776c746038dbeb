"""The installed ``ticketry`` command, run as a subprocess on a temporary SQLite database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select

from ticketry.app import create_app
from ticketry.db import create_engine, create_sessionmaker
from ticketry.demo.stories import STORIES
from ticketry.domain.accounts.models import Account
from ticketry.domain.tickets.models import Ticket
from ticketry.migrate import alembic_config
from ticketry.settings import load_settings

CLI = Path(sys.executable).with_name("ticketry")
TOKEN = re.compile(r"^[0-9a-f]{40}$")


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    if not CLI.exists():
        pytest.skip(f"{CLI} is not installed")
    tmp = tmp_path_factory.mktemp("cli")
    env = {
        **os.environ,
        "TICKETRY_DATABASE_URL": f"sqlite:///{tmp / 'cli.sqlite3'}",
        "TICKETRY_VAR_DIR": str(tmp),
        "TICKETRY_FILES_DIR": str(tmp / "files"),
    }
    run(env, "migrate")
    yield env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(CLI), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return result


async def _status(env: dict[str, str], token: str) -> int:
    settings = replace(load_settings(), database_url=env["TICKETRY_DATABASE_URL"])
    app = create_app(settings)
    await app.startup()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cli") as c:
            r = await c.get("/api/v2/states", headers={"Authorization": f"Token {token}"})
            return r.status_code
    finally:
        await app.shutdown()


async def _ticket_count(env: dict[str, str], slug: str) -> int:
    engine = create_engine(env["TICKETRY_DATABASE_URL"])
    try:
        async with create_sessionmaker(engine)() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(Ticket)
                .join(Account, Account.id == Ticket.account_id)
                .where(Account.slug == slug)
            )
            return int(count or 0)
    finally:
        await engine.dispose()


async def test_token_create_prints_only_the_token(cli_env: dict[str, str]) -> None:
    result = run(cli_env, "token", "create", "--account", "cli-a", "--email", "a@example.com")
    token = result.stdout.strip()
    assert TOKEN.match(token), result.stdout
    assert result.stdout == token + "\n"
    assert await _status(cli_env, token) == 200


async def test_token_renew_replaces_the_token(cli_env: dict[str, str]) -> None:
    old = run(cli_env, "token", "create", "--account", "cli-b", "--email", "b@example.com")
    old_token = old.stdout.strip()
    new = run(cli_env, "token", "renew", "--account", "cli-b", "--email", "B@example.com")
    new_token = new.stdout.strip()
    assert TOKEN.match(new_token) and new_token != old_token
    assert await _status(cli_env, old_token) == 401
    assert await _status(cli_env, new_token) == 200


async def test_token_revoke_stops_the_token(cli_env: dict[str, str]) -> None:
    token = run(cli_env, "token", "create", "--account", "cli-r", "--email", "r@example.com")
    raw = token.stdout.strip()
    assert await _status(cli_env, raw) == 200
    revoked = run(cli_env, "token", "revoke", "--account", "cli-r", "--email", "R@example.com")
    assert "token revoked" in revoked.stderr
    assert await _status(cli_env, raw) == 401
    again = run(cli_env, "token", "revoke", "--account", "cli-r", "--email", "r@example.com")
    assert "the user had no token" in again.stderr


def test_token_renew_of_unknown_user_fails(cli_env: dict[str, str]) -> None:
    result = subprocess.run(
        [str(CLI), "token", "renew", "--account", "nobody-here", "--email", "x@example.com"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0 and result.stdout == ""
    assert "nobody-here" in result.stderr


def test_token_create_rejects_bad_input(cli_env: dict[str, str]) -> None:
    for args in (["--account", "bad slug!", "--email", "a@example.com"], ["--email", "x"]):
        result = subprocess.run(
            [str(CLI), "token", "create", *args],
            env=cli_env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode != 0 and result.stdout == "", args


async def test_seed_adds_tickets(cli_env: dict[str, str]) -> None:
    before = await _ticket_count(cli_env, "cli-seed")
    run(cli_env, "seed", "--account", "cli-seed", "--tickets", "500")
    assert await _ticket_count(cli_env, "cli-seed") == before + 500
    # A second run on the same account adds more (codes and order numbers stay unique).
    run(cli_env, "seed", "--account", "cli-seed", "--tickets", "500", "--seed", "7")
    assert await _ticket_count(cli_env, "cli-seed") == before + 1000


async def test_demo_prints_a_token_and_a_curl_example(cli_env: dict[str, str]) -> None:
    result = run(cli_env, "demo", "--account", "cli-demo", "--tickets", "20")
    tokens = re.findall(r"\b[0-9a-f]{40}\b", result.stdout)
    assert tokens, result.stdout
    assert f"curl -H 'Authorization: Token {tokens[0]}' http://" in result.stdout
    assert "/api/v2/tickets" in result.stdout
    # The bulk-loaded tickets and the told stories (with their conversations).
    assert await _ticket_count(cli_env, "cli-demo") == 20 + len(STORIES)
    assert await _status(cli_env, tokens[0]) == 200
    again = run(cli_env, "demo", "--account", "cli-demo", "--tickets", "20")
    assert await _ticket_count(cli_env, "cli-demo") == 20 + len(STORIES)  # seeded once
    # The same token across runs (each `make run`): the one copied last time still works.
    assert re.findall(r"\b[0-9a-f]{40}\b", again.stdout)[0] == tokens[0]
    assert await _status(cli_env, tokens[0]) == 200


async def test_demo_issues_a_new_token_when_the_kept_one_stopped_working(
    cli_env: dict[str, str],
) -> None:
    first = run(cli_env, "demo", "--account", "cli-demo2", "--tickets", "5")
    (token,) = set(re.findall(r"\b[0-9a-f]{40}\b", first.stdout))
    run(cli_env, "token", "renew", "--account", "cli-demo2", "--email", "demo@example.com")
    assert await _status(cli_env, token) == 401
    again = run(cli_env, "demo", "--account", "cli-demo2", "--tickets", "5")
    (renewed,) = set(re.findall(r"\b[0-9a-f]{40}\b", again.stdout))
    assert renewed != token and await _status(cli_env, renewed) == 200


def test_migrate_says_what_it_applied(tmp_path: Path) -> None:
    if not CLI.exists():
        pytest.skip(f"{CLI} is not installed")
    env = {
        **os.environ,
        "TICKETRY_DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite3'}",
        "TICKETRY_VAR_DIR": str(tmp_path),
    }
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    first = run(env, "migrate").stderr
    assert "applied 0001 initial schema" in first
    applied = re.findall(r"^applied (\d+) ", first, re.M)
    assert applied == sorted(applied) and applied[-1] == head
    assert f"database migrated to {head} ({len(applied)} applied)" in first
    second = run(env, "migrate").stderr
    assert "applied" not in second and f"database is up to date at {head}" in second
