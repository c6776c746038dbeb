"""The worker's HTTP side: small pooled clients with a home per host, and checked
addresses reused for a short while."""

from __future__ import annotations

import ipaddress
from typing import Any

import httpx
import pytest

from ticketry.domain.webhooks.addresses import BlockedURL, Target
from ticketry.worker import deliver
from ticketry.worker.deliver import SHARD, Clients, Resolver


async def test_a_host_keeps_its_client_until_that_one_is_full() -> None:
    clients = Clients(concurrency=4 * SHARD, timeout=1.0)
    try:
        async with (
            clients.client("https://a.example/hook") as first,
            clients.client("https://a.example/other") as second,
        ):
            assert second is first
        held: list[Any] = []
        chosen = []
        for _ in range(SHARD + 1):
            manager = clients.client("https://a.example/hook")
            chosen.append(await manager.__aenter__())
            held.append(manager)
        assert chosen[:SHARD] == [first] * SHARD
        assert chosen[SHARD] is not first  # full: the next client with room
        for manager in held:
            await manager.__aexit__(None, None, None)
    finally:
        await clients.aclose()


async def test_a_receivers_cookies_are_not_kept() -> None:
    clients = Clients(concurrency=SHARD, timeout=1.0)
    try:
        async with clients.client("http://203.0.113.7/hook") as client:
            request = client.build_request("POST", "http://203.0.113.7/hook")
            answer = httpx.Response(200, headers={"Set-Cookie": "session=abc"}, request=request)
            client.cookies.extract_cookies(answer)
            assert not client.cookies
            assert "cookie" not in client.build_request("POST", "http://203.0.113.7/x").headers
    finally:
        await clients.aclose()


async def test_resolver_reuses_a_checked_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    target = Target("https", "hooks.example", 443, (ipaddress.ip_address("203.0.113.7"),))

    async def resolve(url: str, *, allow_private: bool) -> Target:
        calls.append(url)
        if "blocked" in url:
            raise BlockedURL("Webhook URLs cannot point to a private address (10.0.0.1).")
        return target

    monkeypatch.setattr(deliver, "url_resolve", resolve)
    resolver = Resolver(allow_private=False, ttl=60.0)
    assert await resolver("https://hooks.example/a") is target
    assert await resolver("https://hooks.example/b") is target
    assert len(calls) == 1
    for _ in range(2):  # a refusal is not remembered: checked again every attempt
        with pytest.raises(BlockedURL):
            await resolver("https://blocked.example/")
    assert len(calls) == 3
    expired = Resolver(allow_private=False, ttl=0.0)
    await expired("https://hooks.example/a")
    await expired("https://hooks.example/a")
    assert len(calls) == 5
