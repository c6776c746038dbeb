"""What a face asks the ticket services to write. Unset fields are left alone."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from msgspec import UNSET, Struct, UnsetType

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
