"""Per-account reference data: states, tags, types, custom fields, shipping, refund accounts."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ticketry.domain.base import AccountOwned, Base, IntPK
from ticketry.domain.types import JSONType

# The lifecycle every face understands. An account's states each fall into one of these,
# so a ticket has one truth whichever API changed it.
TICKET_STATUSES = ("new", "open", "pending", "solved", "closed")


class TicketState(AccountOwned, Base):
    __tablename__ = "ticket_states"

    name: Mapped[dict] = mapped_column(JSONType, nullable=False)  # {"cs": "...", "en": "..."}
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    # The state a ticket gets when another face sets only the lifecycle status.
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Tag(AccountOwned, Base):
    __tablename__ = "tags"

    name: Mapped[dict] = mapped_column(JSONType, nullable=False)
    # A language-neutral label, the tag's name in APIs whose tags are plain strings.
    label: Mapped[str] = mapped_column(String(100), nullable=False)
    fgcolor: Mapped[str] = mapped_column(String(16), nullable=False, default="#ffffff")
    bgcolor: Mapped[str] = mapped_column(String(16), nullable=False, default="#3f51b5")

    __table_args__ = (UniqueConstraint("account_id", "label"),)


class TicketType(AccountOwned, Base):
    __tablename__ = "ticket_types"

    name: Mapped[dict] = mapped_column(JSONType, nullable=False)
    # return | complaint | warranty | other: what the returns portal offers customers.
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="other")
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


CUSTOM_FIELD_TYPES = (
    "TEXT",
    "MULTILINE_TEXT",
    "NUMBER",
    "DATE",
    "CHECKBOX",
    "SINGLE_SELECT",
    "MULTI_SELECT",
    "URL",
    "BANK_ACCOUNT",
    "CZECH_BANK_ACCOUNT",
    "IBAN",
    "FILE",
)


class CustomField(AccountOwned, Base):
    __tablename__ = "custom_fields"
    __table_args__ = (UniqueConstraint("account_id", "target", "key"),)

    target: Mapped[str] = mapped_column(String(10), nullable=False)  # ticket | product
    # The key under which values appear in a ticket's or product's custom_fields.
    key: Mapped[str] = mapped_column(String(64), nullable=False)
    type: Mapped[str] = mapped_column(String(24), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    name: Mapped[dict] = mapped_column(JSONType, nullable=False)
    options: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)  # [{id, label}]
    is_required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class ShippingType(AccountOwned, Base):
    __tablename__ = "shipping_types"

    name: Mapped[dict] = mapped_column(JSONType, nullable=False)
    code: Mapped[str] = mapped_column(String(40), nullable=False)  # TO_ADDRESS | TO_BRANCH | ...


class ShippingRoute(AccountOwned, Base):
    __tablename__ = "shipping_routes"

    name: Mapped[dict] = mapped_column(JSONType, nullable=False)
    carrier: Mapped[str] = mapped_column(String(60), nullable=False)
    shipping_type_id: Mapped[int | None] = mapped_column(
        IntPK, ForeignKey("shipping_types.id", ondelete="SET NULL"), nullable=True, index=True
    )
    direction: Mapped[str] = mapped_column(String(16), nullable=False, default="FROM_CUSTOMER")
    countries: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)


class RefundAccount(AccountOwned, Base):
    __tablename__ = "refund_accounts"

    name: Mapped[str] = mapped_column(String(120), nullable=False)
    bank_account: Mapped[str] = mapped_column(String(60), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    due_date: Mapped[int] = mapped_column(Integer, nullable=False, default=14)  # days


class Department(AccountOwned, Base):
    """A department tickets are filed under (Paymenter's ``department``): reference data an
    admin edits, matched by its exact name as Paymenter's ``in:`` rule does."""

    __tablename__ = "departments"

    name: Mapped[str] = mapped_column(String(100), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __table_args__ = (UniqueConstraint("account_id", "name"),)
