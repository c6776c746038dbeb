"""Attachments: uploaded by bytes-checked type and size, referenced by comments, served back
to the account's tokens only."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from tests.api.nextcommerce.helpers import BASE, NCClient, nc_client
from tests.conftest import S3Server, using_store
from ticketry.app import TicketryApp
from ticketry.domain.files.models import StoredFile
from ticketry.domain.files.storage import FileStore, S3FileStore

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%fake\n"


async def test_upload_attach_download(
    nc: NCClient, app: TicketryApp, client: httpx.AsyncClient, any_store: FileStore
) -> None:
    r = await nc.post(
        "/tickets/attachments/",
        files=[("files", ("photo ž.png", PNG, "image/png")), ("files", ("doc.pdf", PDF, "x/y"))],
    )
    assert r.status_code == 200, r.text
    uploaded = r.json()["attachments"]
    assert [a["file_name"] for a in uploaded] == ["photo ž.png", "doc.pdf"]
    assert r.json()["comments"][0]["attachments"] == uploaded

    t = await nc.create_ticket(
        comment={
            "body": "See the photo",
            "attachments": [a["id"] for a in uploaded],
            "from_email": "c@example.com",
        }
    )
    attached = t["comments"][0]["attachments"]
    assert [a["id"] for a in attached] == [a["id"] for a in uploaded]
    assert attached[0]["file"].startswith("http://testserver/api/admin/tickets/attachments/")

    r = await nc.client.get(attached[0]["file"], headers=nc.headers())
    assert r.status_code == 200 and r.content == PNG
    assert r.headers["content-type"].startswith("image/png")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "filename*=UTF-8''photo%20%C5%BE.png" in r.headers["content-disposition"]

    assert (await nc.client.get(attached[0]["file"])).status_code == 401
    other = await nc_client(app, client)
    assert (await other.client.get(attached[0]["file"], headers=other.headers())).status_code == 404
    # Another account's file cannot be attached either.
    r = await other.post(
        "/tickets/", json={"comment": {"body": "x", "attachments": [uploaded[0]["id"]]}}
    )
    assert r.status_code == 400 and "attachments" in r.json()["comment"]


async def test_type_is_decided_by_the_bytes(nc: NCClient) -> None:
    r = await nc.post(
        "/tickets/attachments/", files={"files": ("evil.png", b"<html>hi</html>", "image/png")}
    )
    assert r.status_code == 400 and "files" in r.json()
    r = await nc.post("/tickets/attachments/", files={"other": ("a.png", PNG, "image/png")})
    assert r.status_code == 400 and r.json() == {"files": ["No file was submitted."]}


async def test_size_limit(nc: NCClient, app: TicketryApp, client: httpx.AsyncClient) -> None:
    from dataclasses import replace

    face = next(f for prefix, f in app.faces if prefix == "/api/admin")
    runtime = face.state.runtime
    original = runtime.settings
    runtime.settings = replace(original, max_file_bytes=32)
    try:
        r = await nc.post("/tickets/attachments/", files={"files": ("a.png", PNG, "image/png")})
    finally:
        runtime.settings = original
    assert r.status_code == 400 and "too large" in r.json()["files"][0]


async def test_store_outage_is_503_and_writes_nothing(
    nc: NCClient, app: TicketryApp, s3_server: S3Server
) -> None:
    assert app.runtime is not None

    async def stored_count() -> int:
        async with app.runtime.sessionmaker() as session:  # type: ignore[union-attr]
            return int(await session.scalar(select(func.count()).select_from(StoredFile)) or 0)

    before = await stored_count()
    with using_store(app, S3FileStore(s3_server.settings(bucket="bucket-that-was-deleted"))):
        r = await nc.client.post(
            f"{BASE}/tickets/attachments/",
            headers=nc.headers(),
            files={"files": ("a.png", PNG, "image/png")},
        )
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"] == "30"
    assert "try again" in r.json()["detail"]
    assert await stored_count() == before


class RecordingStore:
    """Delegates to a real store and remembers what was saved."""

    def __init__(self, inner: FileStore) -> None:
        self.inner = inner
        self.saved: list[str] = []

    async def save(self, key: str, content: bytes, content_type: str) -> None:
        await self.inner.save(key, content, content_type)
        self.saved.append(key)

    async def load(self, key: str) -> bytes:
        return await self.inner.load(key)

    async def delete(self, key: str) -> None:
        await self.inner.delete(key)


async def test_a_refused_upload_leaves_no_bytes_behind(
    nc: NCClient, app: TicketryApp, any_store: FileStore
) -> None:
    from ticketry.domain.errors import NotFound
    from ticketry.domain.files.services import file_cleanups_wait

    recording = RecordingStore(any_store)
    with using_store(app, recording):
        r = await nc.post(
            "/tickets/attachments/",
            files=[("files", ("ok.png", PNG, "image/png")), ("files", ("bad.png", b"<x>", "x"))],
        )
        assert r.status_code == 400 and "files" in r.json()
        await file_cleanups_wait()
    assert len(recording.saved) == 1  # the good file was stored before the bad one failed
    with pytest.raises(NotFound):
        await any_store.load(recording.saved[0])

    # A committed upload keeps its bytes.
    with using_store(app, recording):
        r = await nc.post("/tickets/attachments/", files={"files": ("kept.png", PNG, "image/png")})
        assert r.status_code == 200, r.text
        await file_cleanups_wait()
    assert await any_store.load(recording.saved[-1]) == PNG
