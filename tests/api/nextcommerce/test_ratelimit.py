"""4 requests per second per access token; 429 with Retry-After beyond (fixed clock)."""

from __future__ import annotations

import pytest

from tests.api.nextcommerce.conftest import set_rate_limit
from tests.api.nextcommerce.helpers import NCClient, nc_client
from ticketry.api.common import ratelimit
from ticketry.app import TicketryApp


class FakeTime:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


async def test_429_with_retry_after(
    nc: NCClient, app: TicketryApp, client, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeTime(2_000_000_000.5)
    monkeypatch.setattr(ratelimit, "time", clock)
    set_rate_limit(app, 4)
    for _ in range(4):
        assert (await nc.get("/tickettypes/")).status_code == 200
    r = await nc.get("/tickettypes/")
    assert r.status_code == 429
    assert r.headers["retry-after"] == "1"
    assert r.json() == {"detail": "Request was throttled. Expected available in 1 second."}
    set_rate_limit(app, 0)
    other = await nc_client(app, client)  # another token has its own budget
    set_rate_limit(app, 4)
    assert (await other.get("/tickettypes/")).status_code == 200
    clock.now += 1
    assert (await nc.get("/tickettypes/")).status_code == 200


def test_setting_becomes_a_rate() -> None:
    from dataclasses import replace

    from ticketry.api.nextcommerce.app import rate_limit
    from ticketry.settings import load_settings

    settings = load_settings()
    assert rate_limit(replace(settings, nextcommerce_rate_limit=4)) == "4/second"
    assert rate_limit(replace(settings, nextcommerce_rate_limit=0)) == "0"
    assert ratelimit.Rate.parse(rate_limit(settings)) == ratelimit.Rate(limit=4, period=1)
