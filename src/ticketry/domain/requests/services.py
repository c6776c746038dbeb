"""Atomic steps of rate limiting and idempotency, on whichever database is configured."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from ticketry.domain.requests.models import IdempotencyRecord, RateLimitCounter
from ticketry.domain.types import utcnow

STARTED = "started"
COMPLETED = "completed"


def _insert(engine: AsyncEngine, table: Any) -> Any:
    if engine.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def rate_limit_hit(
    engine: AsyncEngine, *, key: str, window_start: int, period: int, amount: int = 1
) -> int:
    """Count ``amount`` requests of ``key`` in the window; the count so far, these included."""
    stmt = _insert(engine, RateLimitCounter).values(
        key=key, window_start=window_start, count=amount, expires_at=window_start + period
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["key", "window_start"],
        set_={"count": RateLimitCounter.__table__.c.count + amount},
    ).returning(RateLimitCounter.count)
    async with engine.begin() as conn:
        return int((await conn.execute(stmt)).scalar_one())


@dataclass
class StoredResponse:
    fingerprint: str
    status: str
    locked_until: datetime
    expires_at: datetime
    response_status: int | None
    response_headers: list[list[str]]
    response_body: bytes | None


async def idempotency_claim(
    engine: AsyncEngine,
    *,
    scope: str,
    key: str,
    fingerprint: str,
    lock_seconds: float,
    ttl_seconds: float,
) -> bool:
    """Take the key for a first request: True if this caller runs it."""
    now = utcnow()
    async with engine.begin() as conn:
        await conn.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.scope == scope,
                IdempotencyRecord.key == key,
                IdempotencyRecord.expires_at < now,
            )
        )
        inserted = await conn.execute(
            _insert(engine, IdempotencyRecord)
            .values(
                scope=scope,
                key=key,
                fingerprint=fingerprint,
                status=STARTED,
                locked_until=now + timedelta(seconds=lock_seconds),
                response_headers=[],
                created_at=now,
                expires_at=now + timedelta(seconds=ttl_seconds),
            )
            .on_conflict_do_nothing()
            .returning(IdempotencyRecord.key)
        )
        if inserted.first() is not None:
            return True
        # A first request that died without finishing (its lock ran out) is taken over.
        taken = await conn.execute(
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.scope == scope,
                IdempotencyRecord.key == key,
                IdempotencyRecord.status == STARTED,
                IdempotencyRecord.fingerprint == fingerprint,
                IdempotencyRecord.locked_until < now,
            )
            .values(locked_until=now + timedelta(seconds=lock_seconds))
        )
        return taken.rowcount == 1  # type: ignore[attr-defined]


async def idempotency_get(engine: AsyncEngine, *, scope: str, key: str) -> StoredResponse | None:
    t = IdempotencyRecord
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(
                    t.fingerprint,
                    t.status,
                    t.locked_until,
                    t.expires_at,
                    t.response_status,
                    t.response_headers,
                    t.response_body,
                ).where(t.scope == scope, t.key == key)
            )
        ).first()
    if row is None:
        return None
    return StoredResponse(*row)


async def idempotency_complete(
    engine: AsyncEngine,
    *,
    scope: str,
    key: str,
    status: int,
    headers: list[list[str]],
    body: bytes,
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
            .values(
                status=COMPLETED,
                response_status=status,
                response_headers=headers,
                response_body=body,
            )
        )


async def idempotency_release(engine: AsyncEngine, *, scope: str, key: str) -> None:
    """Forget a first request that failed (5xx, crash): a retry runs it afresh."""
    async with engine.begin() as conn:
        await conn.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.scope == scope,
                IdempotencyRecord.key == key,
                IdempotencyRecord.status == STARTED,
            )
        )
