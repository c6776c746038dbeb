"""The file stores: a local directory and an S3-compatible bucket (moto's S3 server on
loopback), both behind one protocol, and the settings that choose between them."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import S3Server, Tenant
from ticketry.domain.errors import NotFound, StorageUnavailable, ValidationFailed
from ticketry.domain.files.services import files_store
from ticketry.domain.files.storage import (
    FileStore,
    LocalFileStore,
    S3FileStore,
    file_store_from_settings,
)
from ticketry.settings import get_settings, load_settings, reset_settings_cache

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> FileStore:
    if request.param == "local":
        return LocalFileStore(tmp_path)
    s3: S3Server = request.getfixturevalue("s3_server")
    return S3FileStore(s3.settings(prefix=f"t-{uuid.uuid4().hex[:8]}"))


async def test_round_trip_and_delete(store: FileStore) -> None:
    await store.save("7/a.png", PNG, "image/png")
    assert await store.load("7/a.png") == PNG
    await store.save("7/a.png", b"%PDF-1.4 replaced", "application/pdf")
    assert await store.load("7/a.png") == b"%PDF-1.4 replaced"
    await store.delete("7/a.png")
    with pytest.raises(NotFound):
        await store.load("7/a.png")
    await store.delete("7/a.png")  # deleting twice is not an error


async def test_missing_file_is_not_found(store: FileStore) -> None:
    with pytest.raises(NotFound):
        await store.load("1/never-written.png")


async def test_local_store_refuses_keys_outside_its_root(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path / "files")
    with pytest.raises(ValueError):
        await store.save("../outside.png", PNG, "image/png")
    assert not (tmp_path / "outside.png").exists()


async def test_local_store_write_failure_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "files"
    blocker.write_text("a file where the directory should be")
    with pytest.raises(StorageUnavailable):
        await LocalFileStore(blocker).save("1/a.png", PNG, "image/png")


async def test_s3_objects_carry_prefix_and_content_type(s3_server: S3Server) -> None:
    prefix = f"tenant-{uuid.uuid4().hex[:8]}"
    store = S3FileStore(s3_server.settings(prefix=prefix))
    await store.save("3/photo.png", PNG, "image/png")
    head = store.client.head_object(Bucket=s3_server.bucket, Key=f"{prefix}/3/photo.png")
    assert head["ContentType"] == "image/png"
    assert head["ContentLength"] == len(PNG)
    await store.check()


async def test_s3_missing_bucket_is_unavailable(s3_server: S3Server) -> None:
    store = S3FileStore(s3_server.settings(bucket="no-such-bucket-here"))
    with pytest.raises(StorageUnavailable):
        await store.save("1/a.png", PNG, "image/png")
    with pytest.raises(StorageUnavailable):
        await store.check()


async def test_s3_unreachable_endpoint_is_unavailable(s3_server: S3Server) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = S3FileStore(s3_server.settings(endpoint_url=f"http://127.0.0.1:{port}"))
    with pytest.raises(StorageUnavailable):
        await store.load("1/a.png")


async def test_settings_choose_the_s3_store(
    s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TICKETRY_FILE_STORE", "s3")
    monkeypatch.setenv("TICKETRY_S3_BUCKET", s3_server.bucket)
    monkeypatch.setenv("TICKETRY_S3_PREFIX", "/from-env/")
    monkeypatch.setenv("TICKETRY_S3_ENDPOINT_URL", s3_server.endpoint_url)
    monkeypatch.setenv("TICKETRY_S3_REGION", "us-east-1")
    monkeypatch.setenv("TICKETRY_S3_ACCESS_KEY_ID", "ticketry-test")
    monkeypatch.setenv("TICKETRY_S3_SECRET_ACCESS_KEY", "ticketry-test-secret")
    monkeypatch.setenv("TICKETRY_S3_ADDRESSING_STYLE", "path")
    reset_settings_cache()
    try:
        settings = get_settings()
        assert settings.s3 is not None and settings.s3.prefix == "from-env"
        store = file_store_from_settings(settings)
        assert isinstance(store, S3FileStore)
        await store.save("9/env.png", PNG, "image/png")
        assert await store.load("9/env.png") == PNG
        assert store.client.get_object(Bucket=s3_server.bucket, Key="from-env/9/env.png")
    finally:
        monkeypatch.undo()
        reset_settings_cache()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TICKETRY_FILE_STORE": "ftp"}, "TICKETRY_FILE_STORE must be 'local' or 's3'"),
        ({"TICKETRY_FILE_STORE": "s3"}, "needs TICKETRY_S3_BUCKET"),
        (
            {
                "TICKETRY_FILE_STORE": "s3",
                "TICKETRY_S3_BUCKET": "b-b-b",
                "TICKETRY_S3_ADDRESSING_STYLE": "sideways",
            },
            "TICKETRY_S3_ADDRESSING_STYLE must be auto, path or virtual",
        ),
    ],
)
def test_bad_store_settings_say_what_is_wrong(
    env: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit, match=message):
        load_settings()


def test_local_store_is_the_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TICKETRY_FILE_STORE", raising=False)
    monkeypatch.setenv("TICKETRY_FILES_DIR", str(tmp_path))
    settings = load_settings()
    assert settings.file_store == "local" and settings.s3 is None


async def test_several_files_are_checked_together(
    db: AsyncSession, tenant: Tenant, tmp_path: Path
) -> None:
    store = LocalFileStore(tmp_path)
    allowed = frozenset({"image/png"})
    with pytest.raises(ValidationFailed) as caught:
        await files_store(
            db,
            store=store,
            account_id=tenant.account_id,
            files=[("ok.png", PNG), ("fake.png", b"<html>"), (None, b""), ("big.png", PNG)],
            field="photos",
            max_bytes=len(PNG) - 1,
            allowed=allowed,
            max_count=5,
        )
    problems = caught.value.errors["photos"]
    assert [p.split(":")[0] for p in problems] == ["ok.png", "fake.png", "file 3", "big.png"]
    await db.rollback()
    with pytest.raises(ValidationFailed) as too_many:
        await files_store(
            db,
            store=store,
            account_id=tenant.account_id,
            files=[("a.png", PNG)] * 3,
            field="files",
            max_bytes=1 << 20,
            allowed=allowed,
            max_count=2,
        )
    assert too_many.value.errors == {"files": ["Ensure there are no more than 2 files."]}
    stored = await files_store(
        db,
        store=store,
        account_id=tenant.account_id,
        files=[("a.png", PNG), ("b\x00.png", PNG)],
        field="files",
        max_bytes=1 << 20,
        allowed=allowed,
        max_count=2,
    )
    assert [row.filename for row in stored] == ["a.png", "b.png"]
    await db.rollback()
