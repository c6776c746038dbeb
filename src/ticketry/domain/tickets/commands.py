"""What a face asks the ticket services to write. Unset fields are left alone."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from msgspec import UNSET, Struct, UnsetType, field

from ticketry.domain.refs import Ref


class CustomerData(Struct, kw_only=True):
    name: str | UnsetType | None = UNSET
    email: str | UnsetType | None = UNSET
    phone: str | UnsetType | None = UNSET


class PriceData(Struct, kw_only=True):
    with_vat: Decimal | UnsetType | None = UNSET
    without_vat: Decimal | UnsetType | None = UNSET
    vat: Decimal | UnsetType | None = UNSET


class ItemData(Struct, kw_only=True):
    name: str | UnsetType = UNSET
    manufacturer: str | UnsetType | None = UNSET
    category: str | UnsetType | None = UNSET
    product_id: str | UnsetType | None = UNSET
    variant: str | UnsetType | None = UNSET
    ean: str | UnsetType | None = UNSET
    serial: str | UnsetType | None = UNSET
    amount: Decimal | UnsetType = UNSET
    price: PriceData | UnsetType | None = UNSET
    custom_fields: dict[str, Any] | UnsetType = UNSET


class PosItemData(Struct, kw_only=True):
    """A receipt line. Prices exclude VAT; rates are percent; see pos_math."""

    name: str = ""
    plu_code: int | None = None
    plu_stock_name: str | None = None
    unit_price: Decimal = Decimal(0)
    quantity: Decimal = Decimal(1)
    unit: str | None = None
    vat_rate: Decimal = Decimal(0)
    discount_rate: Decimal | None = None
    item_type: str | None = None
    is_discount_allowed: bool = True


class PosTicketData(Struct, kw_only=True):
    """The point-of-sale side of a ticket, written whole (it replaces the receipt lines)."""

    external_id: str | None = None
    purchase_type: str | None = None
    device_name: str | None = None
    origin_device_name: str | None = None
    discount_rate: Decimal | None = None
    location_table_name: str | None = None
    location_zone_name: str | None = None
    customer_card_serial_number: str | None = None
    customer_discount_rate: Decimal | None = None
    employee_email: str | None = None
    rounding_amount: Decimal | None = None
    items: list[PosItemData] = field(default_factory=list)


class CloseInfoData(Struct, kw_only=True):
    """What a fiscal printer reports when it closes a receipt."""

    device_name: str | None = None
    fiscal_name: str | None = None
    number: int | None = None
    daily_sales_report_number: int | None = None
    fiscal_memory_serial_number: str | None = None


class TicketData(Struct, kw_only=True):
    subject: str | UnsetType = UNSET
    customer: CustomerData | UnsetType = UNSET
    currency: str | UnsetType = UNSET
    language: str | UnsetType = UNSET
    country: str | UnsetType | None = UNSET
    order_id: str | UnsetType | None = UNSET
    order_date: datetime | UnsetType | None = UNSET
    state: Ref | UnsetType | None = UNSET
    status: str | UnsetType = UNSET
    type: Ref | UnsetType | None = UNSET
    assignee: Ref | UnsetType | None = UNSET
    tags: list[Ref] | UnsetType = UNSET
    priority: str | UnsetType = UNSET
    channel: str | UnsetType = UNSET
    department: str | UnsetType | None = UNSET
    from_email: str | UnsetType | None = UNSET
    company: str | UnsetType | None = UNSET
    customer_rating: int | UnsetType | None = UNSET
    customer_rating_comment: str | UnsetType | None = UNSET
    custom_fields: dict[str, Any] | UnsetType = UNSET
    is_unread: bool | UnsetType = UNSET
    products: list[ItemData] | UnsetType = UNSET
    # A public id chosen by the client (create-or-update by id); only on create.
    public_id: uuid.UUID | UnsetType = UNSET
    pos: PosTicketData | UnsetType = UNSET
    # The requester as a contact (faces with integer requester ids); its e-mail, name and
    # phone become the ticket's customer snapshot.
    requester: Ref | UnsetType | None = UNSET
    # Faces that list a ticket's products by id: the ticket keeps exactly these items.
    item_ids: list[int] | UnsetType = UNSET
