"""``ticketry oauth-app create`` prints a client id and secret that get a bearer token."""

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


async def test_oauth_app_create_then_client_credentials(
    cli_env: None, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    result = await asyncio.to_thread(
        _invoke,
        "oauth-app",
        "create",
        "--account",
        tenant.slug,
        "--name",
        "ERP",
        "--scopes",
        "tickets:read tickets:write",
    )
    assert result.exit_code == 0, result.output
    client_id, client_secret = result.output.strip().splitlines()
    r = await client.post(
        "/oauth2/token/",
        data={"grant_type": "client_credentials"},
        auth=(client_id, client_secret),
    )
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    r = await client.get("/api/admin/tickets/", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["results"] == []

    bad = await asyncio.to_thread(
        _invoke, "oauth-app", "create", "--account", tenant.slug, "--name", "x", "--scopes", "nope"
    )
    assert bad.exit_code != 0 and "Unknown scope" in bad.output
