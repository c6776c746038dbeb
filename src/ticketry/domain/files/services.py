"""Storing uploaded files: type decided by the bytes, size limited."""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.errors import ValidationFailed
from ticketry.domain.files.models import StoredFile
from ticketry.domain.files.storage import get_file_store

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
    account_id: int,
    content: bytes,
    filename: str | None,
    field: str,
    max_bytes: int,
    allowed: frozenset[str],
) -> StoredFile:
    """Check and store ``content``; the row joins the caller's transaction.

    The bytes are written before the row, so a committed row always has its content; a
    transaction that later rolls back leaves an unreferenced object behind, never the
    reverse."""
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
    await get_file_store().save(key, content, content_type)
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
