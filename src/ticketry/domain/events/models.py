"""The outbox: one row per domain change, written in the transaction of the change."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ticketry.domain.base import AccountOwned, Base, IntPK
from ticketry.domain.types import JSONType


class Event(AccountOwned, Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_account_seq", "account_id", "id"),)

    event_type: Mapped[str] = mapped_column(String(60), nullable=False)
    entity_type: Mapped[str] = mapped_column(String(40), nullable=False)
    entity_id: Mapped[int] = mapped_column(IntPK, nullable=False)
    # Events of one ticket are delivered in order; this is the ordering key.
    ticket_id: Mapped[int | None] = mapped_column(
        IntPK, ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True, index=True
    )
    actor_user_id: Mapped[int | None] = mapped_column(IntPK, nullable=True)
    data: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
