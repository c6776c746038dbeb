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

A product written on another face (Retino, the portal) carries its unit prices with VAT,
without VAT and the VAT (4 places) instead: ``unit_prices`` derives the till's view from
them without re-rounding the price entered with VAT, so every face reads it to the cent.
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


@dataclass(frozen=True)
class UnitPrices:
    """One unit of a product as a till sees it: price without VAT, rate, VAT, with VAT."""

    unit_price: Decimal
    vat_rate: Decimal
    vat: Decimal
    incl_vat: Decimal


RATE_PLACES = Decimal("0.01")


def unit_prices(
    *,
    unit_price: Decimal | None,
    vat_rate: Decimal | None,
    with_vat: Decimal | None,
    without_vat: Decimal | None,
    vat: Decimal | None,
) -> UnitPrices:
    """The one rule every face reads a product's unit price by.

    A till's line (``unit_price`` given) follows the Ticket Model Mathematics. Otherwise the
    price entered with VAT is kept as entered (deriving it again from a rounded price
    without VAT and a rate recomputed from it is how 14990.0000 became 14990.000058), the
    VAT is the part given or the difference of the two others, and the rate follows from
    them (shown, never used to recompute the price).
    """
    if unit_price is not None:
        rate = vat_rate if vat_rate is not None else ZERO
        part = vat_of(unit_price, rate)
        return UnitPrices(unit_price, rate, part, round6(unit_price + part))
    if with_vat is not None:
        part = (
            vat
            if vat is not None
            else (with_vat - without_vat if without_vat is not None else ZERO)
        )
        net = with_vat - part
        incl = with_vat
    else:
        net = without_vat if without_vat is not None else ZERO
        part = vat if vat is not None else ZERO
        incl = net + part
    if vat_rate is not None:
        rate = vat_rate
    elif net:
        rate = (part * HUNDRED / net).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
    else:
        rate = ZERO
    return UnitPrices(round6(net), rate, round6(part), round6(incl))


def item_math(
    *,
    unit_price: Decimal,
    vat_rate: Decimal,
    quantity: Decimal,
    ticket_discount_rate: Decimal | None,
    item_discount_rate: Decimal | None,
    is_discount_allowed: bool,
    incl_vat: Decimal | None = None,
) -> ItemMath:
    """A line's totals. ``incl_vat``, when given (see ``unit_prices``), is the unit price
    with VAT as entered; otherwise it is computed from ``unit_price`` and ``vat_rate``."""
    if incl_vat is None:
        vat = vat_of(unit_price, vat_rate)
        incl = round6(unit_price + vat)
    else:
        incl = incl_vat
        vat = round6(incl - unit_price)
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


def retino_prices(math: ItemMath) -> tuple[Decimal, Decimal, Decimal]:
    """Unit prices as the 4-place product fields other faces show: (with VAT, without, VAT).

    The price with VAT is rounded once, from the till's own unit price with VAT (so a price
    entered with VAT reads back the same), and the price without VAT is the difference, so
    ``without + vat == with`` holds exactly at 4 places.
    """
    with_vat = round4(math.unit_price_incl_vat)
    vat = round4(math.vat)
    return with_vat, with_vat - vat, vat
