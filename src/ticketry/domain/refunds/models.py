"""Credit notes issued for a ticket (refund documents, often produced by the shop's ERP)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ticketry.domain.base import AccountOwned, Base, IntPK
from ticketry.domain.types import JSONType, ScaledDecimal


class CreditNote(AccountOwned, Base):
    __tablename__ = "credit_notes"

    ticket_id: Mapped[int] = mapped_column(
        IntPK, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True
    )
    stock: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    language: Mapped[str] = mapped_column(String(8), nullable=False)
    variable_symbol: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    total: Mapped[Decimal] = mapped_column(ScaledDecimal(4), nullable=False, default=Decimal(0))
    # Document snapshots as issued: they must not change when the ticket changes later.
    bank_account: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
    customer: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
    lines: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)
    file_id: Mapped[int | None] = mapped_column(
        IntPK, ForeignKey("files.id", ondelete="SET NULL"), nullable=True, index=True
    )
