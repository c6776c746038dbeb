"""Serving a stored file: one response shape for every face (APIs, desk, portal)."""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote

from litestar import Response


def content_disposition(filename: str, kind: Literal["inline", "attachment"] = "inline") -> str:
    """``Content-Disposition`` naming the file: a plain-ASCII ``filename`` for old clients
    and the exact (UTF-8, percent-encoded) name in ``filename*`` (RFC 6266)."""
    ascii_name = "".join(c for c in filename if 32 <= ord(c) < 127 and c not in '"\\')
    return f"{kind}; filename=\"{ascii_name or 'file'}\"; filename*=UTF-8''" + quote(
        filename, safe=""
    )


def file_response(
    *,
    content: bytes,
    content_type: str,
    filename: str,
    kind: Literal["inline", "attachment"] = "inline",
) -> Response[bytes]:
    """The file's bytes with the type recognised when it was stored (never sniffed by the
    browser), its name, and kept out of shared caches: downloads are per caller."""
    return Response(
        content=content,
        media_type=content_type,
        headers={
            "Content-Disposition": content_disposition(filename, kind),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private",
        },
    )
