"""Value checks shared by every service: ISO codes, e-mail, prices."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache

import pycountry

from ticketry.domain.errors import ErrorCollector

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
        errors.add(field, f'"{value}" is not a valid ISO 4217 currency code.')


def check_country(errors: ErrorCollector, field: str, value: str | None) -> None:
    if value is not None and value not in _countries():
        errors.add(field, f'"{value}" is not a valid ISO 3166-1 alpha-2 country code.')


def check_language(errors: ErrorCollector, field: str, value: str | None) -> None:
    if value is not None and value.lower() not in _languages():
        errors.add(field, f'"{value}" is not a valid ISO 639-1 language code.')


def is_email(value: str) -> bool:
    return bool(_EMAIL.match(value))


def check_email(errors: ErrorCollector, field: str, value: str | None) -> None:
    if value and not is_email(value):
        errors.add(field, "Enter a valid email address.")


def check_max_length(errors: ErrorCollector, field: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        errors.add(field, f"Ensure this field has no more than {limit} characters.")


def check_datetime(errors: ErrorCollector, field: str, value: datetime | None) -> None:
    """A date-time that is still one in UTC (``9999-12-31T23:00-05:00`` is not)."""
    if value is None:
        return
    try:
        (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:
        errors.add(field, "Datetime value out of range.")


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
