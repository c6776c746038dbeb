"""Orders synchronised from e-shops, keyed by (store, code)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ticketry.domain.base import AccountOwned, Base, IntPK
from ticketry.domain.types import JSONType, ScaledDecimal, UTCDateTime

ORDER_ITEM_TYPES = ("PRODUCT", "SHIPPING", "BILLING", "DISCOUNT")
PROCESSING_STATUSES = (
    "NEW",
    "PICKING",
    "PACKED",
    "DISPATCHED",
    "ON_HOLD",
    "READY_FOR_PICKUP",
    "PICKED_UP",
)
PAYMENT_STATUSES = ("AWAITING_PAYMENT", "PAID", "PARTIALLY_REFUNDED", "REFUNDED", "PAYMENT_FAILED")


class Store(AccountOwned, Base):
    """An e-shop of the account; with an order code it makes the order's natural key."""

    __tablename__ = "stores"
    __table_args__ = (UniqueConstraint("account_id", "code"),)

    code: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")


class Order(AccountOwned, Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("account_id", "store_id", "code"),
        Index("ix_orders_account_updated", "account_id", "updated_at", "id"),
        Index("ix_orders_account_code", "account_id", "code"),
    )

    store_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("stores.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    code: Mapped[str] = mapped_column(String(100), nullable=False)
    remote_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    order_date: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    price_with_vat: Mapped[Decimal | None] = mapped_column(ScaledDecimal(4), nullable=True)
    price_without_vat: Mapped[Decimal | None] = mapped_column(ScaledDecimal(4), nullable=True)
    price_vat: Mapped[Decimal | None] = mapped_column(ScaledDecimal(4), nullable=True)
    customer_email: Mapped[str | None] = mapped_column(String(254), nullable=True, index=True)
    customer: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
    shipping_address: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    billing_address: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    processing_status: Mapped[str | None] = mapped_column(String(24), nullable=True)
    payment_status: Mapped[str | None] = mapped_column(String(24), nullable=True)


class OrderItem(AccountOwned, Base):
    __tablename__ = "order_items"
    __table_args__ = (Index("ix_order_items_order", "order_id", "position"),)

    order_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    name: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    code: Mapped[str | None] = mapped_column(String(100), nullable=True)
    ean: Mapped[str | None] = mapped_column(String(64), nullable=True)
    variant: Mapped[str | None] = mapped_column(String(200), nullable=True)
    amount: Mapped[Decimal] = mapped_column(ScaledDecimal(4), nullable=False, default=Decimal(1))
    item_type: Mapped[str] = mapped_column(String(10), nullable=False, default="PRODUCT")
    total_price_with_vat: Mapped[Decimal | None] = mapped_column(ScaledDecimal(4), nullable=True)
    total_price_without_vat: Mapped[Decimal | None] = mapped_column(ScaledDecimal(4), nullable=True)
    total_price_vat: Mapped[Decimal | None] = mapped_column(ScaledDecimal(4), nullable=True)


class OrderStatusChange(AccountOwned, Base):
    """The order's status history: every processing or payment status it has had."""

    __tablename__ = "order_status_changes"
    __table_args__ = (Index("ix_order_status_changes_order", "order_id", "date", "id"),)

    order_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(12), nullable=False)  # processing | payment
    name: Mapped[str] = mapped_column(String(24), nullable=False)
    date: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
