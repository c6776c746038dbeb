"""Retino Orders API v2 wire shapes (orders, store ids), named as Retino names them."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from msgspec import UNSET, Struct, UnsetType

from ticketry.api.retino.schemas import PriceIn, PriceOut
from ticketry.api.retino.times import DateTimeText

# ---- input ----------------------------------------------------------------------------


class OrderCustomerIn(Struct, kw_only=True):
    email: str | UnsetType | None = UNSET
    phone: str | UnsetType | None = UNSET
    name: str | UnsetType | None = UNSET
    first_name: str | UnsetType | None = UNSET
    last_name: str | UnsetType | None = UNSET
    company: str | UnsetType | None = UNSET


class AddressIn(Struct, kw_only=True):
    name: str | UnsetType | None = UNSET
    first_name: str | UnsetType | None = UNSET
    last_name: str | UnsetType | None = UNSET
    company: str | UnsetType | None = UNSET
    street: str | UnsetType | None = UNSET
    house_number: str | UnsetType | None = UNSET
    city: str | UnsetType | None = UNSET
    postal_code: str | UnsetType | None = UNSET
    region: str | UnsetType | None = UNSET
    country: str | UnsetType | None = UNSET
    phone: str | UnsetType | None = UNSET
    email: str | UnsetType | None = UNSET


class OrderItemIn(Struct, kw_only=True):
    name: str
    code: str | None = None
    ean: str | None = None
    variant: str | None = None
    amount: Decimal | None = None
    item_type: str | None = None
    total_price: PriceIn | None = None


class OrderStatusIn(Struct, kw_only=True):
    name: str
    date: datetime | None = None


class OrderUpsert(Struct, kw_only=True):
    """``POST /orders`` and each element of ``POST /orders/bulk``: keyed by
    (``store_id``, ``code``); fields not sent keep their stored values on update."""

    code: str
    store_id: str
    remote_id: str | UnsetType | None = UNSET
    order_date: datetime | UnsetType | None = UNSET
    currency: str | UnsetType | None = UNSET
    language: str | UnsetType | None = UNSET
    price: PriceIn | UnsetType | None = UNSET
    customer: OrderCustomerIn | UnsetType | None = UNSET
    shipping_address: AddressIn | UnsetType | None = UNSET
    billing_address: AddressIn | UnsetType | None = UNSET
    items: list[OrderItemIn] | UnsetType | None = UNSET
    statuses: list[OrderStatusIn] | UnsetType | None = UNSET


class OrderPatch(Struct, kw_only=True):
    """``PATCH /orders/{id}``: only what is sent changes; ``customer`` and the addresses
    merge field by field. ``store_id`` cannot change."""

    code: str | UnsetType = UNSET
    store_id: str | UnsetType = UNSET
    remote_id: str | UnsetType | None = UNSET
    order_date: datetime | UnsetType | None = UNSET
    currency: str | UnsetType | None = UNSET
    language: str | UnsetType | None = UNSET
    price: PriceIn | UnsetType | None = UNSET
    customer: OrderCustomerIn | UnsetType | None = UNSET
    shipping_address: AddressIn | UnsetType | None = UNSET
    billing_address: AddressIn | UnsetType | None = UNSET
    items: list[OrderItemIn] | UnsetType | None = UNSET
    statuses: list[OrderStatusIn] | UnsetType | None = UNSET


class StoreCreate(Struct, kw_only=True):
    store_id: str
    name: str | UnsetType | None = UNSET


# ---- output ---------------------------------------------------------------------------


class OrderCustomerOut(Struct):
    email: str | None
    phone: str | None
    name: str | None
    first_name: str | None
    last_name: str | None
    company: str | None


class AddressOut(Struct):
    name: str | None
    first_name: str | None
    last_name: str | None
    company: str | None
    street: str | None
    house_number: str | None
    city: str | None
    postal_code: str | None
    region: str | None
    country: str | None
    phone: str | None
    email: str | None


class OrderItemOut(Struct):
    id: uuid.UUID
    name: str
    code: str | None
    ean: str | None
    variant: str | None
    amount: Decimal
    item_type: str
    total_price: PriceOut


class OrderStatusOut(Struct):
    name: str
    date: DateTimeText


class OrderOut(Struct):
    id: uuid.UUID
    code: str
    store_id: str
    remote_id: str | None
    order_date: DateTimeText | None
    currency: str | None
    language: str | None
    price: PriceOut
    customer: OrderCustomerOut
    shipping_address: AddressOut | None
    billing_address: AddressOut | None
    items: list[OrderItemOut]
    processing_status: str | None
    payment_status: str | None
    statuses: list[OrderStatusOut]
    created_at: DateTimeText
    updated_at: DateTimeText


class BulkResultOut(Struct):
    index: int
    status: str  # created | updated | failed
    id: uuid.UUID | None
    errors: dict[str, Any] | None


class BulkOut(Struct):
    processed: int
    created: int
    updated: int
    failed: int
    results: list[BulkResultOut]


class StoreOut(Struct):
    id: uuid.UUID
    store_id: str
    name: str
    created_at: DateTimeText
