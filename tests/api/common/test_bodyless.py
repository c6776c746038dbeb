"""A body sent with a method that takes none is read before the answer, so the answer
arrives whole over a real connection (not reset under the client); past the size limit it
is a 413 in the face's shape."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from tests.conftest import Tenant
from ticketry.app import TicketryApp, create_app

BODY = b"x" * (4 * 1024 * 1024)  # well past any socket buffer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real server (Granian, one worker) on the test database."""
    tmp = tmp_path_factory.mktemp("bodyless")
    env = {
        **os.environ,
        "TICKETRY_DATABASE_URL": database_url,
        "TICKETRY_VAR_DIR": str(tmp),
        "TICKETRY_FILES_DIR": str(tmp / "files"),
    }
    cli = shutil.which("ticketry", path=str(Path(sys.executable).parent)) or "ticketry"
    port = _free_port()
    log = (tmp / "server.log").open("wb")
    proc = subprocess.Popen(
        [cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            if proc.poll() is not None:
                raise RuntimeError((tmp / "server.log").read_text())
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _raw_request(base: str, head: bytes, body: bytes) -> bytes:
    """Send the whole request as a client that writes before it reads, then read to EOF."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(head + body)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_get_with_a_large_body_gets_its_whole_answer(served: str, tenant: Tenant) -> None:
    for path in ("/api/v2/states", "/healthz"):
        head = (
            f"GET {path} HTTP/1.1\r\nHost: testserver\r\n"
            f"Authorization: Token {tenant.token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(BODY)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        answer = _raw_request(served, head, BODY)
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
        assert b'"results"' in answer or b'"ok"' in answer


async def test_body_past_the_limit_on_get_is_413_in_the_face_shape(
    app: TicketryApp, tenant: Tenant
) -> None:
    small = create_app(replace(app.settings, max_body_bytes=1024))
    await small.startup()
    try:
        transport = httpx.ASGITransport(app=small)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            big = b"x" * 4096
            r = await c.request("GET", "/api/v2/states", content=big, headers=tenant.headers)
            assert r.status_code == 413 and r.json() == {"detail": "Request body is too large."}
            r = await c.request("GET", "/api/v1/admin/tickets", content=big)
            assert r.status_code == 413 and r.json() == {"message": "Content Too Large"}
            r = await c.request("GET", "/api/v2/states", content=b"{}", headers=tenant.headers)
            assert r.status_code == 200, r.text
    finally:
        await small.shutdown()
