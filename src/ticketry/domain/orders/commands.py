"""What a face asks the order services to write. Unset fields are left alone."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from msgspec import UNSET, Struct, UnsetType

from ticketry.domain.tickets.commands import PriceData


class OrderItemData(Struct, kw_only=True):
    name: str
    code: str | None = None
    ean: str | None = None
    variant: str | None = None
    amount: Decimal | None = None
    item_type: str | None = None
    total_price: PriceData | None = None


class StatusData(Struct, kw_only=True):
    name: str
    date: datetime | None = None


class OrderData(Struct, kw_only=True):
    """An order as a face sent it. ``customer`` and the addresses are plain mappings of the
    keys that were sent (a ``None`` value clears a key when merged)."""

    code: str | UnsetType = UNSET
    store_id: str | UnsetType = UNSET
    remote_id: str | UnsetType | None = UNSET
    order_date: datetime | UnsetType | None = UNSET
    currency: str | UnsetType | None = UNSET
    language: str | UnsetType | None = UNSET
    price: PriceData | UnsetType | None = UNSET
    customer: dict[str, Any] | UnsetType | None = UNSET
    shipping_address: dict[str, Any] | UnsetType | None = UNSET
    billing_address: dict[str, Any] | UnsetType | None = UNSET
    items: list[OrderItemData] | UnsetType | None = UNSET
    statuses: list[StatusData] | UnsetType | None = UNSET


class UpsertResult(Struct, kw_only=True):
    """The outcome of one order of a bulk upsert, by its position in the request."""

    index: int
    status: str  # created | updated | failed
    id: Any = None  # the order's public id (UUID) unless failed
    order_id: int | None = None
    errors: dict[str, Any] | None = None
