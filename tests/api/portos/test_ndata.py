"""The NData parser on its own: grammar, typing, round trips, and no input crashes it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ticketry.api.portos.ndata import (
    FILTER_MEMBERS,
    MAX_TAKE,
    MEMBERS,
    OPERATORS,
    NDataError,
    TicketQuery,
    parse_operations,
    parse_query,
    parse_sort,
    render_condition,
    split_escaped,
    unescape,
)
from ticketry.domain.errors import ValidationFailed
from ticketry.domain.tickets.filters import ARITY, Condition, Sort, Value


def C(member: str, op: str, args: tuple[Value, ...] = ()) -> Condition:
    """A condition on the field that the PORTOS member ``member`` names."""
    return Condition(MEMBERS[member], op, args)


def test_operations_and_shorthands() -> None:
    assert parse_operations("DiscountRate", "gt:0;lt:50") == [
        C("DiscountRate", "gt", (Decimal(0),)),
        C("DiscountRate", "lt", (Decimal(50),)),
    ]
    assert parse_operations("IsClosed", "TRUE") == [C("IsClosed", "eq", (True,))]
    assert parse_operations("DeviceName", "A,B") == [C("DeviceName", "in", ("A", "B"))]
    assert parse_operations("Name", "A,B") == [C("Name", "eq", ("A,B",))]
    assert parse_operations("Name", "IN:a:b") == [C("Name", "in", ("a", "b"))]
    assert parse_operations("Name", "eq:a\\:b\\;c") == [C("Name", "eq", ("a:b;c",))]
    assert parse_operations("Name", "x:y") == [C("Name", "eq", ("x:y",))]
    assert parse_operations("ExternalId", "null;notnull") == [
        C("ExternalId", "null"),
        C("ExternalId", "notnull"),
    ]
    (cond,) = parse_operations("OpenDate", "gte:2025-01-02T03:04:05Z")
    assert cond.args == (datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),)
    (cond,) = parse_operations("OpenDate", "lt:2025-01-02")
    assert cond.args == (datetime(2025, 1, 2, tzinfo=UTC),)


@pytest.mark.parametrize(
    "member,text",
    [
        ("Name", ""),
        ("Name", ";"),
        ("Name", "eq:a\\"),
        ("Name", "in"),
        ("Name", "null:1"),
        ("IsClosed", "lt:true"),
        ("CloseInfoNumber", "eq:2147483648"),
        ("CloseInfoNumber", "eq:1.5"),
        ("DiscountRate", "eq:1e5"),
        ("Id", "gt:" + str(uuid.uuid4())),
        ("Name", "eq:\x00"),
    ],
)
def test_bad_operations(member: str, text: str) -> None:
    with pytest.raises(NDataError):
        parse_operations(member, text)


def test_sort_forms() -> None:
    assert parse_sort("-name,OpenDate:DESC,+Id,currencylabel:asc") == [
        Sort("subject", True, "last"),
        Sort("created_at", True, "last"),
        Sort("id", False, "last"),
        Sort("currency", False, "last"),
    ]
    for bad in ("", "Name,", "Nope", "Name:sideways", "ItemPluCode"):
        with pytest.raises(NDataError):
            parse_sort(bad)


def test_query_collects_every_problem() -> None:
    with pytest.raises(ValidationFailed) as exc:
        parse_query([("$take", "5000"), ("Name", "eq:ok"), ("IsClosed", "x")])
    assert set(exc.value.errors) == {"$take", "IsClosed"}
    query = parse_query(
        [("$skip", "5"), ("$TAKE", str(MAX_TAKE)), ("$count", "true"), ("name", "eq:x")]
    )
    assert query == TicketQuery(
        conditions=[C("Name", "eq", ("x",))],
        skip=5,
        take=MAX_TAKE,
        count_only=True,
    )


def test_split_escaped_keeps_escapes() -> None:
    assert split_escaped("a\\;b;c", ";") == ["a\\;b", "c"]
    assert unescape("a\\;b\\\\") == "a;b\\"


_text = st.text(
    alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
    max_size=30,
)
_VALUES = {
    "bool": st.booleans(),
    "str": _text,
    "int": st.integers(-(2**31), 2**31 - 1),
    "decimal": st.decimals(
        min_value=Decimal("-999999"), max_value=Decimal("999999"), places=4, allow_nan=False
    ),
    "datetime": st.datetimes(
        min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    "uuid": st.uuids(),
}


@st.composite
def conditions(draw: st.DrawFn) -> tuple[str, Condition]:
    member = draw(st.sampled_from(sorted(FILTER_MEMBERS)))
    kind = FILTER_MEMBERS[member]
    op = draw(st.sampled_from(OPERATORS[kind]))
    arity = ARITY[op]
    count = draw(st.integers(1, 4)) if arity is None else arity
    args = tuple(draw(_VALUES[kind]) for _ in range(count))
    return member, C(member, op, args)


@settings(max_examples=400, deadline=None)
@given(conditions())
def test_render_then_parse_round_trips(drawn: tuple[str, Condition]) -> None:
    member, cond = drawn
    assert parse_operations(member, render_condition(cond)) == [cond]


@settings(max_examples=200, deadline=None)
@given(st.lists(conditions(), min_size=1, max_size=4))
def test_joined_operations_round_trip(drawn: list[tuple[str, Condition]]) -> None:
    member = drawn[0][0]
    same = [c for m, c in drawn if m == member]
    text = ";".join(render_condition(c) for c in same)
    assert parse_operations(member, text) == same


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(
                st.sampled_from(
                    [*FILTER_MEMBERS, "$skip", "$take", "$sort", "$count", "$x", "other"]
                ),
                st.text(max_size=10),
            ),
            st.text(max_size=40),
        ),
        max_size=5,
    )
)
def test_any_input_parses_or_is_a_validation_error(params: list[tuple[str, str]]) -> None:
    try:
        query = parse_query(params)
    except ValidationFailed as exc:
        assert exc.errors and all(isinstance(v, list) for v in exc.errors.values())
        return
    assert 0 <= query.take <= MAX_TAKE and query.skip >= 0
