"""Checking an order before it is written: values only, no database."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from msgspec import UNSET

from ticketry.domain.errors import Code, ErrorCollector, FieldErrors
from ticketry.domain.orders.commands import OrderData, OrderItemData
from ticketry.domain.orders.models import (
    ORDER_ITEM_TYPES,
    PAYMENT_STATUSES,
    PROCESSING_STATUSES,
    Order,
    OrderItem,
    Store,
)
from ticketry.domain.tickets.commands import PriceData
from ticketry.domain.validation import (
    check_country,
    check_currency,
    check_datetime,
    check_email,
    check_language,
    check_price,
    check_text,
)

# "Payment failed" is written PAYMENT_FAILED or FAILED by clients; PAYMENT_FAILED is stored.
STATUS_ALIASES = {"FAILED": "PAYMENT_FAILED"}
_LIMIT = Decimal(10) ** 14  # amounts are stored as 4-place scaled 64-bit integers
_PLACES = Decimal("0.0001")

CUSTOMER_FIELDS = ("email", "phone", "name", "first_name", "last_name", "company")
ADDRESS_FIELDS = (
    "name",
    "first_name",
    "last_name",
    "company",
    "street",
    "house_number",
    "city",
    "postal_code",
    "region",
    "country",
    "phone",
    "email",
)
_TEXT_LIMITS = {"email": 254, "postal_code": 32, "country": 2, "phone": 40}
# An item's text fields and their columns' limits.
_ITEM_TEXT_LIMITS = tuple(
    (field, getattr(OrderItem, field).type.length) for field in ("name", "code", "ean", "variant")
)


def _text_ok(value: str | None, limit: int) -> bool:
    return value is None or (len(value) <= limit and "\x00" not in value)


def status_kind(value: str) -> tuple[str, str] | None:
    """``(kind, canonical name)`` of a status value, or None when it is no status."""
    name = STATUS_ALIASES.get(value.strip().upper(), value.strip().upper())
    if name in PROCESSING_STATUSES:
        return "processing", name
    if name in PAYMENT_STATUSES:
        return "payment", name
    return None


def status_choices() -> str:
    return ", ".join((*PROCESSING_STATUSES, *PAYMENT_STATUSES, *STATUS_ALIASES))


def check_decimal(errors: ErrorCollector, field: str, value: Decimal | None) -> None:
    if value is None:
        return
    if not value.is_finite():
        errors.add(field, Code.INVALID_NUMBER)
    elif abs(value) >= _LIMIT:
        errors.add(field, Code.MAX_DIGITS, max=18)
    elif value != value.quantize(_PLACES):  # exact: |value| < 10**14 leaves room for 4 places
        errors.add(field, Code.MAX_DECIMAL_PLACES, max=4)


def _value(price: PriceData, part: str) -> Decimal | None:
    value = getattr(price, part)
    return None if value is UNSET else value  # type: ignore[no-any-return]


def _decimal_ok(value: Decimal | None) -> bool:
    """``check_decimal`` finds nothing: the common case, answered without collecting."""
    return value is None or (
        value.is_finite() and abs(value) < _LIMIT and value == value.quantize(_PLACES)
    )


def _price_ok(price: PriceData | None) -> bool:
    """``check_price_data`` finds nothing (see ``_decimal_ok``)."""
    if price is None:
        return True
    with_vat, without_vat, vat = (
        _value(price, "with_vat"),
        _value(price, "without_vat"),
        _value(price, "vat"),
    )
    if not (_decimal_ok(with_vat) and _decimal_ok(without_vat) and _decimal_ok(vat)):
        return False
    return with_vat is None or without_vat is None or vat is None or without_vat + vat == with_vat


def check_price_data(price: PriceData) -> FieldErrors:
    errors = ErrorCollector()
    parts = (_value(price, "with_vat"), _value(price, "without_vat"), _value(price, "vat"))
    for name, value in zip(("with_vat", "without_vat", "vat"), parts, strict=True):
        check_decimal(errors, name, value)
    if not errors and None not in parts:  # only all three must add up
        sums = ErrorCollector()
        check_price(sums, "price", *parts)
        if sums:
            return {"non_field_errors": sums.errors["price"]}
    return errors.errors


def _nest_price(errors: ErrorCollector, field: str, price: PriceData | None) -> None:
    if price is None or _price_ok(price):
        return
    problems = check_price_data(price)
    if list(problems) == ["non_field_errors"]:
        # The seed's message reads best on the price itself: {"price": ["Price mismatch…"]}.
        for message in problems["non_field_errors"]:
            errors.add(field, message)
    else:
        errors.nest(field, problems)


def _check_mapping(
    errors: ErrorCollector, field: str, value: dict[str, Any] | None, allowed: tuple[str, ...]
) -> None:
    if value is None:
        return
    sub = ErrorCollector()
    for key, text in value.items():
        if key not in allowed or text is None:
            continue
        if not isinstance(text, str):
            sub.add(key, Code.NOT_A_STRING)
            continue
        if not check_text(sub, key, text, limit=_TEXT_LIMITS.get(key, 255)):
            continue
        if key == "email":
            check_email(sub, key, text)
        if key == "country" and text:
            check_country(sub, key, text)
    errors.nest(field, sub.errors)


def _item_ok(item: OrderItemData) -> bool:
    """``check_item`` finds nothing (see ``_decimal_ok``)."""
    return (
        all(_text_ok(getattr(item, field), limit) for field, limit in _ITEM_TEXT_LIMITS)
        and _decimal_ok(item.amount)
        and (item.item_type is None or item.item_type in ORDER_ITEM_TYPES)
        and _price_ok(item.total_price)
    )


def check_item(item: OrderItemData) -> FieldErrors:
    if _item_ok(item):
        return {}
    errors = ErrorCollector()
    for field, limit in _ITEM_TEXT_LIMITS:
        check_text(errors, field, getattr(item, field), limit=limit)
    check_decimal(errors, "amount", item.amount)
    if item.item_type is not None and item.item_type not in ORDER_ITEM_TYPES:
        errors.add("item_type", Code.INVALID_CHOICE, value=item.item_type)
    _nest_price(errors, "total_price", item.total_price)
    return errors.errors


def check_order(data: OrderData) -> FieldErrors:
    """Every problem of the values sent, DRF-shaped; store existence is checked later."""
    errors = ErrorCollector()
    if data.code is not UNSET:
        if not data.code.strip():
            errors.add("code", Code.BLANK)
        check_text(errors, "code", data.code, Order.code)
    if data.store_id is not UNSET:
        if not data.store_id.strip():
            errors.add("store_id", Code.BLANK)
        check_text(errors, "store_id", data.store_id, Store.code)
    if data.remote_id is not UNSET:
        check_text(errors, "remote_id", data.remote_id, Order.remote_id)
    if data.order_date not in (UNSET, None):
        check_datetime(errors, "order_date", data.order_date)  # type: ignore[arg-type]
    if data.currency not in (UNSET, None):
        check_currency(errors, "currency", data.currency)  # type: ignore[arg-type]
    if data.language not in (UNSET, None):
        check_language(errors, "language", data.language)  # type: ignore[arg-type]
    if data.price not in (UNSET, None):
        _nest_price(errors, "price", data.price)  # type: ignore[arg-type]
    for field, allowed in (
        ("customer", CUSTOMER_FIELDS),
        ("shipping_address", ADDRESS_FIELDS),
        ("billing_address", ADDRESS_FIELDS),
    ):
        value = getattr(data, field)
        if value is not UNSET:
            _check_mapping(errors, field, value, allowed)
    if data.items not in (UNSET, None):
        item_errors = [check_item(item) for item in data.items]  # type: ignore[union-attr]
        if any(item_errors):
            errors.nest("items", item_errors)  # type: ignore[arg-type]
    if data.statuses not in (UNSET, None):
        status_errors: list[FieldErrors] = []
        for status in data.statuses:  # type: ignore[union-attr]
            problems = ErrorCollector()
            if status_kind(status.name) is None:
                problems.add(
                    "name", Code.INVALID_CHOICE, value=status.name, choices=status_choices()
                )
            check_datetime(problems, "date", status.date)
            status_errors.append(problems.errors)
        if any(status_errors):
            errors.nest("statuses", status_errors)  # type: ignore[arg-type]
    return errors.errors
