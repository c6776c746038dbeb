"""Ticket mathematics of a point-of-sale receipt (PORTOS "Ticket Model Mathematics").

Per item, with ``unit_price`` excluding VAT and rates in percent:

* ``vat = round6(unit_price * vat_rate / 100)``
* ``unit_price_incl_vat = round6(unit_price + vat)``
* the effective discount combines the ticket's and the item's discount rates
  multiplicatively, ``1 - (1 - ticket/100) * (1 - item/100)``, as a fraction 0–1 rounded to
  4 places; it is 0 when the item does not allow discounts;
* ``total_price = round6(unit_price_incl_vat * quantity * (1 - discount))`` and
  ``discount_amount = round6(unit_price_incl_vat * quantity) - total_price``.

The ticket's total is the sum of its items' totals plus its ``rounding_amount`` (the cash
rounding a till applies, given by the client, 0 when absent); nothing else is rounded.
Rounding is half away from zero, as tills do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

Q6 = Decimal("0.000001")
Q4 = Decimal("0.0001")
ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


def round6(value: Decimal) -> Decimal:
    return value.quantize(Q6, rounding=ROUND_HALF_UP)


def round4(value: Decimal) -> Decimal:
    return value.quantize(Q4, rounding=ROUND_HALF_UP)


def vat_of(unit_price: Decimal, vat_rate: Decimal) -> Decimal:
    return round6(unit_price * vat_rate / HUNDRED)


def unit_price_incl_vat(unit_price: Decimal, vat_rate: Decimal) -> Decimal:
    return round6(unit_price + vat_of(unit_price, vat_rate))


def effective_discount(
    ticket_rate: Decimal | None, item_rate: Decimal | None, *, is_discount_allowed: bool
) -> Decimal:
    """The fraction (0–1, 4 places) taken off the item's price."""
    if not is_discount_allowed:
        return round4(ZERO)
    t = min(max(ticket_rate or ZERO, ZERO), HUNDRED) / HUNDRED
    i = min(max(item_rate or ZERO, ZERO), HUNDRED) / HUNDRED
    return round4(ONE - (ONE - t) * (ONE - i))


@dataclass(frozen=True)
class ItemMath:
    vat: Decimal
    unit_price_incl_vat: Decimal
    discount: Decimal
    total_price: Decimal
    total_price_excl_vat: Decimal
    discount_amount: Decimal


def item_math(
    *,
    unit_price: Decimal,
    vat_rate: Decimal,
    quantity: Decimal,
    ticket_discount_rate: Decimal | None,
    item_discount_rate: Decimal | None,
    is_discount_allowed: bool,
) -> ItemMath:
    vat = vat_of(unit_price, vat_rate)
    incl = round6(unit_price + vat)
    discount = effective_discount(
        ticket_discount_rate, item_discount_rate, is_discount_allowed=is_discount_allowed
    )
    full = round6(incl * quantity)
    total = round6(incl * quantity * (ONE - discount))
    total_excl = round6(unit_price * quantity * (ONE - discount))
    return ItemMath(
        vat=vat,
        unit_price_incl_vat=incl,
        discount=discount,
        total_price=total,
        total_price_excl_vat=total_excl,
        discount_amount=full - total,
    )


@dataclass(frozen=True)
class TicketMath:
    total_price: Decimal
    discount_amount: Decimal


def ticket_math(items: Iterable[ItemMath], rounding_amount: Decimal | None) -> TicketMath:
    total = ZERO
    discount = ZERO
    for item in items:
        total += item.total_price
        discount += item.discount_amount
    return TicketMath(
        total_price=round6(total + (rounding_amount or ZERO)), discount_amount=round6(discount)
    )


def retino_prices(math: ItemMath, unit_price: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """Unit prices as the 4-place product fields other faces show: (with VAT, without, VAT).

    Rounded part by part, so ``without + vat == with`` holds exactly at 4 places.
    """
    without = round4(unit_price)
    vat = round4(math.vat)
    return without + vat, without, vat
