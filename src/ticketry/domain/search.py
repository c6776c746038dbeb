"""Accent- and case-insensitive matching: text is folded once when written, once when asked."""

from __future__ import annotations

from collections.abc import Iterable

from unidecode import unidecode


def fold(text: str) -> str:
    """``Vladimír Remek`` → ``vladimir remek``."""
    return " ".join(unidecode(text).lower().split())


def search_document(parts: Iterable[str | None]) -> str:
    return fold(" ".join(p for p in parts if p))


def search_terms(query: str) -> list[str]:
    return [t for t in fold(query).split(" ") if t]


def like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
