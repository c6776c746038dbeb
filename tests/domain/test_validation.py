"""Value checks: prices, ISO codes, e-mail, lengths, date-times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from ticketry.domain.errors import ErrorCollector, codes_of
from ticketry.domain.tickets.models import Ticket
from ticketry.domain.validation import (
    check_country,
    check_currency,
    check_datetime,
    check_email,
    check_language,
    check_max_length,
    check_price,
    check_text,
    column_limit,
    is_email,
)


def _price(*parts: str | None) -> dict[str, list[str]]:
    errors = ErrorCollector()
    check_price(errors, "price", *(None if p is None else Decimal(p) for p in parts))
    return errors.errors


def test_price_parts_must_add_up() -> None:
    assert _price("1200", "1000", "210") == {"price": ["Price mismatch: 1000 + 210 ≠ 1200"]}
    assert _price("1200.5000", "1000.2500", "200") == {
        "price": ["Price mismatch: 1000.25 + 200 ≠ 1200.5"]
    }
    assert _price("1210", "1000", "210") == {}
    assert _price("1210.0000", "1000.00", "210") == {}
    assert _price("0", "0", "0") == {}


@pytest.mark.parametrize(
    "parts",
    [("1200", None, None), (None, "1000", "210"), ("1200", "1000", None), (None, None, None)],
)
def test_partial_prices_are_not_checked(parts: tuple[str | None, ...]) -> None:
    assert _price(*parts) == {}


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_price_parts_must_be_finite(bad: str) -> None:
    errors = _price(bad, "1", "1")
    assert list(errors) == ["price"] and "finite" in errors["price"][0]


def test_price_mismatch_of_large_numbers_is_exact() -> None:
    assert _price("990000000.0001", "990000000", "0.0001") == {}
    assert _price("990000000.0001", "990000000", "0.0002") != {}


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (check_currency, ["CZK", "EUR", "USD"], ["czk", "XXY", "EURO", ""]),
        (check_country, ["CZ", "SK", "DE"], ["cz", "QQ", "CZE", ""]),
        (check_language, ["cs", "en", "SK"], ["zz", "ces", "", "c"]),
    ],
)
def test_iso_codes(check, good: list[str], bad: list[str]) -> None:  # type: ignore[no-untyped-def]
    for value in good:
        errors = ErrorCollector()
        check(errors, "f", value)
        assert not errors, value
    for value in bad:
        errors = ErrorCollector()
        check(errors, "f", value)
        assert list(errors.errors) == ["f"], value
    errors = ErrorCollector()
    check(errors, "f", None)
    assert not errors


def test_email() -> None:
    assert is_email("jan.novak@example.com") and is_email("a+b@mail.example.cz")
    for bad in ("jan", "jan@", "@example.com", "a b@example.com", "a@b"):
        assert not is_email(bad), bad
    errors = ErrorCollector()
    check_email(errors, "email", "")
    check_email(errors, "email", None)
    assert not errors
    check_email(errors, "email", "nope")
    assert codes_of(errors.errors) == {"email": ["invalid_email"]}


def test_max_length() -> None:
    errors = ErrorCollector()
    check_max_length(errors, "name", "x" * 10, 10)
    check_max_length(errors, "name", None, 10)
    assert not errors
    check_max_length(errors, "name", "x" * 11, 10)
    assert codes_of(errors.errors) == {"name": ["too_long{max=10}"]}


def test_text_is_checked_against_its_column() -> None:
    errors = ErrorCollector()
    assert check_text(errors, "subject", "x" * 255, Ticket.subject)
    assert check_text(errors, "subject", None, Ticket.subject)
    assert check_text(errors, "comment", "x" * 100_000, Ticket.customer_rating_comment)  # Text
    assert not errors
    assert not check_text(errors, "subject", "x" * 256, Ticket.subject)
    assert not check_text(errors, "email", "a\x00b", Ticket.customer_email)
    assert not check_text(errors, "comment", "\x00", Ticket.customer_rating_comment)
    assert not check_text(errors, "body", "xyz", limit=2)
    assert codes_of(errors.errors) == {
        "subject": ["too_long{max=255}"],
        "email": ["nul_character"],
        "comment": ["nul_character"],
        "body": ["too_long{max=2}"],
    }
    assert column_limit(Ticket.customer_email) == 254


def test_datetime_must_fit_in_utc() -> None:
    errors = ErrorCollector()
    check_datetime(errors, "d", datetime(2025, 1, 15, tzinfo=UTC))
    check_datetime(errors, "d", datetime(2025, 1, 15))
    check_datetime(errors, "d", None)
    check_datetime(errors, "d", datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=5))))
    assert not errors
    check_datetime(errors, "d", datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))))
    check_datetime(errors, "e", datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))))
    assert set(errors.errors) == {"d", "e"}
