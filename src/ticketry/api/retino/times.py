"""Retino's date-times on the wire: always ``YYYY-MM-DDTHH:MM:SS.mmmZ``, as the seed shows
(``"order_date": "2020-09-09T00:00:00.000Z"``).

msgspec writes a datetime in the shortest form (``…T00:00:00Z`` when it has no fraction,
``….210107Z`` when it has microseconds), so a client parsing one fixed format fails on some
values and not others. Output structs carry the text instead, made here; the OpenAPI
document still says ``format: date-time``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from litestar.openapi.spec.enums import OpenAPIFormat
from litestar.params import KwargDefinition
from msgspec import Meta

DateTimeText = Annotated[
    str,
    Meta(extra_json_schema={"format": "date-time"}),  # msgspec's schema
    KwargDefinition(format=OpenAPIFormat.DATE_TIME),  # Litestar's document
]


def iso_ms(value: datetime) -> str:
    """``value`` in UTC to the millisecond (truncated, so never later than it was)."""
    v = value.astimezone(UTC) if value.tzinfo is not None else value
    return (
        f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}"
        f".{v.microsecond // 1000:03d}Z"
    )


def iso_ms_or_none(value: datetime | None) -> str | None:
    return None if value is None else iso_ms(value)
