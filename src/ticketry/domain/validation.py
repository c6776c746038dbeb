"""Value checks shared by every service: ISO codes, e-mail, prices."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

import pycountry

from ticketry.domain.errors import Code, ErrorCollector

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@lru_cache(maxsize=1)
def _currencies() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


@lru_cache(maxsize=1)
def _languages() -> frozenset[str]:
    return frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


def check_currency(errors: ErrorCollector, field: str, value: str | None) -> None:
    if value is not None and value not in _currencies():
        errors.add(field, Code.INVALID_CURRENCY, value=value)


def check_country(errors: ErrorCollector, field: str, value: str | None) -> None:
    if value is not None and value not in _countries():
        errors.add(field, Code.INVALID_COUNTRY, value=value)


def check_language(errors: ErrorCollector, field: str, value: str | None) -> None:
    if value is not None and value.lower() not in _languages():
        errors.add(field, Code.INVALID_LANGUAGE, value=value)


def is_email(value: str) -> bool:
    return bool(_EMAIL.match(value))


def check_email(errors: ErrorCollector, field: str, value: str | None) -> None:
    if value and not is_email(value):
        errors.add(field, Code.INVALID_EMAIL)


def check_max_length(errors: ErrorCollector, field: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        errors.add(field, Code.TOO_LONG, max=limit)


def check_datetime(errors: ErrorCollector, field: str, value: datetime | None) -> None:
    """A date-time that is still one in UTC (``9999-12-31T23:00-05:00`` is not)."""
    if value is None:
        return
    try:
        (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:
        errors.add(field, Code.DATETIME_OUT_OF_RANGE)


def _fmt(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def check_price(
    errors: ErrorCollector,
    field: str,
    with_vat: Decimal | None,
    without_vat: Decimal | None,
    vat: Decimal | None,
) -> None:
    """All three parts, when all are given, must add up: without_vat + vat = with_vat."""
    for part, value in (("with_vat", with_vat), ("without_vat", without_vat), ("vat", vat)):
        if value is not None and (value.is_nan() or value.is_infinite()):
            errors.add(field, f"{part}: a finite number is required.")
            return
    if with_vat is not None and without_vat is not None and vat is not None:
        if without_vat + vat != with_vat:
            errors.add(
                field,
                f"Price mismatch: {_fmt(without_vat)} + {_fmt(vat)} ≠ {_fmt(with_vat)}",
            )


def column_limit(column: Any) -> int | None:
    """The length limit of a mapped ``String(n)`` column (``Ticket.subject``), None for
    ``Text``: the limits are the models', not restated beside each check."""
    return getattr(column.type, "length", None)


def check_text(
    errors: ErrorCollector,
    field: str,
    value: object,
    column: Any = None,
    *,
    limit: int | None = None,
) -> bool:
    """Text the database stores the same on SQLite and PostgreSQL: no NUL character
    (PostgreSQL refuses it) and no more characters than ``column`` (or ``limit``) holds
    (SQLite would store them all). False, with the field error, when it is not."""
    if not isinstance(value, str):
        return True
    if "\x00" in value:
        errors.add(field, Code.NUL_CHARACTER)
        return False
    if limit is None and column is not None:
        limit = column_limit(column)
    if limit is not None and len(value) > limit:
        errors.add(field, Code.TOO_LONG, max=limit)
        return False
    return True
