"""Tickets and what hangs off them: products (items), tags, shipments, history."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ticketry.domain.base import AccountOwned, Base, IntPK
from ticketry.domain.types import JSONType, ScaledDecimal, UTCDateTime

TICKET_PRIORITIES = ("low", "medium", "high", "urgent")
TICKET_CHANNELS = ("customer_account", "dashboard", "email", "api", "follow_up", "portal", "pos")

# No order was given, or none matched; the order was matched by number and customer email;
# an agent confirmed the order by hand.
VERIFICATION_STATES = ("NOT_VERIFIED", "VERIFIED_AUTOMATICALLY", "VERIFIED_MANUALLY")


class Ticket(AccountOwned, Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("account_id", "code"),
        Index("ix_tickets_account_created", "account_id", "created_at", "id"),
        Index("ix_tickets_account_updated", "account_id", "updated_at", "id"),
        Index("ix_tickets_account_closed", "account_id", "closed_at", "id"),
        Index("ix_tickets_account_status", "account_id", "status", "id"),
        Index("ix_tickets_account_order", "account_id", "order_id"),
    )

    code: Mapped[str] = mapped_column(String(20), nullable=False)
    subject: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    # Lifecycle status (new/open/pending/solved/closed), always the category of ``state``.
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="new")
    state_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("ticket_states.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    type_id: Mapped[int | None] = mapped_column(
        IntPK, ForeignKey("ticket_types.id", ondelete="SET NULL"), nullable=True, index=True
    )
    assignee_id: Mapped[int | None] = mapped_column(
        IntPK, ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    requester_id: Mapped[int | None] = mapped_column(
        IntPK, ForeignKey("contacts.id", ondelete="SET NULL"), nullable=True, index=True
    )
    priority: Mapped[str] = mapped_column(String(10), nullable=False, default="medium")
    channel: Mapped[str] = mapped_column(String(20), nullable=False, default="api")
    department: Mapped[str | None] = mapped_column(String(100), nullable=True)
    from_email: Mapped[str | None] = mapped_column(String(254), nullable=True)

    # The customer as stated on this ticket (a snapshot; the contact may change later).
    customer_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    customer_email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    customer_phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    company: Mapped[str | None] = mapped_column(String(200), nullable=True)

    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    language: Mapped[str] = mapped_column(String(8), nullable=False)
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)

    # The order as the customer stated it, and the synchronised order it was matched to.
    order_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    order_date: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    bound_order_id: Mapped[int | None] = mapped_column(
        IntPK, ForeignKey("orders.id", ondelete="SET NULL"), nullable=True, index=True
    )
    verification_state: Mapped[str] = mapped_column(
        String(32), nullable=False, default="NOT_VERIFIED"
    )

    customer_rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    customer_rating_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    custom_fields: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
    is_unread: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Optimistic-concurrency version, bumped on every change.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # Accent-folded, lower-cased text of everything a search may match (customer, code,
    # order, products, tracking numbers); kept current by the ticket services.
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="")

    # Point of sale (a receipt at a till; PORTOS). The ticket's name is ``subject``, its
    # open date ``created_at``, its close date ``closed_at``. Totals are kept by pos_math.
    external_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    purchase_type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    device_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    origin_device_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    discount_rate: Mapped[Decimal | None] = mapped_column(ScaledDecimal(4), nullable=True)
    location_table_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    location_zone_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    customer_card_serial_number: Mapped[str | None] = mapped_column(String(100), nullable=True)
    customer_discount_rate: Mapped[Decimal | None] = mapped_column(ScaledDecimal(4), nullable=True)
    employee_id: Mapped[int | None] = mapped_column(
        IntPK, ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    close_device_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    close_fiscal_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    close_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    close_daily_sales_report_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    close_fiscal_memory_serial_number: Mapped[str | None] = mapped_column(
        String(100), nullable=True
    )
    rounding_amount: Mapped[Decimal | None] = mapped_column(ScaledDecimal(6), nullable=True)
    total_price: Mapped[Decimal | None] = mapped_column(ScaledDecimal(6), nullable=True)
    discount_amount: Mapped[Decimal | None] = mapped_column(ScaledDecimal(6), nullable=True)


ticket_tags = Table(
    "ticket_tags",
    Base.metadata,
    Column("ticket_id", IntPK, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", IntPK, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", IntPK, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Index("ix_ticket_tags_tag", "tag_id", "ticket_id"),
    Index("ix_ticket_tags_account_id", "account_id"),
)


class TicketItem(AccountOwned, Base):
    """A product in a ticket (a returned or claimed item; a receipt line at a till)."""

    __tablename__ = "ticket_items"
    __table_args__ = (Index("ix_ticket_items_ticket", "ticket_id", "position", "id"),)

    ticket_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    name: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    manufacturer: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    category: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    product_id: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    variant: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    ean: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    serial: Mapped[str | None] = mapped_column(String(100), nullable=True)
    amount: Mapped[Decimal] = mapped_column(ScaledDecimal(4), nullable=False, default=Decimal(1))
    price_with_vat: Mapped[Decimal | None] = mapped_column(ScaledDecimal(4), nullable=True)
    price_without_vat: Mapped[Decimal | None] = mapped_column(ScaledDecimal(4), nullable=True)
    price_vat: Mapped[Decimal | None] = mapped_column(ScaledDecimal(4), nullable=True)
    bound_order_item_id: Mapped[int | None] = mapped_column(
        IntPK, ForeignKey("order_items.id", ondelete="SET NULL"), nullable=True, index=True
    )
    custom_fields: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
    file_ids: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)

    # Point of sale: the PLU (``product_id`` holds its code as text too), the unit price
    # excluding VAT (6 places), the quantity's unit, rates in percent, the line total.
    plu_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    plu_stock_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    unit_price: Mapped[Decimal | None] = mapped_column(ScaledDecimal(6), nullable=True)
    quantity_unit: Mapped[str | None] = mapped_column(String(20), nullable=True)
    vat_rate: Mapped[Decimal | None] = mapped_column(ScaledDecimal(4), nullable=True)
    discount_rate: Mapped[Decimal | None] = mapped_column(ScaledDecimal(4), nullable=True)
    item_type: Mapped[str | None] = mapped_column(String(20), nullable=True)
    is_discount_allowed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    total_price: Mapped[Decimal | None] = mapped_column(ScaledDecimal(6), nullable=True)


class Shipment(AccountOwned, Base):
    """A parcel sent for a ticket (the customer's return or the replacement)."""

    __tablename__ = "shipments"

    ticket_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True
    )
    shipping_route_id: Mapped[int | None] = mapped_column(
        IntPK, ForeignKey("shipping_routes.id", ondelete="SET NULL"), nullable=True, index=True
    )
    carrier: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    tracking_number: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    tracking_url: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    direction: Mapped[str] = mapped_column(String(16), nullable=False, default="FROM_CUSTOMER")


class HistoryItem(AccountOwned, Base):
    """What happened to a ticket, for people (the outbox is for machines)."""

    __tablename__ = "ticket_history"
    __table_args__ = (Index("ix_ticket_history_ticket", "ticket_id", "id"),)

    ticket_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False
    )
    item_type: Mapped[str] = mapped_column(String(40), nullable=False)
    data: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
    user_id: Mapped[int | None] = mapped_column(
        IntPK, ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )


class TicketCodeCounter(Base):
    """Per account and year, the last ticket number handed out (codes like 20250001)."""

    __tablename__ = "ticket_code_counters"

    account_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class TicketCount(Base):
    """How many of an account's tickets have a status, spread over shards (see counts.py)."""

    __tablename__ = "ticket_counts"

    account_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class TicketSearchKey(Base):
    """An exact identifier of a ticket: its code, the customer's e-mail and phone, the order
    number, tracking and serial numbers (normalised by ``searchkeys.search_key``). A search
    for one of them finds its tickets through this index before any trigram work."""

    __tablename__ = "ticket_search_keys"
    __table_args__ = (Index("ix_ticket_search_keys_lookup", "account_id", "key", "ticket_id"),)

    ticket_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(260), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
