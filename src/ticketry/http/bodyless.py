"""Bodies sent with methods that take none (GET, HEAD, OPTIONS, DELETE).

No handler reads them, so the server answered and then closed a connection with unread
bytes still arriving: the kernel resets it, and the client often loses the answer it was
sent. Here such a body is read before the face sees the request, up to the request size
limit, and handed on (a handler that wants it, such as a signature check, still has it).
Past the limit the request is marked, and the face answers 413 in its own shape.
"""

from __future__ import annotations

from typing import Any

BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
TOO_LARGE = "ticketry.body_too_large"

Scope = dict[str, Any]


def _announces_body(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"transfer-encoding":
            return True
        if name == b"content-length":
            return value.strip() not in (b"", b"0")
    return False


async def buffer_unexpected_body(scope: Scope, receive: Any, limit: int) -> Any:
    """The ``receive`` to hand on: the original one, or one replaying the body read here."""
    if scope.get("method") not in BODYLESS_METHODS or not _announces_body(scope):
        return receive
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            pending: dict[str, Any] | None = message  # a disconnect: pass it on
            break
        size += len(message.get("body", b""))
        if size > limit:
            scope[TOO_LARGE] = True
            return receive
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            pending = None
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> dict[str, Any]:
        nonlocal replayed
        if not replayed:
            replayed = True
            if pending is not None:
                return pending
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # type: ignore[no-any-return]

    return replay


def body_too_large(scope: Scope) -> bool:
    return bool(scope.get(TOO_LARGE))
