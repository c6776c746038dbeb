"""Ticket mathematics of a receipt."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from ticketry.domain.tickets.pos_math import (
    effective_discount,
    item_math,
    retino_prices,
    round6,
    ticket_math,
    unit_price_incl_vat,
    unit_prices,
    vat_of,
)


def test_vat_rounds_to_six_places_half_up() -> None:
    assert vat_of(D("0.1234565"), D(100)) == D("0.123457")
    assert vat_of(D("1.5"), D(20)) == D("0.300000")
    assert unit_price_incl_vat(D("0.833333"), D(20)) == D("1.000000")


def test_effective_discount_combines_and_respects_permission() -> None:
    assert effective_discount(D(10), D(10), is_discount_allowed=True) == D("0.1900")
    assert effective_discount(D(10), None, is_discount_allowed=True) == D("0.1000")
    assert effective_discount(None, D("33.33333"), is_discount_allowed=True) == D("0.3333")
    assert effective_discount(D(50), D(50), is_discount_allowed=False) == D("0.0000")


def test_item_and_ticket_totals() -> None:
    m = item_math(
        unit_price=D("1.5"),
        vat_rate=D(20),
        quantity=D(2),
        ticket_discount_rate=D(10),
        item_discount_rate=None,
        is_discount_allowed=True,
    )
    assert (m.vat, m.unit_price_incl_vat, m.discount) == (D("0.3"), D("1.8"), D("0.1"))
    assert m.total_price == D("3.24") and m.discount_amount == D("0.36")
    assert m.total_price_excl_vat == D("2.7")
    returned = item_math(
        unit_price=D(3),
        vat_rate=D(10),
        quantity=D(-1),
        ticket_discount_rate=None,
        item_discount_rate=None,
        is_discount_allowed=False,
    )
    assert returned.total_price == D("-3.3")
    totals = ticket_math([m, returned], D("0.06"))
    assert totals.total_price == D("0.000000")
    assert totals.discount_amount == D("0.36")


@given(
    st.decimals(min_value=0, max_value=10**6, places=6),
    st.decimals(min_value=0, max_value=100, places=2),
)
def test_retino_prices_add_up(unit_price: D, rate: D) -> None:
    m = item_math(
        unit_price=unit_price,
        vat_rate=rate,
        quantity=D(1),
        ticket_discount_rate=None,
        item_discount_rate=None,
        is_discount_allowed=True,
    )
    with_vat, without_vat, vat = retino_prices(m)
    assert without_vat + vat == with_vat
    assert abs(with_vat - m.unit_price_incl_vat) <= D("0.00005")


def test_price_entered_with_vat_is_kept() -> None:
    # The example: 14990.0000 with VAT read 14990.000058 at the till.
    p = unit_prices(
        unit_price=None,
        vat_rate=None,
        with_vat=D("14990.0000"),
        without_vat=D("12388.4298"),
        vat=D("2601.5702"),
    )
    assert (p.incl_vat, p.unit_price, p.vat, p.vat_rate) == (
        D("14990.000000"),
        D("12388.429800"),
        D("2601.570200"),
        D("21.00"),
    )
    only_with = unit_prices(
        unit_price=None, vat_rate=None, with_vat=D("99.9"), without_vat=None, vat=None
    )
    assert (only_with.incl_vat, only_with.vat, only_with.vat_rate) == (D("99.9"), 0, 0)


@given(
    st.decimals(min_value=0, max_value=10**6, places=2),
    st.decimals(min_value=0, max_value=100, places=2),
)
def test_till_price_from_price_with_vat_reads_back(price: D, rate: D) -> None:
    # A till client that has a price with VAT sends unitPrice = round6(price / (1 + rate)).
    unit = round6(price / (1 + rate / 100))
    p = unit_prices(unit_price=unit, vat_rate=rate, with_vat=None, without_vat=None, vat=None)
    m = item_math(
        unit_price=unit,
        vat_rate=rate,
        quantity=D(1),
        ticket_discount_rate=None,
        item_discount_rate=None,
        is_discount_allowed=True,
    )
    assert p.incl_vat == m.unit_price_incl_vat
    assert retino_prices(m)[0] == price
