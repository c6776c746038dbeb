"""Per-token rate limits over HTTP (database counter, and Redis when it answers)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import make_tenant
from tests.worker.helpers import started_app
from ticketry.api.common.ratelimit import Rate
from ticketry.app import TicketryApp


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(params=["database", "redis"])
async def limited_app(
    request: pytest.FixtureRequest, app: TicketryApp
) -> AsyncIterator[TicketryApp]:
    redis_url = None
    if request.param == "redis":
        if not _redis_up():
            pytest.skip("no Redis on 127.0.0.1:6379")
        redis_url = "redis://127.0.0.1:6379/0"
    other = await started_app(app, rate_limit="5/hour", redis_url=redis_url)
    yield other
    await other.shutdown()


async def _not_near_window_end(period: int) -> None:
    left = period - time.time() % period
    if left < 3:
        await asyncio.sleep(left + 0.1)


async def test_burst_gets_429_with_headers(limited_app: TicketryApp) -> None:
    tenant = await make_tenant(limited_app)
    other = await make_tenant(limited_app)
    await _not_near_window_end(3600)
    transport = httpx.ASGITransport(app=limited_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        responses = await asyncio.gather(
            *[c.get("/api/v2/states", headers=tenant.headers) for _ in range(8)]
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] * 5 + [429] * 3
        ok = [r for r in responses if r.status_code == 200]
        assert sorted(int(r.headers["x-ratelimit-remaining"]) for r in ok) == [0, 1, 2, 3, 4]
        assert all(r.headers["x-ratelimit-limit"] == "5" for r in responses)
        reset = int(ok[0].headers["x-ratelimit-reset"])
        assert reset % 3600 == 0 and reset > time.time()
        throttled = next(r for r in responses if r.status_code == 429)
        wait = int(throttled.headers["retry-after"])
        assert 1 <= wait <= 3600
        assert throttled.headers["x-ratelimit-remaining"] == "0"
        assert throttled.json() == {
            "detail": f"Request was throttled. Expected available in {wait} seconds."
        }
        # another token has a budget of its own
        r = await c.get("/api/v2/states", headers=other.headers)
        assert r.status_code == 200 and r.headers["x-ratelimit-remaining"] == "4"


async def test_default_app_sends_headers(client: httpx.AsyncClient, tenant) -> None:
    r = await client.get("/api/v2/states", headers=tenant.headers)
    assert r.status_code == 200
    assert r.headers["x-ratelimit-limit"] == "600"
    assert int(r.headers["x-ratelimit-remaining"]) <= 599


def test_rate_parsing() -> None:
    assert Rate.parse("600/minute") == Rate(600, 60)
    assert Rate.parse("4/second") == Rate(4, 1)
    assert Rate.parse("100/10s") == Rate(100, 10)
    assert Rate.parse("1000/hour") == Rate(1000, 3600)
    assert Rate.parse("off") is None and Rate.parse("0") is None
    with pytest.raises(ValueError):
        Rate.parse("5/fortnight")


async def test_database_counter_is_claimed_in_blocks_and_never_overshoots(
    app: TicketryApp,
) -> None:
    """100/hour is claimed 5 counts at a time: one process gives out exactly 100; two
    processes sharing the counter give out no more than 100 and lose at most 4."""
    import hashlib

    from sqlalchemy import event, func, select

    from ticketry.api.common.bookkeeping import bookkeeping_engine
    from ticketry.api.common.ratelimit import DatabaseBackend
    from ticketry.domain.requests.models import RateLimitCounter

    assert DatabaseBackend.block_for(100) == 5
    await _not_near_window_end(3600)
    one = await started_app(app, rate_limit="100/hour")
    two = await started_app(app, rate_limit="100/hour")
    try:
        tenant = await make_tenant(one)
        shared = await make_tenant(one)
        async with (
            httpx.AsyncClient(transport=httpx.ASGITransport(app=one), base_url="http://1") as c1,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=two), base_url="http://2") as c2,
        ):
            assert one.runtime is not None
            engine = bookkeeping_engine(one.runtime).sync_engine
            upserts: list[str] = []

            def seen(_c: object, _cur: object, statement: str, *_: object) -> None:
                if "rate_limit_counters" in statement:
                    upserts.append(statement)

            event.listen(engine, "before_cursor_execute", seen)
            try:
                burst = await asyncio.gather(
                    *[c1.get("/api/v2/states", headers=tenant.headers) for _ in range(130)]
                )
            finally:
                event.remove(engine, "before_cursor_execute", seen)
            assert len(upserts) == 130 // 5  # one write per block, not per request
            ok = [r for r in burst if r.status_code == 200]
            assert len(ok) == 100 and len(burst) - len(ok) == 30
            remaining = sorted(int(r.headers["x-ratelimit-remaining"]) for r in ok)
            assert remaining == list(range(100))

            mixed = await asyncio.gather(
                *[
                    (c1 if n % 2 else c2).get("/api/v2/states", headers=shared.headers)
                    for n in range(130)
                ]
            )
            allowed = sum(r.status_code == 200 for r in mixed)
            assert 96 <= allowed <= 100
        assert one.runtime is not None
        key = "retino:t:" + hashlib.sha256(tenant.token.encode()).hexdigest()[:40]
        async with one.runtime.sessionmaker() as session:
            counted = await session.scalar(
                select(func.sum(RateLimitCounter.count)).where(RateLimitCounter.key == key)
            )
        assert counted == 130
    finally:
        await one.shutdown()
        await two.shutdown()
