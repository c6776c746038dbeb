"""Order checks: statuses and their aliases, prices, decimals (no database)."""

from __future__ import annotations

from decimal import Decimal

from ticketry.domain.orders.checks import check_order, check_price_data, status_kind
from ticketry.domain.orders.commands import OrderData, OrderItemData, StatusData
from ticketry.domain.tickets.commands import PriceData


def test_status_kinds_and_the_failed_alias() -> None:
    assert status_kind("DISPATCHED") == ("processing", "DISPATCHED")
    assert status_kind("picked_up") == ("processing", "PICKED_UP")
    assert status_kind("PAID") == ("payment", "PAID")
    assert status_kind("FAILED") == ("payment", "PAYMENT_FAILED")
    assert status_kind("PAYMENT_FAILED") == ("payment", "PAYMENT_FAILED")
    assert status_kind("LOST") is None


def test_price_parts_must_add_up_only_when_all_three_are_sent() -> None:
    ok = PriceData(with_vat=Decimal("1210"), without_vat=Decimal("1000"), vat=Decimal("210"))
    assert check_price_data(ok) == {}
    assert check_price_data(PriceData(with_vat=Decimal("1"))) == {}
    assert check_price_data(PriceData(without_vat=Decimal("1"), vat=Decimal("5"))) == {}
    bad = PriceData(with_vat=Decimal("1200"), without_vat=Decimal("1000"), vat=Decimal("210"))
    assert check_price_data(bad) == {"non_field_errors": ["Price mismatch: 1000 + 210 ≠ 1200"]}
    # Decimal, not float: 0.1 + 0.2 == 0.3 exactly.
    exact = PriceData(with_vat=Decimal("0.3"), without_vat=Decimal("0.1"), vat=Decimal("0.2"))
    assert check_price_data(exact) == {}


def test_decimals_are_bounded() -> None:
    assert "with_vat" in check_price_data(PriceData(with_vat=Decimal("0.00001")))
    assert "with_vat" in check_price_data(PriceData(with_vat=Decimal("1e15")))
    assert "with_vat" in check_price_data(PriceData(with_vat=Decimal("NaN")))
    assert check_price_data(PriceData(with_vat=Decimal("1.10000000"))) == {}


def test_order_check_collects_nested_errors() -> None:
    data = OrderData(
        code=" ",
        store_id="main-shop",
        currency="XXX1",
        items=[OrderItemData(name="ok"), OrderItemData(name="x", item_type="GIFT")],
        statuses=[StatusData(name="PAID"), StatusData(name="nope")],
        customer={"email": "bad"},
    )
    errors = check_order(data)
    assert set(errors) == {"code", "currency", "items", "statuses", "customer"}
    assert errors["items"][0] == {} and "item_type" in errors["items"][1]
    assert errors["statuses"][0] == {} and "name" in errors["statuses"][1]
