"""``ticketry serve`` and ``ticketry worker`` stop on SIGTERM/SIGINT: the real commands as
subprocesses on the test database, a signal, and a generous bound on the wait (a liveness
bound: it hung for good before, it is not a measure of speed)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete

from tests.conftest import Tenant
from tests.factories import create_ticket, ticket_body
from tests.worker.helpers import deliveries_of, started_app, subscribe
from tests.worker.receiver import Receiver, run_receiver
from ticketry.app import TicketryApp
from ticketry.domain.webhooks.models import PENDING, WebhookSubscription

CLI = Path(sys.executable).with_name("ticketry")
STOPS_WITHIN = 15.0  # seconds; before the fix a server could wait for ever


@dataclass
class Process:
    proc: subprocess.Popen[bytes]
    log: Path
    base: str = ""

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def signal(self, sig: int, *, group: bool = False) -> None:
        if group:  # as a terminal's Ctrl-C does: the server and its workers
            os.killpg(self.proc.pid, sig)
        else:
            self.proc.send_signal(sig)

    async def wait(self) -> int | None:
        """The exit code, or None if it is still running after ``STOPS_WITHIN``."""
        deadline = time.monotonic() + STOPS_WITHIN
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return self.proc.returncode
            await asyncio.sleep(0.05)
        return self.proc.poll()

    async def wait_for_output(self, text: str, limit: float = 60.0) -> None:
        deadline = time.monotonic() + limit
        while text not in self.output():
            assert self.proc.poll() is None, self.output()
            assert time.monotonic() < deadline, f"no {text!r} in:\n{self.output()}"
            await asyncio.sleep(0.02)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def command_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    if not CLI.exists():
        pytest.skip(f"{CLI} is not installed")
    return {
        **os.environ,
        "TICKETRY_DATABASE_URL": database_url,
        "TICKETRY_VAR_DIR": str(tmp_path),
        "TICKETRY_FILES_DIR": str(tmp_path / "files"),
        "TICKETRY_RATE_LIMIT": "off",
        "TICKETRY_WEBHOOK_ALLOW_PRIVATE": "1",
        "TICKETRY_WORKER_POLL_SECONDS": "0.05",
        "TICKETRY_SHUTDOWN_GRACE_SECONDS": "1",
        # The webhook worker inside the server on PostgreSQL too (default: SQLite only).
        "TICKETRY_WORKER_IN_PROCESS": "1",
    }


@contextmanager
def _started(env: dict[str, str], tmp_path: Path, *args: str) -> Iterator[Process]:
    log = tmp_path / f"{args[0]}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(CLI), *args], env=env, stdout=out, stderr=out, start_new_session=True
        )
    running = Process(proc, log)
    try:
        yield running
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


@contextmanager
def serving(env: dict[str, str], tmp_path: Path, workers: int = 2) -> Iterator[Process]:
    port = _free_port()
    args = ("serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers))
    with _started(env, tmp_path, *args) as server:
        server.base = f"http://127.0.0.1:{port}"
        yield server


async def _up(server: Process) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(base_url=server.base) as c:
        while True:
            assert server.proc.poll() is None, server.output()
            try:
                if (await c.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, server.output()
            await asyncio.sleep(0.1)


async def _wait_until(check: Any, limit: float = 30.0) -> bool:
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def _subscribe(base: str, tenant: Tenant, url: str) -> None:
    async with httpx.AsyncClient(base_url=base, headers=tenant.headers) as c:
        r = await c.post(
            "/api/v2/webhooks",
            json={"url": url, "events": ["ticket.created"], "secret": "s3cret"},
        )
        assert r.status_code == 201, r.text


async def _assert_handed_back(app: TicketryApp, tenant: Tenant) -> None:
    """No delivery of the tenant's is left leased; the one cut short is due again, as if
    never claimed."""
    deliveries = await deliveries_of(app, tenant.account_id)
    assert deliveries
    for d in deliveries:
        assert d.lease is None and d.locked_until is None, (d.status, d.lease)
    cut = [d for d in deliveries if d.status == PENDING]
    assert cut and all(d.attempts == 0 for d in cut)


@pytest.fixture
async def held_receiver(app: TicketryApp, tenant: Tenant) -> AsyncIterator[Receiver]:
    """A webhook endpoint that never answers (until the test ends); the tenant's
    subscriptions go afterwards, so no later test's worker calls it."""
    with run_receiver() as receiver:
        receiver.hold = threading.Event()
        yield receiver
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        await session.execute(
            delete(WebhookSubscription).where(WebhookSubscription.account_id == tenant.account_id)
        )
        await session.commit()


