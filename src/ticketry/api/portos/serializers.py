"""Domain reads → PORTOS wire structs, and PORTOS requests → domain commands."""

from __future__ import annotations

from decimal import Decimal

from msgspec import UNSET

from ticketry.api.portos import schemas as s
from ticketry.domain.tickets.commands import (
    CloseInfoData,
    CustomerData,
    PosItemData,
    PosTicketData,
    TicketData,
)
from ticketry.domain.tickets.receipts import ReceiptLine, receipt_of
from ticketry.domain.tickets.records import Projection, TicketRecord

ZERO = Decimal(0)
# What a PORTOS ticket shows: its point-of-sale section and receipt lines.
PROJECTION = Projection(items="full", tags=False, shipments=False, bound_order=False, pos=True)


def _item_out(line: ReceiptLine) -> s.TicketItemOut:
    item, pos = line.item, line.pos
    return s.TicketItemOut(
        id=item.id,
        name=item.name,
        type=pos.item_type,
        quantity=s.QuantityOut(amount=item.amount, unit=pos.quantity_unit),
        unit_price=line.unit_price,
        vat=line.vat,
        unit_price_including_vat=line.unit_price_incl_vat,
        discount_rate=pos.discount_rate or ZERO,
        effective_discount=line.effective_discount,
        total_price=line.total_price,
        plu=s.PluOut(
            code=pos.plu_code,
            name=item.name,
            stock_name=pos.plu_stock_name,
            vat_info=s.VatInfoOut(rate=line.vat_rate),
            is_discount_allowed=line.is_discount_allowed,
        ),
    )


def ticket_out(t: TicketRecord) -> s.TicketOut:
    """Renders the receipt the domain works out (``receipts.receipt_of``); no sums here."""
    receipt = receipt_of(t)
    p = receipt.pos
    items = [_item_out(line) for line in receipt.lines]
    has_customer = bool(t.customer_name or t.customer_email or p.customer_card_serial_number)
    has_location = p.location_table_name is not None or p.location_zone_name is not None
    closed = t.closed_at is not None
    return s.TicketOut(
        id=str(t.public_id),
        v=t.version,
        external_id=p.external_id,
        name=t.subject,
        purchase_type=p.purchase_type,
        device_name=p.device_name,
        origin_device_name=p.origin_device_name,
        currency=s.CurrencyOut(label=t.currency),
        discount_rate=p.discount_rate or ZERO,
        open_date=t.created_at,
        close_date=t.closed_at,
        close_info=s.CloseInfoOut(
            device_name=p.close_device_name,
            fiscal_name=p.close_fiscal_name,
            number=p.close_number,
            daily_sales_report_number=p.close_daily_sales_report_number,
            fiscal_memory_serial_number=p.close_fiscal_memory_serial_number,
        )
        if closed
        else None,
        location=s.LocationOut(
            table=s.NamedOut(name=p.location_table_name),
            zone=s.NamedOut(name=p.location_zone_name),
        )
        if has_location
        else None,
        customer=s.CustomerOut(
            name=t.customer_name,
            email=t.customer_email,
            phone=t.customer_phone,
            card=s.CardOut(serial_number=p.customer_card_serial_number)
            if p.customer_card_serial_number
            else None,
            discount_rate=p.customer_discount_rate or ZERO,
        )
        if has_customer
        else None,
        employee=s.EmployeeOut(user_name=p.employee_email) if p.employee_email else None,
        items=items,
        rounding_amount=p.rounding_amount or ZERO,
        discount_amount=receipt.discount_amount,
        total_price=receipt.total_price,
    )


def _item_data(item: s.TicketItemIn) -> PosItemData:
    plu = item.plu or s.PluIn()
    quantity = item.quantity or s.QuantityIn()
    return PosItemData(
        name=item.name or plu.name or "",
        plu_code=plu.code,
        plu_stock_name=plu.stock_name,
        unit_price=item.unit_price,
        quantity=quantity.amount,
        unit=quantity.unit,
        vat_rate=plu.vat_info.rate if plu.vat_info else Decimal(0),
        discount_rate=item.discount_rate,
        item_type=item.type,
        is_discount_allowed=plu.is_discount_allowed,
    )


def ticket_data(body: s.TicketIn, *, device_name: str | None) -> TicketData:
    """A whole ticket: what is absent is cleared (PUT replaces), but for the employee
    (the caller on create, unchanged on update) and the device (the session's device)."""
    customer = body.customer
    employee = body.employee.user_name if body.employee else None
    data = TicketData(
        subject=body.name or "",
        customer=CustomerData(
            name=customer.name if customer else "",
            email=customer.email if customer else "",
            phone=customer.phone if customer else "",
        ),
        pos=PosTicketData(
            external_id=body.external_id,
            purchase_type=body.purchase_type,
            device_name=body.device_name or device_name,
            origin_device_name=body.origin_device_name or body.device_name or device_name,
            discount_rate=body.discount_rate,
            location_table_name=body.location.table.name
            if body.location and body.location.table
            else None,
            location_zone_name=body.location.zone.name
            if body.location and body.location.zone
            else None,
            customer_card_serial_number=customer.card.serial_number
            if customer and customer.card
            else None,
            customer_discount_rate=customer.discount_rate if customer else None,
            employee_email=employee,
            rounding_amount=body.rounding_amount,
            items=[_item_data(i) for i in body.items],
        ),
    )
    if body.currency and body.currency.label:
        data.currency = body.currency.label
    return data


def close_data(body: s.TicketCloseIn) -> CloseInfoData:
    src: s.CloseInfoIn = body.close_info if body.close_info is not None else body
    return CloseInfoData(
        device_name=src.device_name,
        fiscal_name=src.fiscal_name,
        number=src.number,
        daily_sales_report_number=src.daily_sales_report_number,
        fiscal_memory_serial_number=src.fiscal_memory_serial_number,
    )


__all__ = ["UNSET", "close_data", "ticket_data", "ticket_out"]
