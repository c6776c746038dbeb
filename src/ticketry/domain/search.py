"""Accent- and case-insensitive matching: text is folded once when written, once when asked."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from unidecode import unidecode


@lru_cache(maxsize=8192)
def _transliterate(text: str) -> str:
    return unidecode(text)


def fold(text: str) -> str:
    """``Vladimír Remek`` → ``vladimir remek``."""
    if not text.isascii():  # unidecode costs ~1 µs a character, even for ASCII
        text = _transliterate(text) if len(text) <= 200 else unidecode(text)
    return " ".join(text.lower().split())


def search_document(parts: Iterable[str | None]) -> str:
    # Folded part by part: names and product names repeat, so most hit the cache.
    return " ".join(folded for folded in (fold(p) for p in parts if p) if folded)


def search_terms(query: str) -> list[str]:
    return [t for t in fold(query).split(" ") if t]


def like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
