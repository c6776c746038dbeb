"""Folding text for accent- and case-insensitive search."""

from __future__ import annotations

from ticketry.domain.search import fold, like_pattern, search_document, search_terms


def test_fold() -> None:
    assert fold("Vladimír Remek") == "vladimir remek"
    assert fold("  ŽLUŤOUČKÝ   kůň\tÚPĚL\n") == "zlutoucky kun upel"
    assert fold("Straße Ærø") == "strasse aero"
    assert fold("") == ""
    assert fold("Remek@Example.COM") == "remek@example.com"


def test_fold_is_idempotent() -> None:
    for text in ("Vladimír Remek", "ďábelské ódy", "Ελληνικά", "日本語"):
        assert fold(fold(text)) == fold(text)


def test_search_document_and_terms() -> None:
    assert search_document(["20250001", None, "Vladimír Remek", "", "SN-1"]) == (
        "20250001 vladimir remek sn-1"
    )
    assert search_terms("  Vladimir   REMEK ") == ["vladimir", "remek"]
    assert search_terms("   ") == []


def test_like_pattern_escapes_wildcards() -> None:
    assert like_pattern("remek") == "%remek%"
    assert like_pattern("50%_") == "%50\\%\\_%"
    assert like_pattern("a\\b") == "%a\\\\b%"
