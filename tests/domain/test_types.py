"""Column types: exact decimals as scaled integers, UTC date-times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from ticketry.domain.types import ScaledDecimal, UTCDateTime

DIALECTS = [sqlite.dialect(), postgresql.dialect()]


@pytest.mark.parametrize("dialect", DIALECTS, ids=["sqlite", "postgresql"])
@pytest.mark.parametrize(
    ("value", "stored", "back"),
    [
        (Decimal("990000000"), 9_900_000_000_000, "990000000.0000"),
        (Decimal("1.0000"), 10_000, "1.0000"),
        (Decimal("0.00005"), 1, "0.0001"),  # half up
        (Decimal("0.00004"), 0, "0.0000"),
        (Decimal("-12.34565"), -123_457, "-12.3457"),
        ("45000", 450_000_000, "45000.0000"),
        (3, 30_000, "3.0000"),
        (Decimal("99999999999999.9999"), 999_999_999_999_999_999, "99999999999999.9999"),
    ],
)
def test_scaled_decimal_round_trip(dialect, value, stored: int, back: str) -> None:  # type: ignore[no-untyped-def]
    column = ScaledDecimal(4)
    assert column.process_bind_param(value, dialect) == stored
    result = column.process_result_value(stored, dialect)
    assert isinstance(result, Decimal) and str(result) == back


def test_scaled_decimal_other_scales_and_none() -> None:
    dialect = sqlite.dialect()
    six = ScaledDecimal(6)
    assert six.process_bind_param(Decimal("1.2345678"), dialect) == 1_234_568
    assert str(six.process_result_value(1_234_568, dialect)) == "1.234568"
    assert six.process_bind_param(None, dialect) is None
    assert six.process_result_value(None, dialect) is None


def test_utc_datetime() -> None:
    column = UTCDateTime()
    prague = datetime(2020, 9, 24, 11, 30, 53, 210107, tzinfo=timezone(timedelta(hours=2)))
    stored = column.process_bind_param(prague, sqlite.dialect())
    assert stored == datetime(2020, 9, 24, 9, 30, 53, 210107)  # naive UTC on SQLite
    assert column.process_result_value(stored, sqlite.dialect()) == prague
    pg = column.process_bind_param(prague, postgresql.dialect())
    assert pg is not None and pg.tzinfo is UTC and pg == prague
    naive = column.process_bind_param(datetime(2025, 1, 1), postgresql.dialect())
    assert naive == datetime(2025, 1, 1, tzinfo=UTC)
    assert column.process_bind_param(None, sqlite.dialect()) is None
