"""Checking custom field values against their field's type."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.catalog.models import CustomField
from ticketry.domain.errors import Code, FieldError, FieldErrors

_CZECH_ACCOUNT = re.compile(r"^(\d{1,6}-)?\d{2,10}/\d{4}$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$")


def _iban_ok(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    if not _IBAN.match(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def _option_ids(field: CustomField) -> set[str]:
    return {str(opt.get("id")) for opt in field.options or []}


def check_value(field: CustomField, value: Any) -> FieldError | str | None:
    """Why ``value`` does not fit ``field``, or None when it does. None clears a value."""
    if value is None:
        return None
    if isinstance(value, str) and "\x00" in value:
        return FieldError(Code.NUL_CHARACTER)
    if isinstance(value, list) and any(isinstance(v, str) and "\x00" in v for v in value):
        return FieldError(Code.NUL_CHARACTER)
    kind = field.type
    if kind in {"TEXT", "MULTILINE_TEXT", "URL", "BANK_ACCOUNT", "CZECH_BANK_ACCOUNT", "IBAN"}:
        if not isinstance(value, str):
            return "Expected a string."
        if kind == "TEXT" and len(value) > 1000:
            return "Ensure this value has no more than 1000 characters."
        if kind == "URL":
            parsed = urlparse(value)
            if parsed.scheme not in {"http", "https"} or not parsed.netloc:
                return "Enter a valid URL."
        if kind == "CZECH_BANK_ACCOUNT" and not _CZECH_ACCOUNT.match(value):
            return "Enter a Czech bank account as [prefix-]number/bank code."
        if kind == "IBAN" and not _iban_ok(value):
            return "Enter a valid IBAN."
        if kind == "BANK_ACCOUNT" and not (_CZECH_ACCOUNT.match(value) or _iban_ok(value)):
            return "Enter a Czech bank account (number/bank code) or an IBAN."
        return None
    if kind == "NUMBER":
        if isinstance(value, bool):
            return FieldError(Code.INVALID_NUMBER)
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return FieldError(Code.INVALID_NUMBER)
        return None if number.is_finite() else FieldError(Code.INVALID_NUMBER)
    if kind == "DATE":
        if not isinstance(value, str):
            return "Date has wrong format. Use YYYY-MM-DD."
        try:
            date.fromisoformat(value)
        except ValueError:
            return "Date has wrong format. Use YYYY-MM-DD."
        return None
    if kind == "CHECKBOX":
        return None if isinstance(value, bool) else "Must be a valid boolean."
    if kind == "SINGLE_SELECT":
        if not isinstance(value, str) or value not in _option_ids(field):
            return FieldError(Code.INVALID_CHOICE, {"value": value})
        return None
    if kind == "MULTI_SELECT":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "Expected a list of option ids."
        bad = [v for v in value if v not in _option_ids(field)]
        return FieldError(Code.INVALID_CHOICE, {"value": bad[0]}) if bad else None
    if kind == "FILE":
        return None if isinstance(value, str) else "Expected a file id."
    return "This field cannot be set."


async def custom_fields_for(
    session: AsyncSession, *, account_id: int, target: str
) -> Sequence[CustomField]:
    rows = await session.scalars(
        select(CustomField).where(
            CustomField.account_id == account_id, CustomField.target == target
        )
    )
    return list(rows)


def custom_values_check(
    fields: Sequence[CustomField], values: dict[str, Any]
) -> tuple[dict[str, Any], FieldErrors]:
    """Map keys (a field's key or UUID) to the field's key; report unknown keys and bad values."""
    by_key: dict[str, CustomField] = {}
    for field in fields:
        by_key[field.key] = field
        by_key[str(field.public_id)] = field
    normalised: dict[str, Any] = {}
    errors: FieldErrors = {}
    for key, value in values.items():
        found = by_key.get(key)
        if found is None:
            errors[key] = ["Unknown custom field."]
            continue
        problem = check_value(found, value)
        if problem:
            errors[key] = [problem]
        else:
            normalised[found.key] = value
    return normalised, errors
