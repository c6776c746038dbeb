"""What every Retino handler needs: the caller, its body, its page."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any, TypeVar

import msgspec
from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.api.common.auth import Principal, authenticate_token
from ticketry.api.common.decoding import decode_struct, parse_json
from ticketry.api.common.drf_wire import drf_wire_message
from ticketry.domain.errors import NotFound, ValidationFailed
from ticketry.domain.pagination import PageRequest
from ticketry.http.params import NUL_MESSAGE, has_nul, parse_id
from ticketry.runtime import Runtime

S = TypeVar("S", bound=msgspec.Struct)


async def provide_principal(request: Request, db: AsyncSession) -> Principal:
    return await authenticate_token(request, db)


def runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


async def read_body(request: Request, cls: type[S], *, partial: bool = False) -> S:
    raw = parse_json(await request.body(), request.headers.get("content-type"))
    return decode_struct(raw, cls, partial=partial, word=drf_wire_message)


def page_request(request: Request, page: str | None, page_size: str | None) -> PageRequest:
    """DRF's PageNumberPagination: a bad page is a 404; a bad page_size falls back."""
    settings = runtime(request).settings
    number = parse_id(page) if page not in (None, "") else 1
    if number is None:
        raise NotFound("Invalid page.")
    size = settings.default_page_size
    if page_size not in (None, ""):
        size = parse_id(page_size) or settings.default_page_size
    return PageRequest(page=number, page_size=min(size, settings.max_page_size))


def parse_datetime_param(errors: dict[str, Any], name: str, value: str | None) -> datetime | None:
    if value in (None, ""):
        return None
    assert value is not None
    text = value.strip().replace(" ", "+") if "T" in value else value.strip()
    try:
        # A date or a time without a zone is UTC, the zone every date-time is written in
        # (not the server's own, which would make answers depend on where it runs).
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time.min, UTC)
        parsed = datetime.fromisoformat(text)
        # Normalised to UTC here, so a time UTC cannot hold is a 400, not a 500 later.
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        errors[name] = ["Enter a valid date/time."]
        return None


def parse_bool_param(errors: dict[str, Any], name: str, value: str | None) -> bool | None:
    if value in (None, ""):
        return None
    assert value is not None
    lowered = value.strip().lower()
    if lowered in {"true", "1", "yes", "on"}:
        return True
    if lowered in {"false", "0", "no", "off"}:
        return False
    errors[name] = ["Select a valid choice. Use true or false."]
    return None


def parse_text_param(errors: dict[str, Any], name: str, value: str | None) -> str | None:
    """A text filter; NUL is refused as DRF's CharField does (no stored text holds one)."""
    if has_nul(value):
        errors[name] = [NUL_MESSAGE]
        return None
    return value or None


def raise_param_errors(errors: dict[str, Any]) -> None:
    if errors:
        raise ValidationFailed(errors)
