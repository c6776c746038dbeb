"""A ticket read as a point-of-sale receipt: each line's prices, VAT and discount, and the
receipt's totals, worked out once here (``pos_math``) for whichever face shows receipts.

What the write stored is taken as it is (the line totals and the ticket's total and
discount ``ticket_pos_apply`` computed); what it does not store (VAT per unit, the price
including VAT, the effective discount) and what a line written by another face lacks (its
unit price and VAT rate, derived from the product's prices by ``pos_math.unit_prices``,
which keeps the price entered with VAT) is computed from the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ticketry.domain.tickets.pos_math import item_math, unit_prices
from ticketry.domain.tickets.records import ItemRecord, PosItemRecord, PosRecord, TicketRecord

ZERO = Decimal(0)


@dataclass(frozen=True)
class ReceiptLine:
    item: ItemRecord
    pos: PosItemRecord
    unit_price: Decimal  # excluding VAT
    vat_rate: Decimal  # percent
    is_discount_allowed: bool
    vat: Decimal  # per unit
    unit_price_incl_vat: Decimal
    effective_discount: Decimal  # the fraction taken off, 0–1
    total_price: Decimal


@dataclass(frozen=True)
class Receipt:
    pos: PosRecord
    lines: list[ReceiptLine]
    total_price: Decimal
    discount_amount: Decimal


def _line(item: ItemRecord, ticket_discount: Decimal | None) -> ReceiptLine:
    pos = item.pos or PosItemRecord()
    # One rule for a till's line and a product another face wrote (``unit_prices``): the
    # price entered with VAT is kept, not derived again from rounded parts.
    prices = unit_prices(
        unit_price=pos.unit_price,
        vat_rate=pos.vat_rate,
        with_vat=item.price_with_vat,
        without_vat=item.price_without_vat,
        vat=item.price_vat,
    )
    unit_price, vat_rate = prices.unit_price, prices.vat_rate
    allowed = pos.is_discount_allowed if pos.is_discount_allowed is not None else True
    math = item_math(
        unit_price=unit_price,
        vat_rate=vat_rate,
        quantity=item.amount,
        ticket_discount_rate=ticket_discount,
        item_discount_rate=pos.discount_rate,
        is_discount_allowed=allowed,
        incl_vat=prices.incl_vat,
    )
    return ReceiptLine(
        item=item,
        pos=pos,
        unit_price=unit_price,
        vat_rate=vat_rate,
        is_discount_allowed=allowed,
        vat=math.vat,
        unit_price_incl_vat=math.unit_price_incl_vat,
        effective_discount=math.discount,
        total_price=pos.total_price if pos.total_price is not None else math.total_price,
    )


def receipt_of(ticket: TicketRecord) -> Receipt:
    """``ticket`` (read with its point-of-sale section) as a receipt."""
    pos = ticket.pos or PosRecord()
    lines = [_line(item, pos.discount_rate) for item in ticket.items]
    total = pos.total_price
    if total is None:
        total = sum((line.total_price for line in lines), ZERO) + (pos.rounding_amount or ZERO)
    discount = pos.discount_amount
    if discount is None:
        discount = sum(
            (line.unit_price_incl_vat * line.item.amount - line.total_price for line in lines),
            ZERO,
        )
    return Receipt(pos=pos, lines=lines, total_price=total, discount_amount=discount)


__all__ = ["Receipt", "ReceiptLine", "receipt_of"]
