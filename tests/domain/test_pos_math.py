"""Ticket mathematics of a receipt."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from ticketry.domain.tickets.pos_math import (
    effective_discount,
    item_math,
    retino_prices,
    ticket_math,
    unit_price_incl_vat,
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
    with_vat, without_vat, vat = retino_prices(m, unit_price)
    assert without_vat + vat == with_vat
    assert abs(with_vat - m.unit_price_incl_vat) <= D("0.0001")
