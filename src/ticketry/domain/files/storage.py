"""Where file bytes live: a local directory by default, an S3-compatible bucket by
configuration (``TICKETRY_FILE_STORE=s3``, see docs/files.md).

Both stores do blocking I/O (disk, boto3's HTTP), so it runs in a worker thread and the
event loop keeps serving other requests while a 10 MB photo travels.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

import anyio.to_thread

from ticketry.domain.errors import NotFound, StorageUnavailable
from ticketry.settings import S3Settings, Settings

log = logging.getLogger("ticketry.files")

T = TypeVar("T")


class FileStore(Protocol):
    async def save(self, key: str, content: bytes, content_type: str) -> None: ...
    async def load(self, key: str) -> bytes: ...
    async def delete(self, key: str) -> None: ...


def _missing(key: str) -> NotFound:
    # A stored-file row whose bytes are gone: the caller sees a 404, the operator a log line.
    log.error("file %s is recorded but its content is missing from the store", key)
    return NotFound("The file's content is not available.")


async def _in_thread(fn: Callable[..., T], *args: Any) -> T:
    return await anyio.to_thread.run_sync(fn, *args)


class LocalFileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError("storage key escapes the store")
        return path

    def _save(self, key: str, content: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def save(self, key: str, content: bytes, content_type: str) -> None:
        try:
            await _in_thread(self._save, key, content)
        except OSError as exc:
            log.error("cannot write %s to %s: %s", key, self.root, exc)
            raise StorageUnavailable() from exc

    async def load(self, key: str) -> bytes:
        try:
            return await _in_thread(self._path(key).read_bytes)
        except FileNotFoundError as exc:
            raise _missing(key) from exc
        except OSError as exc:
            log.error("cannot read %s from %s: %s", key, self.root, exc)
            raise StorageUnavailable() from exc

    async def delete(self, key: str) -> None:
        await _in_thread(lambda: self._path(key).unlink(missing_ok=True))


class S3FileStore:
    """Objects in one bucket under an optional prefix, written with their content type."""

    def __init__(self, config: S3Settings, client: Any = None) -> None:
        self.bucket = config.bucket
        self.prefix = f"{config.prefix}/" if config.prefix else ""
        self.client = client if client is not None else _s3_client(config)

    def _key(self, key: str) -> str:
        return self.prefix + key

    async def _call(self, key: str, fn: Callable[[], T], *, object_call: bool = True) -> T:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return await _in_thread(fn)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if object_call and code in {"NoSuchKey", "404", "NotFound"}:
                raise _missing(key) from exc
            log.error("S3 bucket %s refused %s: %s", self.bucket, key, exc)
            raise StorageUnavailable() from exc
        except BotoCoreError as exc:
            log.error("S3 bucket %s unreachable for %s: %s", self.bucket, key, exc)
            raise StorageUnavailable() from exc

    async def save(self, key: str, content: bytes, content_type: str) -> None:
        await self._call(
            key,
            lambda: self.client.put_object(
                Bucket=self.bucket, Key=self._key(key), Body=content, ContentType=content_type
            ),
        )

    async def load(self, key: str) -> bytes:
        def fetch() -> bytes:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            body = response["Body"]
            try:
                return bytes(body.read())
            finally:
                body.close()

        return await self._call(key, fetch)

    async def delete(self, key: str) -> None:
        await self._call(
            key, lambda: self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        )

    async def check(self) -> None:
        """Fail early (StorageUnavailable) when the bucket is missing or not ours to use."""
        await self._call("", lambda: self.client.head_bucket(Bucket=self.bucket), object_call=False)


def _s3_client(config: S3Settings) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3",
        endpoint_url=config.endpoint_url,
        region_name=config.region,
        aws_access_key_id=config.access_key_id,
        aws_secret_access_key=config.secret_access_key,
        config=Config(
            s3={"addressing_style": config.addressing_style},
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=30,
            # Enough connections for the thread pool that drives this client.
            max_pool_connections=40,
        ),
    )


def file_store_from_settings(settings: Settings) -> FileStore:
    if settings.s3 is not None:
        return S3FileStore(settings.s3)
    return LocalFileStore(settings.files_dir)
