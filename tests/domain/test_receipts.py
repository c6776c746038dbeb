"""A ticket read as a receipt (``receipts.receipt_of``): the sums PORTOS shows, worked out
in the domain from what the write stored, or from the product's prices when another face
wrote the line."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from ticketry.domain.tickets.receipts import receipt_of
from ticketry.domain.tickets.records import ItemRecord, PosItemRecord, PosRecord, TicketRecord

D = Decimal


def _ticket(items: list[ItemRecord], pos: PosRecord | None = None) -> TicketRecord:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    return TicketRecord(
        id=1,
        public_id=uuid.uuid4(),
        code="T-1",
        created_at=now,
        updated_at=now,
        items=items,
        pos=pos,
    )


def _item(**values: object) -> ItemRecord:
    return ItemRecord(id=1, public_id=uuid.uuid4(), **values)  # type: ignore[arg-type]


def test_a_till_line_uses_its_own_columns_and_the_stored_totals() -> None:
    line = _item(
        amount=D(2),
        pos=PosItemRecord(
            unit_price=D("100"), vat_rate=D("21"), discount_rate=D("10"), total_price=D("217.8")
        ),
    )
    receipt = receipt_of(
        _ticket([line], PosRecord(total_price=D("218"), discount_amount=D("24.2")))
    )
    (only,) = receipt.lines
    assert (only.vat, only.unit_price_incl_vat) == (D("21"), D("121"))
    assert only.effective_discount == D("0.1")
    assert only.total_price == D("217.8")  # as stored by the write
    assert (receipt.total_price, receipt.discount_amount) == (D("218"), D("24.2"))


def test_a_line_written_by_another_face_is_derived_from_its_prices() -> None:
    line = _item(amount=D(3), price_without_vat=D("10"), price_vat=D("2.1"))
    receipt = receipt_of(_ticket([line], PosRecord(discount_rate=D(50), rounding_amount=D("0.2"))))
    (only,) = receipt.lines
    assert (only.unit_price, only.vat_rate, only.is_discount_allowed) == (D(10), D("21"), True)
    assert only.effective_discount == D("0.5")
    assert only.total_price == D("18.15")  # 12.1 × 3 × (1 − 0.5)
    # No totals stored: the lines' totals plus the rounding; what the discount took off.
    assert receipt.total_price == D("18.35")
    assert receipt.discount_amount == D("18.15")


def test_discounts_skip_lines_that_do_not_allow_them() -> None:
    line = _item(pos=PosItemRecord(unit_price=D(5), vat_rate=D(0), is_discount_allowed=False))
    receipt = receipt_of(_ticket([line], PosRecord(discount_rate=D(20))))
    assert receipt.lines[0].effective_discount == 0
    assert receipt.total_price == D(5)
    assert receipt.discount_amount == 0
