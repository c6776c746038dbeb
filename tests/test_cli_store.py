"""``ticketry store create``: store ids from the command line, seen by the API."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from tests.conftest import Tenant
from ticketry.cli import main
from ticketry.settings import reset_settings_cache


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TICKETRY_DATABASE_URL", database_url)
    reset_settings_cache()
    yield
    reset_settings_cache()


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


async def test_store_create_from_the_cli(
    cli_env: None, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    result = await asyncio.to_thread(
        _invoke, "store", "create", "--account", tenant.slug, "cli-shop"
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "cli-shop"
    again = await asyncio.to_thread(
        _invoke, "store", "create", "--account", tenant.slug, "cli-shop"
    )
    assert again.exit_code != 0 and "already exists" in again.output
    missing = await asyncio.to_thread(_invoke, "store", "create", "--account", "no-such", "x")
    assert missing.exit_code != 0 and "No account" in missing.output
    r = await client.get("/api/v2/store-ids", headers=tenant.headers)
    assert [s["store_id"] for s in r.json()["results"]] == ["cli-shop"]
