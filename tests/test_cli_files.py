"""`ticketry files check` and `ticketry files copy-from-dir`, run as the real command against
a SQLite database and moto's S3 server."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest

from tests.conftest import S3Server
from tests.test_cli import CLI, run
from tests.test_cli import cli_env as cli_env  # the module-scoped fixture
from ticketry.db import create_engine, create_sessionmaker
from ticketry.domain.accounts.services import account_get_or_create
from ticketry.domain.files.services import file_store
from ticketry.domain.files.storage import LocalFileStore, S3FileStore

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 300
PDF = b"%PDF-1.4\n" + b"x" * 100


def s3_env(base: dict[str, str], s3: S3Server, *, bucket: str, prefix: str) -> dict[str, str]:
    return {
        **base,
        "TICKETRY_FILE_STORE": "s3",
        "TICKETRY_S3_BUCKET": bucket,
        "TICKETRY_S3_PREFIX": prefix,
        "TICKETRY_S3_ENDPOINT_URL": s3.endpoint_url,
        "TICKETRY_S3_REGION": "us-east-1",
        "TICKETRY_S3_ACCESS_KEY_ID": "ticketry-test",
        "TICKETRY_S3_SECRET_ACCESS_KEY": "ticketry-test-secret",
        "TICKETRY_S3_ADDRESSING_STYLE": "path",
    }


def call(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLI), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_check_reports_a_working_and_a_broken_store(
    cli_env: dict[str, str], s3_server: S3Server
) -> None:
    local = run(cli_env, "files", "check")
    assert "LocalFileStore: write, read and delete work" in local.stderr
    good = call(
        s3_env(cli_env, s3_server, bucket=s3_server.bucket, prefix="chk"),
        "files",
        "check",
    )
    assert good.returncode == 0, good.stderr
    assert "S3FileStore: write, read and delete work" in good.stderr
    bad = call(s3_env(cli_env, s3_server, bucket="no-such-bucket-x", prefix=""), "files", "check")
    assert bad.returncode == 1
    assert "File storage is unavailable" in bad.stderr
    assert "Traceback" not in bad.stderr


async def test_copy_from_dir_moves_files_into_the_bucket(
    cli_env: dict[str, str], s3_server: S3Server
) -> None:
    files_dir = Path(cli_env["TICKETRY_FILES_DIR"])
    local = LocalFileStore(files_dir)
    engine = create_engine(cli_env["TICKETRY_DATABASE_URL"])
    try:
        async with create_sessionmaker(engine)() as session:
            account, _ = await account_get_or_create(session, slug=f"cf-{uuid.uuid4().hex[:6]}")
            await session.flush()
            kept, gone, damaged = [
                await file_store(
                    session,
                    store=local,
                    account_id=account.id,
                    content=content,
                    filename=None,
                    field="file",
                    max_bytes=1 << 20,
                    allowed=frozenset({"image/png", "application/pdf"}),
                )
                for content in (PNG, PDF, PNG)
            ]
            await session.commit()
            keys = kept.storage_key, gone.storage_key, damaged.storage_key
    finally:
        await engine.dispose()
    (files_dir / keys[1]).unlink()
    (files_dir / keys[2]).write_bytes(PNG[:-1] + b"\x02")

    prefix = f"moved-{uuid.uuid4().hex[:6]}"
    env = s3_env(cli_env, s3_server, bucket=s3_server.bucket, prefix=prefix)
    result = call(env, "files", "copy-from-dir", str(files_dir))
    assert result.returncode == 1, result.stderr
    assert f"missing\t{keys[1]}" in result.stdout.splitlines()
    assert f"corrupt\t{keys[2]}" in result.stdout.splitlines()
    assert "missing 1, corrupt 1" in result.stderr

    bucket = S3FileStore(s3_server.settings(prefix=prefix))
    assert await bucket.load(keys[0]) == PNG
    head = bucket.client.head_object(Bucket=s3_server.bucket, Key=f"{prefix}/{keys[0]}")
    assert head["ContentType"] == "image/png"
    from ticketry.domain.errors import NotFound

    for key in keys[1:]:
        with pytest.raises(NotFound):
            await bucket.load(key)

    # Fixed at the source, a second run copies the rest and succeeds.
    (files_dir / keys[1]).write_bytes(PDF)
    (files_dir / keys[2]).write_bytes(PNG)
    again = call(env, "files", "copy-from-dir", str(files_dir))
    assert again.returncode == 0, again.stderr + again.stdout
    assert await bucket.load(keys[1]) == PDF