# ---- ticketry serve --------------------------------------------------------------------------


async def _post_in_two_halves(base: str, tenant: Tenant, between: Any) -> int:
    """POST a ticket on a connection the server has already answered on (so a worker owns
    it), sending the body's second half only after ``between()``; the response's status."""
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        await reader.readexactly(length)
        body = json.dumps(ticket_body()).encode()
        writer.write(
            f"POST /api/v2/tickets HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Token {tenant.token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body[:10]
        )
        await writer.drain()
        await between()
        writer.write(body[10:])
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), STOPS_WITHIN)
        return int(status_line.split()[1])
    finally:
        writer.close()


@pytest.mark.parametrize("group", [False, True], ids=["SIGTERM to the server", "SIGINT to all"])
async def test_serve_answers_the_request_in_flight_and_exits_0(
    command_env: dict[str, str], tmp_path: Path, tenant: Tenant, group: bool
) -> None:
    with serving(command_env, tmp_path) as server:
        await _up(server)

        async def stop() -> None:
            server.signal(signal.SIGINT if group else signal.SIGTERM, group=group)
            await server.wait_for_output("Shutting down granian")
            await asyncio.sleep(0.2)

        assert await _post_in_two_halves(server.base, tenant, stop) == 201
        assert await server.wait() == 0, server.output()


async def test_serve_under_load_hands_back_the_webhook_worker_s_deliveries(
    app: TicketryApp,
    command_env: dict[str, str],
    tmp_path: Path,
    tenant: Tenant,
    held_receiver: Receiver,
) -> None:
    with serving(command_env, tmp_path) as server:
        await _up(server)
        await _subscribe(server.base, tenant, held_receiver.url)
        statuses: list[int] = []
        stopping = asyncio.Event()

        async def writer() -> None:
            async with httpx.AsyncClient(base_url=server.base, headers=tenant.headers) as c:
                while not stopping.is_set():
                    try:
                        r = await c.post("/api/v2/tickets", json=ticket_body())
                    except httpx.TransportError:
                        return  # the server has stopped listening
                    statuses.append(r.status_code)

        writers = [asyncio.create_task(writer()) for _ in range(8)]
        try:
            assert await _wait_until(held_receiver.arrived.is_set), server.output()
            server.signal(signal.SIGTERM)
            code = await server.wait()
        finally:
            stopping.set()
            await asyncio.gather(*writers)
        assert code == 0, server.output()
    assert statuses and set(statuses) == {201}
    await _assert_handed_back(app, tenant)


async def test_serve_told_to_stop_while_its_workers_start_stops(
    command_env: dict[str, str], tmp_path: Path
) -> None:
    with serving(command_env, tmp_path) as server:
        # The workers are importing the app now: a signal used to be swallowed here.
        await server.wait_for_output("Spawning worker-2")
        server.signal(signal.SIGTERM)
        assert await server.wait() == 0, server.output()


# ---- ticketry worker -------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_worker_hands_back_the_deliveries_in_flight_and_exits_0(
    app: TicketryApp,
    command_env: dict[str, str],
    tmp_path: Path,
    tenant: Tenant,
    held_receiver: Receiver,
    sig: int,
) -> None:
    allowed = await started_app(app)  # the test app refuses loopback targets
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=allowed), base_url="http://testserver"
        ) as c:
            await subscribe(c, tenant, held_receiver.url, events=["ticket.created"])
            await create_ticket(c, tenant)
    finally:
        await allowed.shutdown()
    with _started(command_env, tmp_path, "worker") as worker:
        assert await _wait_until(held_receiver.arrived.is_set), worker.output()
        worker.signal(sig)
        assert await worker.wait() == 0, worker.output()
    assert "handed back 1 deliveries" in worker.output()
    await _assert_handed_back(app, tenant)
