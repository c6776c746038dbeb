"""Point-of-sale tickets (receipts): the POS section of a ticket write.

Helpers of the ticket services (``services.py`` owns every ticket write and calls these):
checking and writing the POS fields and receipt lines, the employee a receipt defaults to,
and the fiscal printer's close info. Who may do what at a till is ``policy.py``'s."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import User
from ticketry.domain.errors import Code, ErrorCollector, ValidationFailed
from ticketry.domain.tickets.commands import CloseInfoData, PosTicketData
from ticketry.domain.tickets.models import Ticket, TicketItem
from ticketry.domain.tickets.policy import employee_email
from ticketry.domain.tickets.pos_math import item_math, retino_prices, ticket_math
from ticketry.domain.validation import check_text

_MAX_RATE = Decimal(100)
_MAX_MONEY = Decimal("1000000000")  # unit prices, quantities and rounding below 10^9
# The POS text fields and the columns that hold them (their length limits).
_TEXT = {
    field: getattr(Ticket, field)
    for field in (
        "external_id",
        "purchase_type",
        "device_name",
        "origin_device_name",
        "location_table_name",
        "location_zone_name",
        "customer_card_serial_number",
    )
}
_ITEM_TEXT = {
    "name": TicketItem.name,
    "plu_stock_name": TicketItem.plu_stock_name,
    "unit": TicketItem.quantity_unit,
    "item_type": TicketItem.item_type,
}
_TICKET_COLUMNS = (
    "external_id",
    "purchase_type",
    "device_name",
    "origin_device_name",
    "discount_rate",
    "location_table_name",
    "location_zone_name",
    "customer_card_serial_number",
    "customer_discount_rate",
    "rounding_amount",
)


def _check_rate(errors: ErrorCollector, field: str, value: Decimal | None) -> None:
    if value is not None and (not value.is_finite() or not 0 <= value <= _MAX_RATE):
        errors.add(field, Code.OUT_OF_RANGE, min=0, max=_MAX_RATE)


def _check_money(errors: ErrorCollector, field: str, value: Decimal | None) -> None:
    if value is not None and (not value.is_finite() or abs(value) >= _MAX_MONEY):
        errors.add(field, Code.OUT_OF_RANGE, min=-_MAX_MONEY, max=_MAX_MONEY, exclusive=True)


def pos_check(pos: PosTicketData) -> None:
    """Every problem with the POS fields, at once (field names are the domain's)."""
    errors = ErrorCollector()
    pos_problems(pos, errors)
    errors.raise_if_any()


def pos_problems(pos: PosTicketData, errors: ErrorCollector) -> None:
    """The POS fields' problems, into ``errors`` (the ticket command's check calls this,
    so they come with the ticket fields' problems)."""
    for field, column in _TEXT.items():
        check_text(errors, field, getattr(pos, field), column)
    check_text(errors, "employee", pos.employee_email, User.email)
    _check_rate(errors, "discount_rate", pos.discount_rate)
    _check_rate(errors, "customer_discount_rate", pos.customer_discount_rate)
    _check_money(errors, "rounding_amount", pos.rounding_amount)
    items: dict[str, Any] = {}
    for index, item in enumerate(pos.items):
        item_errors = ErrorCollector()
        for field, column in _ITEM_TEXT.items():
            check_text(item_errors, field, getattr(item, field), column)
        _check_rate(item_errors, "vat_rate", item.vat_rate)
        _check_rate(item_errors, "discount_rate", item.discount_rate)
        _check_money(item_errors, "unit_price", item.unit_price)
        _check_money(item_errors, "quantity", item.quantity)
        if item.plu_code is not None and not 0 <= item.plu_code < 2**31:
            item_errors.add("plu_code", Code.OUT_OF_RANGE, min=0, max=2**31 - 1)
        if item_errors:
            items[str(index)] = item_errors.errors
    errors.nest("items", items)


def _q(value: Decimal | None, places: int) -> str | None:
    return None if value is None else str(value.quantize(Decimal(1).scaleb(-places)))


def _snapshot_items(rows: list[TicketItem]) -> list[tuple[Any, ...]]:
    return [
        (
            r.name,
            r.plu_code,
            r.plu_stock_name,
            _q(r.unit_price, 6),
            _q(r.amount, 4),
            r.quantity_unit,
            _q(r.vat_rate, 4),
            _q(r.discount_rate, 4),
            r.item_type,
            r.is_discount_allowed,
        )
        for r in rows
    ]


async def ticket_pos_apply(
    session: AsyncSession, *, ticket: Ticket, pos: PosTicketData, changes: dict[str, list[Any]]
) -> None:
    """Write the POS fields and the receipt lines of a locked, flushed ticket; recompute
    its totals; record what changed in ``changes``. Called by ticket_create/update."""
    pos_check(pos)
    employee_id: int | None = None
    if pos.employee_email:
        employee_id = await session.scalar(
            select(User.id).where(
                User.account_id == ticket.account_id,
                User.email == pos.employee_email.strip().lower(),
            )
        )
        if employee_id is None:
            raise ValidationFailed.single("employee", Code.INVALID_REF, value=pos.employee_email)
    for column in _TICKET_COLUMNS:
        new = getattr(pos, column)
        if column in ("discount_rate", "rounding_amount") and new is None:
            new = Decimal(0)
        old = getattr(ticket, column)
        if old != new:
            changes[column] = [None if old is None else str(old), None if new is None else str(new)]
            setattr(ticket, column, new)
    if ticket.employee_id != employee_id:
        changes["employee"] = [ticket.employee_id, employee_id]
        ticket.employee_id = employee_id

    old_rows = list(
        await session.scalars(
            select(TicketItem)
            .where(TicketItem.ticket_id == ticket.id)
            .order_by(TicketItem.position, TicketItem.id)
        )
    )
    new_rows: list[TicketItem] = []
    maths = []
    for position, item in enumerate(pos.items):
        math = item_math(
            unit_price=item.unit_price,
            vat_rate=item.vat_rate,
            quantity=item.quantity,
            ticket_discount_rate=ticket.discount_rate,
            item_discount_rate=item.discount_rate,
            is_discount_allowed=item.is_discount_allowed,
        )
        maths.append(math)
        with_vat, without_vat, vat = retino_prices(math)
        new_rows.append(
            TicketItem(
                account_id=ticket.account_id,
                ticket_id=ticket.id,
                position=position,
                name=item.name or "",
                product_id="" if item.plu_code is None else str(item.plu_code),
                amount=item.quantity,
                price_with_vat=with_vat,
                price_without_vat=without_vat,
                price_vat=vat,
                custom_fields={},
                file_ids=[],
                plu_code=item.plu_code,
                plu_stock_name=item.plu_stock_name,
                unit_price=item.unit_price,
                quantity_unit=item.unit,
                vat_rate=item.vat_rate,
                discount_rate=item.discount_rate or Decimal(0),
                item_type=item.item_type,
                is_discount_allowed=item.is_discount_allowed,
                total_price=math.total_price,
            )
        )
    if _snapshot_items(old_rows) != _snapshot_items(new_rows):
        changes["items"] = [len(old_rows), len(new_rows)]
        await session.execute(delete(TicketItem).where(TicketItem.ticket_id == ticket.id))
        session.add_all(new_rows)
        await session.flush()
    totals = ticket_math(maths, pos.rounding_amount)
    if ticket.total_price != totals.total_price:
        changes.setdefault("total_price", [str(ticket.total_price), str(totals.total_price)])
    ticket.total_price, ticket.discount_amount = totals.total_price, totals.discount_amount


async def pos_employee_default(
    session: AsyncSession, *, pos: PosTicketData, existing: Ticket | None, actor: User
) -> None:
    """No employee given: the caller's receipt when new, its owner unchanged otherwise."""
    if pos.employee_email:
        return
    if existing is None:
        pos.employee_email = actor.email
    else:
        pos.employee_email = await employee_email(session, existing.employee_id)


def pos_close_info_apply(ticket: Ticket, info: CloseInfoData) -> None:
    """Check what the fiscal printer reported and record it on the ticket being closed."""
    errors = ErrorCollector()
    for field in ("device_name", "fiscal_name", "fiscal_memory_serial_number"):
        check_text(errors, field, getattr(info, field), getattr(Ticket, f"close_{field}"))
    for field in ("number", "daily_sales_report_number"):
        value = getattr(info, field)
        if value is not None and not 0 <= value < 2**31:
            errors.add(field, Code.OUT_OF_RANGE, min=0, max=2**31 - 1)
    errors.raise_if_any()
    ticket.close_device_name = info.device_name or ticket.device_name
    ticket.close_fiscal_name = info.fiscal_name
    ticket.close_number = info.number
    ticket.close_daily_sales_report_number = info.daily_sales_report_number
    ticket.close_fiscal_memory_serial_number = info.fiscal_memory_serial_number
