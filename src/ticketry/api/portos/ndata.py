"""NData, PORTOS's query syntax, parsed with a small grammar into typed conditions.

::

    query      := param ('&' param)*                 (the URL's query string)
    param      := '$skip=' INT | '$take=' INT | '$count=' BOOL | '$sort=' sortlist
                | MEMBER '=' operations             (members are case-insensitive)
    sortlist   := sortkey (',' sortkey)*
    sortkey    := ['-' | '+'] MEMBER [':' ('asc' | 'desc')]
    operations := operation (';' operation)*         (all must hold: AND)
    operation  := OPERATOR [':' arg (':' arg)*]      (eq neq gt gte lt lte like in nin
                | arg                                  null notnull; a bare value is eq,
                                                       a bare comma list on DeviceName is in)

A backslash escapes the next character (``\\:``, ``\\;``, ``\\,``, ``\\\\``). Operators
taking one argument take the rest of the operation verbatim, so ``OpenDate=gte:2025-01-
01T10:00:00Z`` needs no escaping. Repeating a member ANDs its operations. Anything that
does not parse is a ``ValidationFailed`` naming the parameter, never a server error.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

from ticketry.domain.errors import ErrorCollector
from ticketry.domain.tickets.filters import (
    ARITY,
    FIELD_KINDS,
    Condition,
    Kind,
    Sort,
    Value,
)
from ticketry.domain.tickets.filters import OPERATORS as FIELD_OPERATORS

# PORTOS's ticket members and the domain's ticket fields they are.
MEMBERS = {
    "IsClosed": "is_closed",
    "HasCustomer": "has_customer",
    "HasDiscount": "has_discount",
    "HasNegativeItem": "has_negative_item",
    "HasReturnedItem": "has_returned_item",
    "Id": "public_id",
    "ExternalId": "external_id",
    "Name": "subject",
    "DeviceName": "device_name",
    "PurchaseType": "purchase_type",
    "OriginDeviceName": "origin_device_name",
    "CurrencyLabel": "currency",
    "DiscountRate": "discount_rate",
    "OpenDate": "created_at",
    "CloseDate": "closed_at",
    "CloseInfoDeviceName": "close_device_name",
    "CloseInfoFiscalName": "close_fiscal_name",
    "CloseInfoNumber": "close_number",
    "CloseInfoDailySalesReportNumber": "close_daily_sales_report_number",
    "CloseInfoFiscalMemorySerialNumber": "close_fiscal_memory_serial_number",
    "LocationTableName": "location_table_name",
    "LocationZoneName": "location_zone_name",
    "CustomerCardSerialNumber": "customer_card_serial_number",
    "EmployeeUserName": "employee_email",
    "ItemPluCode": "item.plu_code",
    "ItemPluStockName": "item.plu_stock_name",
}
FILTER_MEMBERS: dict[str, Kind] = {m: FIELD_KINDS[f] for m, f in MEMBERS.items()}
# Sorting: every member but the computed booleans and the item members; Id sorts in creation
# order; IsClosed sorts open tickets first.
SORT_MEMBERS: dict[str, str] = {
    m: f for m, f in MEMBERS.items() if FILTER_MEMBERS[m] != "bool" and not f.startswith("item.")
}
SORT_MEMBERS["Id"] = "id"
SORT_MEMBERS["IsClosed"] = "is_closed"
# NData's operators: the domain's, but for its any-of substring match.
OPERATORS: dict[Kind, tuple[str, ...]] = {
    kind: tuple(op for op in ops if op != "contains") for kind, ops in FIELD_OPERATORS.items()
}


@dataclass
class TicketQuery:
    """A parsed NData query: conditions and sort on the domain's fields, the slice."""

    conditions: list[Condition] = field(default_factory=list)
    sort: list[Sort] = field(default_factory=list)
    skip: int = 0
    take: int = 100
    count_only: bool = False


MAX_TAKE = 1000
DEFAULT_TAKE = 100
MAX_SKIP = 1_000_000_000
INT32 = 2**31
_INT = re.compile(r"[+-]?\d{1,10}")
_DECIMAL = re.compile(r"[+-]?\d{1,12}(\.\d{1,10})?")
_BY_LOWER = {name.lower(): name for name in FILTER_MEMBERS}
_SORT_BY_LOWER = {name.lower(): name for name in SORT_MEMBERS}
_IGNORED = {"$include"}
_COMMA_LIST_MEMBERS = {"DeviceName"}


class NDataError(ValueError):
    pass


def split_escaped(text: str, sep: str) -> list[str]:
    """Split on unescaped ``sep``; escapes are kept (undone by ``unescape``)."""
    parts: list[str] = []
    current: list[str] = []
    chars = iter(text)
    for ch in chars:
        if ch == "\\":
            nxt = next(chars, None)
            if nxt is None:
                raise NDataError("A backslash must be followed by the character it escapes.")
            current.append(ch + nxt)
        elif ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def unescape(text: str) -> str:
    out: list[str] = []
    chars = iter(text)
    for ch in chars:
        out.append(next(chars, "") if ch == "\\" else ch)
    return "".join(out)


def escape(text: str) -> str:
    return re.sub(r"([\\:;,])", r"\\\1", text)


def parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise NDataError(f"'{text}' is not a boolean (true or false).")


