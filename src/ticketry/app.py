"""The ASGI application: every face of Ticketry behind one dispatcher, one runtime."""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import Any

import msgspec
from litestar import Litestar

import ticketry.domain.models  # noqa: F401  (every mapper configured)
from ticketry import signals
from ticketry.api.common.openapi import docs_page
from ticketry.api.nextcommerce.app import PREFIX as NEXTCOMMERCE_PREFIX
from ticketry.api.nextcommerce.app import SCHEMA_PATH as NEXTCOMMERCE_SCHEMA
from ticketry.api.nextcommerce.app import create_nextcommerce_app
from ticketry.api.nextcommerce.oauth import PREFIX as OAUTH_PREFIX
from ticketry.api.nextcommerce.oauth import create_oauth_app
from ticketry.api.paymenter.app import PREFIX as PAYMENTER_PREFIX
from ticketry.api.paymenter.app import SCHEMA_PATH as PAYMENTER_SCHEMA
from ticketry.api.paymenter.app import create_paymenter_app
from ticketry.api.portos.app import PREFIX as PORTOS_PREFIX
from ticketry.api.portos.app import SCHEMA_PATH as PORTOS_SCHEMA
from ticketry.api.portos.app import create_portos_app
from ticketry.api.retino.app import PREFIX as RETINO_PREFIX
from ticketry.api.retino.app import SCHEMA_PATH as RETINO_SCHEMA
from ticketry.api.retino.app import create_retino_app
from ticketry.assembly import runtime_build, runtime_close, runtime_start
from ticketry.http.bodyless import buffer_unexpected_body
from ticketry.runtime import Runtime
from ticketry.settings import Settings, get_settings
from ticketry.web.desk.app import create_desk_app
from ticketry.web.desk.session_pages import PREFIX as DESK_PREFIX
from ticketry.web.portal.app import create_portal_app
from ticketry.web.portal.pages import PREFIX as PORTAL_PREFIX

log = logging.getLogger("ticketry")

Scope = dict[str, Any]

DOCUMENTS = [
    ("Retino Tickets API v2", RETINO_SCHEMA + "/"),
    ("Next Commerce admin API (tickets)", NEXTCOMMERCE_SCHEMA + "/"),
    ("PORTOS tickets API", PORTOS_SCHEMA + "/"),
    ("Paymenter admin API (tickets)", PAYMENTER_SCHEMA + "/"),
]


class TicketryApp:
    """Routes each request to the face that owns its path prefix.

    Each face is its own Litestar app, so each has its own error shapes (a 404 from the
    Retino face looks like DRF's, one from Paymenter's like Laravel's) and OpenAPI document.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.faces: list[tuple[str, Litestar]] = [
            (RETINO_PREFIX, create_retino_app(settings.max_body_bytes)),
            (
                NEXTCOMMERCE_PREFIX,
                create_nextcommerce_app(settings.max_body_bytes),
            ),
            (OAUTH_PREFIX, create_oauth_app(settings.max_body_bytes)),
            (PORTOS_PREFIX, create_portos_app(settings.max_body_bytes)),
            (PAYMENTER_PREFIX, create_paymenter_app(settings.max_body_bytes)),
            (DESK_PREFIX, create_desk_app(settings.max_body_bytes)),
            (PORTAL_PREFIX, create_portal_app(settings.max_body_bytes)),
        ]
        self.runtime: Runtime | None = None
        self._started = asyncio.Lock()
        # The webhook worker inside the server (TICKETRY_WORKER_IN_PROCESS; app_factory).
        self.start_worker = False
        self._worker_stop: asyncio.Event | None = None
        self._worker_task: asyncio.Task[None] | None = None

    async def startup(self) -> None:
        async with self._started:
            if self.runtime is not None:
                return
            runtime = runtime_build(self.settings, serving=True)
            await runtime_start(runtime)
            self.runtime = runtime
            for _, face in self.faces:
                face.state.runtime = self.runtime
            if self.start_worker:
                from ticketry.worker.runner import run_in_process

                self._worker_stop = asyncio.Event()
                self._worker_task = asyncio.create_task(
                    run_in_process(self.runtime, self._worker_stop)
                )

    async def shutdown(self) -> None:
        if self._worker_task is not None and self._worker_stop is not None:
            self._worker_stop.set()
            try:
                await asyncio.wait_for(self._worker_task, self.settings.shutdown_grace_seconds + 5)
            except Exception:
                log.exception("webhook worker did not stop cleanly")
            self._worker_task = None
        from ticketry.domain.files.services import file_cleanups_wait

        await file_cleanups_wait()
        if self.runtime is not None:
            await runtime_close(self.runtime)
            self.runtime = None

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:  # report, don't crash the server silently
                    log.exception("startup failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
                # Told to stop while starting (see ticketry.signals): stop now.
                signals.replay()
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if self.runtime is None:
            await self.startup()
        path: str = scope.get("path", "")
        if scope["type"] == "http":
            receive = await buffer_unexpected_body(scope, receive, self.settings.max_body_bytes)
        for prefix, face in self.faces:
            if path == prefix or path.startswith(prefix + "/"):
                await face(scope, receive, send)  # type: ignore[arg-type]
                return
        if scope["type"] != "http":
            return
        if path.rstrip("/") == "/api/docs":
            await _respond(send, 200, docs_page(DOCUMENTS).encode(), "text/html; charset=utf-8")
        elif path == "/":
            body = msgspec.json.encode(
                {
                    "name": "Ticketry",
                    "docs": "/api/docs/",
                    "apis": {"retino": RETINO_PREFIX, "portos": PORTOS_PREFIX},
                }
            )
            await _respond(send, 200, body, "application/json")
        elif path == "/healthz":
            await _respond(send, 200, b'{"status":"ok"}', "application/json")
        else:
            await _respond(send, 404, b'{"detail":"Not found."}', "application/json")


async def _respond(send: Any, status: int, body: bytes, content_type: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def create_app(settings: Settings | None = None) -> TicketryApp:
    return TicketryApp(settings or get_settings())


def app_factory() -> TicketryApp:
    """Entry point for the ASGI server (``ticketry.app:app_factory``)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app()
    app.start_worker = app.settings.run_worker_in_process
    # A server process holds a large heap (every face, the mappers) and a write such as a
    # bulk of 100 orders makes tens of thousands of short-lived objects: with CPython's
    # default thresholds (700, 10, 10) the cycle collector ran some 6 times per bulk and a
    # full collection every ~60, a fifth of its CPU (bench/README.md, orders). Less often.
    gc.set_threshold(50_000, 20, 100)
    return app
