"""Cursor pagination as Django REST framework's CursorPagination writes it.

The cursor is opaque to clients: base64 of a query string, ``p`` the position (the
``created_at`` and ``id`` of the last ticket shown) and ``r=1`` when reading backwards,
so a cursor starts ``cD0`` like DRF's. Positions, not offsets: a page stays the same while
new tickets are added in front.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlencode

from litestar import Request

from ticketry.domain.errors import NotFound

INVALID_CURSOR = "Invalid cursor"


@dataclass(frozen=True)
class Cursor:
    position: tuple[datetime, int]
    reverse: bool = False


def cursor_encode(cursor: Cursor) -> str:
    at, ident = cursor.position
    query = {"p": f"{at.isoformat()}|{ident}"}
    if cursor.reverse:
        query = {"r": "1", **query}
    return base64.b64encode(urlencode(query).encode()).decode("ascii")


def cursor_decode(raw: str | None) -> Cursor | None:
    """The cursor, or None for the first page; a cursor we did not write is a 404, as in DRF."""
    if raw in (None, ""):
        return None
    try:
        text = base64.b64decode(str(raw).encode("ascii"), validate=True).decode("ascii")
        query = parse_qs(text, keep_blank_values=True)
        at_text, ident_text = query["p"][0].rsplit("|", 1)
        at = datetime.fromisoformat(at_text)
        ident = int(ident_text)
        reverse = query.get("r", ["0"])[0] == "1"
    except (ValueError, KeyError, IndexError, binascii.Error, UnicodeError) as exc:
        raise NotFound(INVALID_CURSOR) from exc
    if at.tzinfo is None or not 0 < ident < 2**63:
        raise NotFound(INVALID_CURSOR)
    return Cursor(position=(at, ident), reverse=reverse)


def page_url(request: Request, cursor: Cursor) -> str:
    """The request's own absolute URL with ``cursor`` replaced (other parameters kept).

    The path is the one the client sent, trailing slash included (``/tickets/`` as the
    vendor's document writes it): the router matches without it, so ``request.url`` has
    lost it. Without the raw path (an ASGI server may leave it out), the vendor's form."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
    params.append(("cursor", cursor_encode(cursor)))
    raw = request.scope.get("raw_path")  # as sent: already percent-encoded, no query
    path = bytes(raw).decode("latin-1") if raw else request.url.path.rstrip("/") + "/"
    return f"{request.url.scheme}://{request.url.netloc}{path}?{urlencode(params)}"
