"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on both databases."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # SQLite stores text; keeping it naive-UTC makes lexical order equal time order.
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


_INT64 = 2**63


class ScaledDecimal(TypeDecorator[Decimal]):
    """An exact decimal kept as a scaled integer.

    SQLite has no exact decimal type (NUMERIC becomes a float), so amounts are stored as
    integers of 10**-places units on both databases: exact, sortable, comparable in SQL.
    """

    impl = BigInteger
    cache_ok = True

    def __init__(self, places: int = 4) -> None:
        super().__init__()
        self.places = places
        self._factor = Decimal(10) ** places
        self._quantum = Decimal(1).scaleb(-places)

    def process_bind_param(self, value: Decimal | int | str | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, Decimal) and value.is_finite():
            # The usual amount has no more places than stored: scaling it is exact.
            scaled = value.scaleb(self.places)
            whole = int(scaled)
            if whole == scaled and -_INT64 < whole < _INT64:
                return whole
        dec = Decimal(value).quantize(self._quantum, rounding=ROUND_HALF_UP)
        return int(dec * self._factor)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / self._factor).quantize(self._quantum)


JSONType = JSON().with_variant(JSONB(), "postgresql")
