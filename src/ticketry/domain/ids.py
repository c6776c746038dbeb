"""Public ids for many rows at once."""

from __future__ import annotations

import os
import uuid

_KEEP = 0xFFFFFFFF_FFFF_0FFF_3FFF_FFFFFFFFFFFF  # all but the version and variant bits
_V4 = 0x00000000_0000_4000_8000_000000000000  # version 4, RFC 4122 variant


def uuid4_many(n: int) -> list[uuid.UUID]:
    """``n`` random (version 4) UUIDs, as ``uuid.uuid4()`` makes them, from one read of the
    system's random source instead of one per id."""
    raw = os.urandom(16 * n)
    from_bytes, make = int.from_bytes, uuid.UUID
    return [make(int=from_bytes(raw[i : i + 16]) & _KEEP | _V4) for i in range(0, 16 * n, 16)]


__all__ = ["uuid4_many"]
