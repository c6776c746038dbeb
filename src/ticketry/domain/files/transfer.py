"""Moving stored files between stores, for an operator switching from the local directory
to a bucket (or back). Rows are untouched: keys are the same in every store."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.errors import NotFound
from ticketry.domain.files.models import StoredFile
from ticketry.domain.files.storage import FileStore


@dataclass
class CopyReport:
    copied: int = 0
    missing: list[str] = field(default_factory=list)  # recorded, but absent from the source
    corrupt: list[str] = field(default_factory=list)  # bytes differ from the recorded digest


async def files_copy(
    session: AsyncSession, *, source: FileStore, target: FileStore, batch: int = 500
) -> CopyReport:
    """Copy every recorded file from ``source`` to ``target``, checking each file's SHA-256
    against its row so that a damaged copy is reported instead of spread. Idempotent: run it
    again after fixing what it reported."""
    report = CopyReport()
    last_id = 0
    while True:
        rows = (
            await session.execute(
                select(StoredFile.id, StoredFile.storage_key, StoredFile.content_type)
                .add_columns(StoredFile.sha256)
                .where(StoredFile.id > last_id)
                .order_by(StoredFile.id)
                .limit(batch)
            )
        ).all()
        if not rows:
            return report
        for file_id, key, content_type, sha256 in rows:
            last_id = file_id
            try:
                content = await source.load(key)
            except NotFound:
                report.missing.append(key)
                continue
            if hashlib.sha256(content).hexdigest() != sha256:
                report.corrupt.append(key)
                continue
            await target.save(key, content, content_type)
            report.copied += 1
