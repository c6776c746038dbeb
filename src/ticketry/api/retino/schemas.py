"""Retino Tickets API v2 wire shapes, named as Retino names them."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from msgspec import UNSET, Struct, UnsetType

from ticketry.api.retino.times import DateTimeText

T = TypeVar("T")


# ---- output ---------------------------------------------------------------------------


class PriceOut(Struct):
    with_vat: Decimal | None
    without_vat: Decimal | None
    vat: Decimal | None


class ProductOut(Struct):
    id: uuid.UUID
    bound_order_item: uuid.UUID | None
    price: PriceOut
    files: list[uuid.UUID]
    name: str
    manufacturer: str
    category: str
    product_id: str
    variant: str
    ean: str
    serial: str | None
    amount: Decimal
    custom_fields: dict[str, Any]


class CustomerOut(Struct):
    name: str
    email: str
    phone: str


class BoundOrderOut(Struct):
    id: uuid.UUID
    code: str
    remote_id: str | None
    order_date: DateTimeText | None
    currency: str | None


class ShippingOut(Struct):
    id: uuid.UUID
    carrier: str
    tracking_number: str
    tracking_url: str
    direction: str
    created_at: DateTimeText


class HistoryItemDataOut(Struct):
    """``text`` is what a client shows (a note's or message's text, else a sentence saying
    what changed); the rest is Ticketry's, additive: when, who, and each change's old and
    new value."""

    text: str
    created_at: DateTimeText
    user: uuid.UUID | None
    author: dict[str, Any]
    changes: list[dict[str, Any]]


class HistoryItemOut(Struct):
    id: uuid.UUID
    history_item_type: str
    history_item_data: HistoryItemDataOut


class TicketOut(Struct):
    id: uuid.UUID
    code: str
    state: uuid.UUID
    tags: list[uuid.UUID]
    type: uuid.UUID | None
    owner: uuid.UUID | None
    bound_order: BoundOrderOut | None
    products: list[ProductOut]
    shipping: list[ShippingOut]
    customer: CustomerOut
    company: str | None
    currency: str
    language: str
    country: str | None
    order_id: str | None
    order_date: DateTimeText | None
    customer_rating: int | None
    customer_rating_comment: str | None
    custom_fields: dict[str, Any]
    verification_state: str
    is_unread: bool
    created_at: DateTimeText
    updated_at: DateTimeText
    closed_at: DateTimeText | None
    history_items: list[HistoryItemOut]


class Paginated(Struct, Generic[T]):
    count: int
    current_page: int
    total_pages: int
    results: list[T]


class LocalizedLookupOut(Struct):
    id: uuid.UUID
    name: dict[str, str]


class TagOut(Struct):
    id: uuid.UUID
    fgcolor: str
    bgcolor: str
    name: dict[str, str]


class UserOut(Struct):
    id: uuid.UUID
    role: str
    email: str
    full_name: str
    phone_number: str
    last_activity_at: DateTimeText | None
    date_joined: DateTimeText


class CustomFieldOptionOut(Struct):
    id: str
    label: dict[str, str]


class CustomFieldOut(Struct):
    id: uuid.UUID
    key: str
    type: str
    position: int
    name: dict[str, str]
    options: list[CustomFieldOptionOut]


class ShippingTypeOut(Struct):
    id: uuid.UUID
    code: str
    name: dict[str, str]


class ShippingRouteOut(Struct):
    id: uuid.UUID
    name: dict[str, str]
    carrier: str
    shipping_type: uuid.UUID | None
    direction: str
    countries: list[str]


class RefundAccountOut(Struct):
    id: uuid.UUID
    name: str
    bank_account: str
    currency: str
    due_date: int


class InternalNoteOut(Struct):
    id: uuid.UUID
    ticket: uuid.UUID
    text: str
    author: uuid.UUID | None
    created_at: DateTimeText


class CreditNoteOut(Struct):
    id: uuid.UUID
    ticket_id: uuid.UUID
    stock: bool
    currency: str
    language: str
    variable_symbol: str
    total: Decimal
    bank_account: dict[str, Any]
    customer: dict[str, Any]
    lines: list[dict[str, Any]]
    file: str | None
    created_at: DateTimeText
    updated_at: DateTimeText


# ---- input ----------------------------------------------------------------------------


class CustomerIn(Struct, kw_only=True):
    name: str | UnsetType | None = UNSET
    email: str | UnsetType | None = UNSET
    phone: str | UnsetType | None = UNSET


class CustomerCreate(Struct, kw_only=True):
    email: str
    name: str | UnsetType | None = UNSET
    phone: str | UnsetType | None = UNSET


class PriceIn(Struct, kw_only=True):
    with_vat: Decimal | UnsetType | None = UNSET
    without_vat: Decimal | UnsetType | None = UNSET
    vat: Decimal | UnsetType | None = UNSET


class ProductCreate(Struct, kw_only=True):
    name: str
    amount: Decimal | UnsetType = UNSET
    price: PriceIn | UnsetType | None = UNSET
    manufacturer: str | UnsetType | None = UNSET
    category: str | UnsetType | None = UNSET
    product_id: str | UnsetType | None = UNSET
    variant: str | UnsetType | None = UNSET
    ean: str | UnsetType | None = UNSET
    serial: str | UnsetType | None = UNSET
    custom_fields: dict[str, Any] | UnsetType = UNSET


class ProductPatch(Struct, kw_only=True):
    name: str | UnsetType = UNSET
    amount: Decimal | UnsetType = UNSET
    price: PriceIn | UnsetType | None = UNSET
    manufacturer: str | UnsetType | None = UNSET
    category: str | UnsetType | None = UNSET
    product_id: str | UnsetType | None = UNSET
    variant: str | UnsetType | None = UNSET
    ean: str | UnsetType | None = UNSET
    serial: str | UnsetType | None = UNSET
    custom_fields: dict[str, Any] | UnsetType = UNSET


class TicketCreate(Struct, kw_only=True):
    customer: CustomerCreate
    currency: str
    language: str
    country: str | UnsetType | None = UNSET
    order_id: str | UnsetType | None = UNSET
    order_date: datetime | UnsetType | None = UNSET
    type: uuid.UUID | UnsetType | None = UNSET
    state: uuid.UUID | UnsetType = UNSET
    owner: uuid.UUID | UnsetType | None = UNSET
    tags: list[uuid.UUID] | UnsetType = UNSET
    company: str | UnsetType | None = UNSET
    custom_fields: dict[str, Any] | UnsetType = UNSET
    products: list[ProductCreate] | UnsetType = UNSET


class TicketPut(Struct, kw_only=True):
    """PUT: the mandatory fields of a ticket must all be sent."""

    customer: CustomerCreate
    currency: str
    language: str
    state: uuid.UUID
    country: str | UnsetType | None = UNSET
    type: uuid.UUID | UnsetType | None = UNSET
    owner: uuid.UUID | UnsetType | None = UNSET
    tags: list[uuid.UUID] | UnsetType = UNSET
    order_id: str | UnsetType | None = UNSET
    order_date: datetime | UnsetType | None = UNSET
    company: str | UnsetType | None = UNSET
    custom_fields: dict[str, Any] | UnsetType = UNSET
    is_unread: bool | UnsetType = UNSET


class TicketPatch(Struct, kw_only=True):
    customer: CustomerIn | UnsetType = UNSET
    currency: str | UnsetType = UNSET
    language: str | UnsetType = UNSET
    country: str | UnsetType | None = UNSET
    state: uuid.UUID | UnsetType = UNSET
    type: uuid.UUID | UnsetType | None = UNSET
    owner: uuid.UUID | UnsetType | None = UNSET
    tags: list[uuid.UUID] | UnsetType = UNSET
    order_id: str | UnsetType | None = UNSET
    order_date: datetime | UnsetType | None = UNSET
    company: str | UnsetType | None = UNSET
    custom_fields: dict[str, Any] | UnsetType = UNSET
    is_unread: bool | UnsetType = UNSET
    customer_rating: int | UnsetType | None = UNSET
    customer_rating_comment: str | UnsetType | None = UNSET


class InternalNoteCreate(Struct, kw_only=True):
    ticket: uuid.UUID
    text: str


class CreditNotePatch(Struct, kw_only=True):
    file_base64: str
    file_name: str | UnsetType | None = UNSET
