"""Declarative base and the columns every table carries."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import BigInteger, ForeignKey, Integer, MetaData, Table, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from ticketry.domain.types import UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, INTEGER on SQLite (only INTEGER PRIMARY KEY is SQLite's rowid).
IntPK = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )


class Entity(Timestamped):
    """An integer key for joins and integer-id APIs, a UUID for UUID-id APIs.

    An id is never given twice, also after its row is deleted (clients and webhook
    consumers key on ids): PostgreSQL's sequences never hand a value back, and on SQLite
    the tables are ``AUTOINCREMENT`` (migration 0013)."""

    id: Mapped[int] = mapped_column(IntPK, primary_key=True, autoincrement=True)
    public_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), default=uuid.uuid4, unique=True, nullable=False
    )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)  # maps the class: its table exists now
        table = cls.__dict__.get("__table__")
        if table is not None:
            table.dialect_options["sqlite"]["autoincrement"] = True


class AccountOwned(Entity):
    @declared_attr
    def account_id(cls) -> Mapped[int]:
        return mapped_column(
            IntPK, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True
        )


def table_of(model: Any) -> Table:
    """The Core table of a mapped class, for batch statements."""
    return cast(Table, model.__table__)
