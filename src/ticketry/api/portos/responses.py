"""JSON responses as PORTOS (.NET) writes them: decimals are numbers, not strings."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Response

_encoder = msgspec.json.Encoder(decimal_format="number")


def _no_hook(value: Any) -> Any:
    raise TypeError(f"cannot encode {type(value)}")


class PortosResponse(Response[Any]):
    def render(self, content: Any, media_type: str, enc_hook: Any = None) -> bytes:
        if isinstance(content, bytes | str) or "json" not in media_type:
            return super().render(content, media_type, enc_hook or _no_hook)
        return _encoder.encode(content)
