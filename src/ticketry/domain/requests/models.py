"""What the API remembers about requests: rate-limit windows and idempotent responses.

Bookkeeping shared by every face (``api/common``), kept in the database so that several
server processes agree. Rows expire; the worker deletes them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ticketry.domain.base import Base
from ticketry.domain.types import JSONType, UTCDateTime, utcnow


class RateLimitCounter(Base):
    """Requests of one caller (``key``: a token hash) in one fixed window."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    expires_at: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)


class IdempotencyRecord(Base):
    """The first response to ``Idempotency-Key: key`` from one caller (``scope``)."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_keys_expires_at", "expires_at"),)

    scope: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    # "started" while the first request runs, "completed" once its response is stored.
    status: Mapped[str] = mapped_column(String(10), nullable=False)
    locked_until: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response_headers: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
