"""``Idempotency-Key`` on POST, PUT and PATCH (docs/webhooks.md, "Idempotent retries").

The first request with a key runs and its response (status, headers, body) is stored for
``TICKETRY_IDEMPOTENCY_TTL_SECONDS`` (24 h), keyed by (face, caller's token, key). A retry
with the same key and the same request (a SHA-256 of method, path, query and body) gets
the stored response again, with ``Idempotent-Replayed: true``, and writes nothing. The
same key with a different request is 409. A duplicate that arrives while the first is
still running waits for it (up to ``wait_seconds``) and then replays it, or gets 409.

Responses 5xx, 401 and 429 are not stored: the key is released, so a retry runs afresh.
If the process dies between the handler's commit and storing the response, the key's
lock runs out and a retry runs again — the window is the few milliseconds in between.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from typing import Any

import msgspec
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp

from ticketry.api.common.bookkeeping import bookkeeping_engine
from ticketry.api.common.ratelimit import caller_key
from ticketry.domain.requests import services as store
from ticketry.runtime import Runtime

log = logging.getLogger("ticketry.idempotency")

METHODS = frozenset({"POST", "PUT", "PATCH"})
MAX_KEY = 255
NOT_STORED = frozenset({401, 429})
# Headers that describe the moment, not the response.
VOLATILE = frozenset({b"date", b"server", b"content-length"})


def drf_detail(status: int, message: str) -> bytes:
    return msgspec.json.encode({"detail": message})


class Idempotency(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(
        self,
        *,
        face: str,
        error_body: Callable[[int, str], bytes] = drf_detail,
        wait_seconds: float = 10.0,
        lock_seconds: float = 60.0,
    ) -> None:
        self.face = face
        self.error_body = error_body
        self.wait_seconds = wait_seconds
        self.lock_seconds = lock_seconds

    async def _error(self, send: Any, status: int, message: str) -> None:
        body = self.error_body(status, message)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def handle(self, scope: Any, receive: Any, send: Any, next_app: ASGIApp) -> None:
        key_raw = None
        if scope.get("method") in METHODS:
            for name, value in scope.get("headers", ()):
                if name == b"idempotency-key":
                    key_raw = value
                    break
        runtime: Runtime | None = getattr(scope["litestar_app"].state, "runtime", None)
        if key_raw is None or runtime is None:
            await next_app(scope, receive, send)
            return
        key = key_raw.decode("latin-1").strip()
        if not key or len(key) > MAX_KEY:
            await self._error(send, 400, f"Idempotency-Key must be 1 to {MAX_KEY} characters long.")
            return

        # Read the whole body (within the face's limit) to fingerprint it, then hand the
        # same messages to the handler.
        limit = runtime.settings.max_body_bytes
        messages: list[Any] = []
        size = 0
        overflow = False
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > limit:
                overflow = True
                break
            if not message.get("more_body", False):
                break

        async def replay_receive() -> Any:
            if messages:
                return messages.pop(0)
            return await receive()

        if overflow:  # the handler answers 413; nothing to remember
            await next_app(scope, replay_receive, send)
            return
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
        digest = hashlib.sha256()
        for part in (scope["method"], scope["path"], scope.get("query_string", b"")):
            digest.update(part.encode() if isinstance(part, str) else part)
            digest.update(b"\0")
        digest.update(body)
        fingerprint = digest.hexdigest()
        owner = f"{self.face}:{caller_key(scope)}"[:100]
        engine = bookkeeping_engine(runtime)

        deadline = asyncio.get_running_loop().time() + self.wait_seconds
        while True:
            if await store.idempotency_claim(
                engine,
                scope=owner,
                key=key,
                fingerprint=fingerprint,
                lock_seconds=self.lock_seconds,
                ttl_seconds=runtime.settings.idempotency_ttl_seconds,
            ):
                await self._run_first(scope, replay_receive, send, next_app, engine, owner, key)
                return
            stored = await store.idempotency_get(engine, scope=owner, key=key)
            if stored is None:
                continue  # expired and deleted just now: claim again
            if stored.fingerprint != fingerprint:
                await self._error(
                    send,
                    409,
                    "This Idempotency-Key was already used with a different request.",
                )
                return
            if stored.status == store.COMPLETED:
                await self._replay(send, stored)
                return
            if asyncio.get_running_loop().time() >= deadline:
                await self._error(
                    send,
                    409,
                    "A request with this Idempotency-Key is still being processed. Retry later.",
                )
                return
            await asyncio.sleep(0.05)

    async def _run_first(
        self,
        scope: Any,
        receive: Any,
        send: Any,
        next_app: ASGIApp,
        engine: object,
        owner: str,
        key: str,
    ) -> None:
        status = 500
        headers: list[list[str]] = []
        chunks: list[bytes] = []

        async def capture(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", ()):
                    if name.lower() not in VOLATILE:
                        headers.append([name.decode("latin-1"), value.decode("latin-1")])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        completed = False
        try:
            await next_app(scope, receive, capture)
            completed = True
        finally:
            try:
                if completed and status < 500 and status not in NOT_STORED:
                    await store.idempotency_complete(
                        engine,  # type: ignore[arg-type]
                        scope=owner,
                        key=key,
                        status=status,
                        headers=headers,
                        body=b"".join(chunks),
                    )
                else:
                    await store.idempotency_release(engine, scope=owner, key=key)  # type: ignore[arg-type]
            except Exception:
                log.exception("could not store the idempotent response")

    async def _replay(self, send: Any, stored: store.StoredResponse) -> None:
        body = stored.response_body or b""
        headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in stored.response_headers]
        headers += [
            (b"content-length", str(len(body)).encode()),
            (b"idempotent-replayed", b"true"),
        ]
        await send(
            {
                "type": "http.response.start",
                "status": stored.response_status or 200,
                "headers": headers,
            }
        )
        await send({"type": "http.response.body", "body": body})
