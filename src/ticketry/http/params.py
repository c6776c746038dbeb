"""Integers and ids read from paths, query strings and form fields, the same on every face.

``int()`` takes any Unicode digits (``"³"`` passes ``isdigit`` and then fails, ``"١٢"`` is 12)
and any size, which the databases' 64-bit integers then refuse with an OverflowError. Here a
number is ASCII digits with an optional sign, within the signed 64-bit range; an id is such a
number above zero. What is not one is simply not found or not valid, never a server error.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.exceptions import HTTPException, NotFoundException

from ticketry.http.bodyless import body_too_large

MAX_ID = 2**63 - 1
NUL_MESSAGE = "Null characters are not allowed."  # DRF's, for a text field holding one
MIN_INT = -(2**63)
_INTEGER = re.compile(r"[+-]?[0-9]{1,19}")


def parse_int(text: str | None) -> int | None:
    """``text`` (surrounding spaces allowed) as a 64-bit integer, or None."""
    if text is None:
        return None
    text = text.strip()
    if not _INTEGER.fullmatch(text):
        return None
    number = int(text)
    return number if MIN_INT <= number <= MAX_ID else None


def parse_id(text: str | None) -> int | None:
    """``text`` as an id some row could have (1 … 2**63-1), or None."""
    number = parse_int(text)
    return number if number is not None and number > 0 else None


def as_id(value: Any) -> int | None:
    """A decoded JSON or form value as an id: an int in range, or a string of one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    if isinstance(value, str):
        return parse_id(value)
    return None


def is_id(value: int) -> bool:
    """An already parsed integer (a typed path parameter) some row could have as its id."""
    return 0 < value <= MAX_ID


def has_nul(*values: Any) -> bool:
    """A NUL character in any of the strings: no stored text has one (PostgreSQL refuses to
    compare with it), so a key, credential or code holding one matches nothing."""
    return any(isinstance(v, str) and "\x00" in v for v in values)


async def refuse_nul_path(request: Request[Any, Any, Any]) -> None:
    """A ``before_request`` hook for every face: a path holding a NUL character names no
    resource (no id, code or slug has one), so it is not found in the face's own shape,
    before any path segment reaches a query. A body past the size limit on a method that
    takes none (see bodyless.py) is refused here too, for the same reason: the face's shape."""
    if body_too_large(request.scope):  # type: ignore[arg-type]
        raise HTTPException(status_code=413, detail="Request body is too large.")
    if "\x00" in request.scope["path"]:
        raise NotFoundException()