def _parse_datetime(text: str) -> datetime:
    raw = text.strip()
    try:
        if len(raw) == 10:
            parsed = datetime.combine(date.fromisoformat(raw), time.min)
        else:
            parsed = datetime.fromisoformat(raw.replace(" ", "+") if "T" in raw else raw)
    except ValueError as exc:
        raise NDataError(f"'{text}' is not an ISO 8601 date/time.") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_value(kind: Kind, text: str) -> Value:
    if kind == "bool":
        return parse_bool(text)
    if kind == "int":
        if not _INT.fullmatch(text.strip()) or not -INT32 <= int(text.strip()) < INT32:
            raise NDataError(f"'{text}' is not a 32-bit integer.")
        return int(text.strip())
    if kind == "decimal":
        if not _DECIMAL.fullmatch(text.strip()):
            raise NDataError(f"'{text}' is not a decimal number.")
        try:
            return Decimal(text.strip())
        except InvalidOperation as exc:  # pragma: no cover (the pattern rules it out)
            raise NDataError(f"'{text}' is not a decimal number.") from exc
    if kind == "datetime":
        return _parse_datetime(text)
    if kind == "uuid":
        try:
            return uuid.UUID(text.strip())
        except ValueError as exc:
            raise NDataError(f"'{text}' is not a ticket id (a UUID).") from exc
    if "\x00" in text:
        raise NDataError("Text may not contain NUL characters.")
    if len(text) > 1000:
        raise NDataError("Text arguments are at most 1000 characters.")
    return text


def parse_operations(member: str, text: str) -> list[Condition]:
    """``gt:0;lt:50`` for ``member`` → conditions."""
    kind = FILTER_MEMBERS[member]
    if text == "":
        raise NDataError("An operation is required, e.g. eq:VALUE.")
    conditions: list[Condition] = []
    for operation in split_escaped(text, ";"):
        if operation == "":
            raise NDataError("Empty operation (check the ';' separators).")
        parts = split_escaped(operation, ":")
        op = unescape(parts[0]).lower()
        if op not in ARITY:  # a bare value
            if member in _COMMA_LIST_MEMBERS and "," in operation.replace("\\,", ""):
                values = [unescape(p) for p in split_escaped(operation, ",")]
                op, raw_args = "in", values
            else:
                op, raw_args = "eq", [unescape(operation)]
        else:
            raw_args = [unescape(p) for p in parts[1:]]
            arity = ARITY[op]
            if arity == 1 and len(parts) > 1:
                raw_args = [unescape(operation.split(":", 1)[1])]
            if arity is None and not raw_args:
                raise NDataError(f"'{op}' needs at least one argument.")
            if arity is not None and len(raw_args) != arity:
                raise NDataError(f"'{op}' takes {arity} argument(s), got {len(raw_args)}.")
        if op not in OPERATORS[kind]:
            allowed = ", ".join(OPERATORS[kind])
            raise NDataError(f"'{op}' is not supported on {member}; use one of: {allowed}.")
        args = tuple(parse_value(kind, a) for a in raw_args)
        conditions.append(Condition(field=MEMBERS[member], op=op, args=args))
    return conditions


def parse_sort(text: str) -> list[Sort]:
    """Missing values sort last, whichever the direction."""
    keys: list[Sort] = []
    for raw in text.split(","):
        key = raw.strip()
        if not key:
            raise NDataError("Empty sort key.")
        descending = False
        if key[0] in "+-":
            descending, key = key[0] == "-", key[1:]
        if ":" in key:
            key, direction = key.split(":", 1)
            if direction.lower() not in ("asc", "desc"):
                raise NDataError(f"'{direction}' is not a direction (asc or desc).")
            descending = direction.lower() == "desc"
        member = _SORT_BY_LOWER.get(key.strip().lower())
        if member is None:
            raise NDataError(f"'{key}' cannot be sorted on.")
        keys.append(Sort(SORT_MEMBERS[member], descending=descending, nulls="last"))
    return keys


def _parse_int(text: str, low: int, high: int) -> int:
    if not _INT.fullmatch(text.strip()) or not low <= int(text.strip()) <= high:
        raise NDataError(f"Use a whole number from {low} to {high}.")
    return int(text.strip())


def parse_query(params: Iterable[tuple[str, str]]) -> TicketQuery:
    """Every parameter, every problem collected; raises ValidationFailed."""
    query = TicketQuery(take=DEFAULT_TAKE)
    errors = ErrorCollector()
    for name, value in params:
        lowered = name.lower()
        try:
            if lowered == "$skip":
                query.skip = _parse_int(value, 0, MAX_SKIP)
            elif lowered == "$take":
                query.take = _parse_int(value, 0, MAX_TAKE)
            elif lowered == "$count":
                query.count_only = parse_bool(value)
            elif lowered == "$sort":
                query.sort.extend(parse_sort(value))
            elif lowered in _IGNORED:
                continue
            elif lowered.startswith("$"):
                raise NDataError(f"Unknown query option {name}.")
            elif lowered in _BY_LOWER:
                query.conditions.extend(parse_operations(_BY_LOWER[lowered], value))
            # Other parameters are not NData filters of this resource: ignored.
        except NDataError as exc:
            errors.add(name, str(exc))
    errors.raise_if_any()
    return query


def _render_value(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def render_condition(cond: Condition) -> str:
    """The NData text of one condition (``parse_operations`` reads it back)."""
    if not cond.args:
        return cond.op
    if ARITY[cond.op] == 1:
        return f"{cond.op}:{escape(_render_value(cond.args[0]))}"
    return cond.op + "".join(":" + escape(_render_value(a)) for a in cond.args)
