"""A date or date-time without a zone in a ``*_from`` filter is UTC, wherever the server
runs: every date-time the face writes is UTC, so a value read back finds its ticket."""

from __future__ import annotations

import time as clock
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.conftest import Tenant
from tests.factories import create_ticket


@pytest.fixture
def far_west_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The server's local zone twelve hours behind UTC."""
    monkeypatch.setenv("TZ", "Etc/GMT+12")
    clock.tzset()
    yield
    monkeypatch.undo()
    clock.tzset()


async def test_naive_from_filters_are_utc(
    client: httpx.AsyncClient, tenant: Tenant, far_west_server: None
) -> None:
    made = await create_ticket(client, tenant)
    created = datetime.fromisoformat(made["created_at"]).astimezone(UTC)

    async def found(value: str) -> bool:
        r = await client.get(
            "/api/v2/tickets", params={"created_at_from": value}, headers=tenant.headers
        )
        assert r.status_code == 200, r.text
        return made["id"] in {t["id"] for t in r.json()["results"]}

    naive = "%Y-%m-%dT%H:%M:%S"
    assert await found((created - timedelta(seconds=1)).strftime(naive))
    assert not await found((created + timedelta(hours=1)).strftime(naive))
    assert await found(created.strftime("%Y-%m-%d"))
    assert not await found((created + timedelta(days=1)).strftime("%Y-%m-%d"))
