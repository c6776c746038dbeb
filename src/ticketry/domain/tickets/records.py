"""A ticket as read: what every face serialises from, decoded straight from the document
the database builds (``reading.py``). Parts a reader did not ask for (``Projection``) keep
their defaults: no products, no point-of-sale section."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from msgspec import Struct, field


class PosItemRecord(Struct, kw_only=True):
    """A receipt line's point-of-sale columns (PORTOS)."""

    plu_code: int | None = None
    plu_stock_name: str | None = None
    unit_price: Decimal | None = None
    quantity_unit: str | None = None
    vat_rate: Decimal | None = None
    discount_rate: Decimal | None = None
    item_type: str | None = None
    is_discount_allowed: bool | None = None
    total_price: Decimal | None = None


class ItemRecord(Struct, kw_only=True):
    """A product in a ticket."""

    id: int
    public_id: uuid.UUID
    position: int = 0
    name: str = ""
    manufacturer: str = ""
    category: str = ""
    product_id: str = ""
    variant: str = ""
    ean: str = ""
    serial: str | None = None
    amount: Decimal = Decimal(1)
    price_with_vat: Decimal | None = None
    price_without_vat: Decimal | None = None
    price_vat: Decimal | None = None
    bound_order_item_id: int | None = None
    bound_order_item_public_id: uuid.UUID | None = None
    custom_fields: dict[str, Any] = field(default_factory=dict)
    file_ids: list[uuid.UUID] = field(default_factory=list)
    pos: PosItemRecord | None = None


class TagRecord(Struct, kw_only=True):
    id: int
    public_id: uuid.UUID
    label: str


class ShipmentRecord(Struct, kw_only=True):
    id: int
    public_id: uuid.UUID
    carrier: str
    tracking_number: str
    tracking_url: str
    direction: str
    created_at: datetime


class BoundOrderRecord(Struct, kw_only=True):
    id: int
    public_id: uuid.UUID
    code: str
    remote_id: str | None = None
    order_date: datetime | None = None
    currency: str | None = None


class PosRecord(Struct, kw_only=True):
    """The point-of-sale section of a ticket (a receipt at a till)."""

    external_id: str | None = None
    purchase_type: str | None = None
    device_name: str | None = None
    origin_device_name: str | None = None
    discount_rate: Decimal | None = None
    location_table_name: str | None = None
    location_zone_name: str | None = None
    customer_card_serial_number: str | None = None
    customer_discount_rate: Decimal | None = None
    employee_id: int | None = None
    employee_email: str | None = None
    close_device_name: str | None = None
    close_fiscal_name: str | None = None
    close_number: int | None = None
    close_daily_sales_report_number: int | None = None
    close_fiscal_memory_serial_number: str | None = None
    rounding_amount: Decimal | None = None
    total_price: Decimal | None = None
    discount_amount: Decimal | None = None


class HistoryRecord(Struct, kw_only=True):
    """One entry of the ticket's trail as stored; ``history.history_entry`` reads ``data``."""

    public_id: uuid.UUID
    item_type: str
    data: dict[str, Any] = field(default_factory=dict)
    user_public_id: uuid.UUID | None = None
    created_at: datetime


class TicketRecord(Struct, kw_only=True):
    id: int
    public_id: uuid.UUID
    code: str
    subject: str = ""
    status: str = "new"
    state_id: int = 0
    state_public_id: uuid.UUID | None = None
    type_id: int | None = None
    type_public_id: uuid.UUID | None = None
    assignee_id: int | None = None
    assignee_public_id: uuid.UUID | None = None
    assignee_contact_id: int | None = None  # the assignee as a person (Paymenter's users)
    requester_id: int | None = None
    priority: str = "medium"
    channel: str = "api"
    department: str | None = None
    from_email: str | None = None
    customer_name: str = ""
    customer_email: str = ""
    customer_phone: str = ""
    company: str | None = None
    currency: str = ""
    language: str = ""
    country: str | None = None
    order_id: str | None = None
    order_date: datetime | None = None
    bound_order_id: int | None = None
    verification_state: str = "NOT_VERIFIED"
    customer_rating: int | None = None
    customer_rating_comment: str | None = None
    custom_fields: dict[str, Any] = field(default_factory=dict)
    is_unread: bool = False
    closed_at: datetime | None = None
    version: int = 1
    created_at: datetime
    updated_at: datetime
    items: list[ItemRecord] = field(default_factory=list)
    item_ids: list[int] = field(default_factory=list)
    tags: list[TagRecord] = field(default_factory=list)
    shipments: list[ShipmentRecord] = field(default_factory=list)
    bound_order: BoundOrderRecord | None = None
    pos: PosRecord | None = None
    history: list[HistoryRecord] = field(default_factory=list)  # oldest first


@dataclass(frozen=True)
class Projection:
    """Which parts of a ticket a reader needs: each part costs SQL to build.

    ``items``: ``"full"`` products, only their ``"ids"`` (``TicketRecord.item_ids``), or
    ``"none"``; ``pos``: the point-of-sale section, and the receipt columns of each item;
    ``history``: the ticket's latest that many history entries (0: none), oldest first. A
    long-lived ticket may have many: the bound keeps a page's document bounded."""

    items: Literal["none", "ids", "full"] = "full"
    tags: bool = True
    shipments: bool = True
    bound_order: bool = True
    pos: bool = False
    history: int = 0


FULL = Projection()
FLAT = Projection(items="none", tags=False, shipments=False, bound_order=False)
