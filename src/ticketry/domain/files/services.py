"""Storing uploaded files: type decided by the bytes, size limited."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from ticketry.domain.errors import ValidationFailed
from ticketry.domain.files.models import StoredFile
from ticketry.domain.files.storage import FileStore

log = logging.getLogger("ticketry.files")

# (store, key) of the files stored during the session's current transaction, not yet committed.
_PENDING = "ticketry.files.uncommitted"
_cleanups: set[asyncio.Task[None]] = set()

_SIGNATURES: list[tuple[bytes, str, str]] = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"GIF87a", "image/gif", ".gif"),
    (b"GIF89a", "image/gif", ".gif"),
]


def sniff_content_type(content: bytes) -> tuple[str, str] | None:
    for magic, content_type, ext in _SIGNATURES:
        if content.startswith(magic):
            return content_type, ext
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp", ".webp"
    head = content[:200].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<?xml"):
        return "application/xml", ".xml"  # ISDOC credit notes are XML
    return None


async def file_store(
    session: AsyncSession,
    *,
    store: FileStore,
    account_id: int,
    content: bytes,
    filename: str | None,
    field: str,
    max_bytes: int,
    allowed: frozenset[str],
) -> StoredFile:
    """Check and store ``content``; the row joins the caller's transaction.

    The bytes are written before the row, so a committed row always has its content; if the
    transaction then rolls back (or the session closes without committing), the bytes are
    deleted again in the background. Only a process that dies in between leaves an
    unreferenced object behind, never a row without its bytes."""
    if not content:
        raise ValidationFailed.single(field, "The submitted file is empty.")
    if len(content) > max_bytes:
        raise ValidationFailed.single(
            field, f"The file is too large ({len(content)} bytes; the limit is {max_bytes})."
        )
    sniffed = sniff_content_type(content)
    if sniffed is None or sniffed[0] not in allowed:
        kinds = ", ".join(sorted(allowed))
        raise ValidationFailed.single(field, f"Unsupported file type. Allowed: {kinds}.")
    content_type, ext = sniffed
    public_id = uuid.uuid4()
    key = f"{account_id}/{public_id}{ext}"
    await store.save(key, content, content_type)
    session.info.setdefault(_PENDING, []).append((store, key))
    row = StoredFile(
        account_id=account_id,
        public_id=public_id,
        storage_key=key,
        filename=(filename or f"{public_id}{ext}")[:255],
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    session.add(row)
    return row


async def files_store(
    session: AsyncSession,
    *,
    store: FileStore,
    account_id: int,
    files: list[tuple[str | None, bytes]],
    field: str,
    max_bytes: int,
    allowed: frozenset[str],
    max_count: int,
) -> list[StoredFile]:
    """Check and store several uploaded ``(filename, content)`` files for one request. Every
    bad file is reported under ``field`` (by name, or position when it has none) in one
    ``ValidationFailed``; the caller's rollback then deletes the bytes of the good ones, so a
    request keeps all its files or none."""
    if len(files) > max_count:
        raise ValidationFailed.single(field, f"Ensure there are no more than {max_count} files.")
    stored: list[StoredFile] = []
    problems: list[str] = []
    for position, (filename, content) in enumerate(files, start=1):
        name = (filename or "").replace("\x00", "") or None
        try:
            row = await file_store(
                session,
                store=store,
                account_id=account_id,
                content=content,
                filename=name,
                field=field,
                max_bytes=max_bytes,
                allowed=allowed,
            )
        except ValidationFailed as exc:
            label = name or f"file {position}"
            problems.extend(f"{label}: {message}" for message in exc.errors.get(field, []))
            continue
        stored.append(row)
    if problems:
        raise ValidationFailed({field: problems})
    await session.flush()
    return stored


@event.listens_for(Session, "after_commit")
def _stored_for_good(session: Session) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _stored_in_vain(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint: the outer transaction decides
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        log.warning("not removing %d uncommitted file(s): no event loop", len(pending))
        return
    task = loop.create_task(_delete_quietly(list(pending)))
    _cleanups.add(task)
    task.add_done_callback(_cleanups.discard)


async def _delete_quietly(pending: list[tuple[FileStore, str]]) -> None:
    for store, key in pending:
        try:
            await store.delete(key)
        except Exception as exc:  # an orphan is harmless; the request has already answered
            log.warning("could not remove uncommitted file %s: %s", key, exc)


async def file_cleanups_wait() -> None:
    """Wait for background removals of uncommitted files (for shutdown and tests)."""
    while _cleanups:
        await asyncio.gather(*list(_cleanups), return_exceptions=True)
