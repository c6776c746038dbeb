"""Custom field values checked against each field type."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from ticketry.domain.catalog.custom_fields import check_value, custom_values_check
from ticketry.domain.catalog.models import CustomField

OPTIONS = [str(uuid.uuid4()) for _ in range(3)]


def field(kind: str, key: str = "f") -> CustomField:
    return CustomField(
        public_id=uuid.uuid4(),
        key=key,
        type=kind,
        target="ticket",
        name={"en": key},
        options=[{"id": o, "label": {"en": o[:4]}} for o in OPTIONS],
    )


CASES: list[tuple[str, list[Any], list[Any]]] = [
    ("TEXT", ["", "hello", "x" * 1000], [1, ["a"], {"a": 1}, True, "x" * 1001]),
    ("MULTILINE_TEXT", ["a\nb", "x" * 5000], [1.5, False]),
    ("NUMBER", [1, -2.5, "3.14", "1e3", 0], ["abc", "NaN", "Infinity", True, [1], ""]),
    ("DATE", ["2020-10-08", "2024-02-29"], ["2023-02-29", "08.10.2020", "tomorrow", 20201008]),
    ("CHECKBOX", [True, False], ["true", 1, 0, "yes"]),
    ("SINGLE_SELECT", [OPTIONS[0], OPTIONS[2]], [str(uuid.uuid4()), 1, [OPTIONS[0]], ""]),
    (
        "MULTI_SELECT",
        [[], [OPTIONS[0]], OPTIONS],
        [OPTIONS[0], [str(uuid.uuid4())], [1], [OPTIONS[0], "nope"]],
    ),
    (
        "URL",
        ["https://example.com/x?y=1", "http://a.cz"],
        ["example.com", "ftp://a.cz", "https://", 5],
    ),
    (
        "CZECH_BANK_ACCOUNT",
        ["123456789/0100", "19-2000145399/0800"],
        ["123/01", "12345678901/0100", "CZ6508000000192000145399"],
    ),
    (
        "IBAN",
        ["CZ6508000000192000145399", "CZ65 0800 0000 1920 0014 5399", "DE89370400440532013000"],
        ["CZ6508000000192000145398", "123456789/0100", "XX00"],
    ),
    (
        "BANK_ACCOUNT",
        ["123456789/0100", "CZ6508000000192000145399"],
        ["nonsense", "CZ6508000000192000145398", 12],
    ),
    ("FILE", [str(uuid.uuid4())], [1, {"id": 1}]),
]


@pytest.mark.parametrize(("kind", "good", "bad"), CASES, ids=[c[0] for c in CASES])
def test_each_field_type(kind: str, good: list[Any], bad: list[Any]) -> None:
    f = field(kind)
    for value in good:
        assert check_value(f, value) is None, (kind, value)
    for value in bad:
        assert check_value(f, value) is not None, (kind, value)
    assert check_value(f, None) is None  # None clears a value


def test_unknown_type_cannot_be_set() -> None:
    assert check_value(field("SOMETHING_NEW"), "x") == "This field cannot be set."


def test_values_keyed_by_key_or_id() -> None:
    date_field = field("DATE", key="resolve_by")
    select_field = field("SINGLE_SELECT", key=str(uuid.uuid4()))
    fields = [date_field, select_field]
    normalised, errors = custom_values_check(
        fields, {str(date_field.public_id): "2020-10-08", select_field.key: OPTIONS[1]}
    )
    assert errors == {}
    assert normalised == {"resolve_by": "2020-10-08", select_field.key: OPTIONS[1]}

    normalised, errors = custom_values_check(
        fields, {"resolve_by": "soon", "nope": 1, select_field.key: None}
    )
    assert set(errors) == {"resolve_by", "nope"}
    assert errors["nope"] == ["Unknown custom field."]
    assert normalised == {select_field.key: None}
