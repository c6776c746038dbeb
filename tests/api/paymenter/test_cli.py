"""``ticketry api-key create``: a key from the command line works over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from tests.api.paymenter.conftest import BASE, Shop
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


async def test_api_key_create(cli_env: None, client: httpx.AsyncClient, shop: Shop) -> None:
    result = await asyncio.to_thread(
        _invoke,
        "api-key",
        "create",
        "--account",
        shop.tenant.slug,
        "--permissions",
        "admin.tickets.view,admin.tickets.create",
    )
    assert result.exit_code == 0, result.output
    key = result.output.strip()
    assert len(key) == 64 and "\n" not in key
    headers = {"Authorization": f"Bearer {key}"}
    r = await client.get(f"{BASE}/tickets", headers=headers)
    assert r.status_code == 200
    r = await client.delete(f"{BASE}/tickets/1", headers=headers)
    assert r.status_code == 403

    bad = await asyncio.to_thread(
        _invoke, "api-key", "create", "--account", shop.tenant.slug, "--permissions", "admin.x"
    )
    assert bad.exit_code != 0 and "Unknown permission" in bad.output
