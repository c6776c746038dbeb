"""Per-token rate limits, shared by every server process (docs/webhooks.md, "Rate limits").

A fixed window per caller: the caller is its API token (hashed; the raw token is never
stored) or, without a token, its address. The counter lives in the database
(``rate_limit_counters``, claimed in blocks: see ``DatabaseBackend``) or in Redis when
``TICKETRY_REDIS_URL`` is set. Every response carries ``X-RateLimit-Limit``,
``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (Unix time the window ends); an excess
request gets 429 with ``Retry-After``. If the counter store fails, requests pass (a
broken limiter must not take the API down) and the failure is logged.

Each face wires it with its own limit and error body::

    RateLimit(face="retino", rate=lambda s: s.rate_limit, reject=drf_throttled)
    RateLimit(face="nextcommerce", rate="4/second", reject=...)
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Scope

from ticketry.api.common.bookkeeping import bookkeeping_engine
from ticketry.domain.requests.services import rate_limit_hit
from ticketry.runtime import CounterBackend, Runtime
from ticketry.settings import Settings

log = logging.getLogger("ticketry.ratelimit")

PERIODS = {"s": 1, "second": 1, "m": 60, "minute": 60, "h": 3600, "hour": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds

    @classmethod
    def parse(cls, text: str) -> Rate | None:
        """``600/minute``, ``4/second``, ``1000/hour``, ``100/10s``; ``0``/``off``: none."""
        text = text.strip().lower()
        if text in ("", "0", "off", "none"):
            return None
        count, _, unit = text.partition("/")
        unit = unit or "minute"
        digits = "".join(c for c in unit if c.isdigit())
        name = unit[len(digits) :]
        if name not in PERIODS:
            raise ValueError(f"bad rate {text!r}: use N/second, N/minute, N/hour or N/<k>s")
        period = PERIODS[name] * (int(digits) if digits else 1)
        return cls(limit=int(count), period=period)


def caller_key(scope: Scope) -> str:
    """The token's SHA-256 (or the client address when there is no token)."""
    for name, value in scope.get("headers", ()):
        if name in (b"authorization", b"authentication") and value.strip():
            parts = value.split()
            raw = parts[-1] if parts else value
            return "t:" + hashlib.sha256(raw).hexdigest()[:40]
    client = scope.get("client") or ("?", 0)
    return f"ip:{client[0]}"


def drf_throttled(wait: int) -> bytes:
    """Django REST framework's throttle body."""
    unit = "second" if wait == 1 else "seconds"
    return msgspec.json.encode(
        {"detail": f"Request was throttled. Expected available in {wait} {unit}."}
    )


class Backend:
    async def hit(self, key: str, window_start: int, period: int, limit: int) -> int:
        """Count one request of ``key`` in the window; the count so far, this one included."""
        raise NotImplementedError

    async def close(self) -> None:
        return None


@dataclass
class _Block:
    window_start: int
    next_count: int  # the count the next request of this process gets
    end: int  # the last count of the block


class DatabaseBackend(Backend):
    """Counters in the database, claimed in blocks: a process adds ``block`` to the shared
    counter at once and hands the counts out from memory, so a busy token costs one write
    per block instead of one per request. Every count is still given out once across all
    processes, so nobody gets more than the limit; the price is that counts a process claimed
    but did not use by the window's end are lost, so with several processes a caller may be
    refused up to (block - 1) x (processes - 1) requests early. Blocks are 1/20 of the limit
    (at most 50): 600/minute claims 30 at a time; small limits (4/second) stay exact."""

    MAX_BLOCK = 50

    def __init__(self, runtime: Runtime) -> None:
        self.engine = bookkeeping_engine(runtime)
        self._blocks: dict[str, _Block] = {}
        self._claiming: dict[str, asyncio.Lock] = {}

    @classmethod
    def block_for(cls, limit: int) -> int:
        return max(1, min(limit // 20, cls.MAX_BLOCK))

    def _take(self, key: str, window_start: int) -> int | None:
        block = self._blocks.get(key)
        if block is None or block.window_start != window_start or block.next_count > block.end:
            return None
        block.next_count += 1
        return block.next_count - 1

    async def hit(self, key: str, window_start: int, period: int, limit: int) -> int:
        size = self.block_for(limit)
        if size == 1:
            return await rate_limit_hit(
                self.engine, key=key, window_start=window_start, period=period
            )
        taken = self._take(key, window_start)
        if taken is not None:
            return taken
        # One claim at a time per caller: a burst waits for it instead of claiming a block
        # each (which would waste most of them and refuse the caller early).
        lock = self._claiming.setdefault(key, asyncio.Lock())
        async with lock:
            taken = self._take(key, window_start)
            if taken is not None:
                return taken
            end = await rate_limit_hit(
                self.engine, key=key, window_start=window_start, period=period, amount=size
            )
            self._forget_old(window_start)
            self._blocks[key] = _Block(
                window_start=window_start, next_count=end - size + 2, end=end
            )
            return end - size + 1

    def _forget_old(self, window_start: int) -> None:
        if len(self._blocks) > 10_000:
            for key in [k for k, b in self._blocks.items() if b.window_start < window_start]:
                del self._blocks[key]
                lock = self._claiming.get(key)
                if lock is not None and not lock.locked():
                    del self._claiming[key]


class RedisBackend(Backend):
    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self.client = redis.from_url(url)

    async def hit(self, key: str, window_start: int, period: int, limit: int) -> int:
        name = f"ticketry:rl:{key}:{window_start}"
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, period + 1)
            count, _ = await pipe.execute()
        return int(count)

    async def close(self) -> None:
        await self.client.aclose()


async def backend_close(runtime: Runtime) -> None:
    backend, runtime.counters = runtime.counters, None
    if backend is not None:
        await backend.close()


def backend_for(runtime: Runtime) -> CounterBackend:
    if runtime.counters is None:
        settings: Settings = runtime.settings
        runtime.counters = (
            RedisBackend(settings.redis_url) if settings.redis_url else DatabaseBackend(runtime)
        )
    return runtime.counters


class RateLimit(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(
        self,
        *,
        face: str,
        rate: str | Callable[[Settings], str],
        reject: Callable[[int], bytes] = drf_throttled,
        content_type: str = "application/json",
    ) -> None:
        self.face = face
        self.rate = rate
        self.reject = reject
        self.content_type = content_type
        self._parsed: dict[str, Rate | None] = {}

    def _rate(self, settings: Settings) -> Rate | None:
        text = self.rate if isinstance(self.rate, str) else self.rate(settings)
        if text not in self._parsed:
            self._parsed[text] = Rate.parse(text)
        return self._parsed[text]

    async def handle(self, scope: Any, receive: Any, send: Any, next_app: ASGIApp) -> None:
        runtime: Runtime | None = getattr(scope["litestar_app"].state, "runtime", None)
        rate = self._rate(runtime.settings) if runtime is not None else None
        if runtime is None or rate is None:
            await next_app(scope, receive, send)
            return
        now = time.time()
        window_start = int(now // rate.period * rate.period)
        reset = window_start + rate.period
        try:
            count = await backend_for(runtime).hit(
                f"{self.face}:{caller_key(scope)}", window_start, rate.period, rate.limit
            )
        except Exception:
            log.exception("rate limit store failed; letting the request through")
            await next_app(scope, receive, send)
            return
        headers = [
            (b"x-ratelimit-limit", str(rate.limit).encode()),
            (b"x-ratelimit-remaining", str(max(rate.limit - count, 0)).encode()),
            (b"x-ratelimit-reset", str(reset).encode()),
        ]
        if count > rate.limit:
            wait = max(1, math.ceil(reset - now))
            body = self.reject(wait)
            await send(
                {
                    "type": "http.response.start",
                    "status": 429,
                    "headers": [
                        (b"content-type", self.content_type.encode()),
                        (b"content-length", str(len(body)).encode()),
                        (b"retry-after", str(wait).encode()),
                        *headers,
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *headers]}
            await send(message)

        await next_app(scope, receive, send_with_headers)


__all__ = ["Backend", "Rate", "RateLimit", "caller_key", "drf_throttled"]
