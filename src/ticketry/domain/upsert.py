"""``INSERT … ON CONFLICT`` for whichever database the session is bound to."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_name(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def insert_for(session: AsyncSession, table: Any) -> Any:
    return insert_of(dialect_name(session), table)


def insert_of(dialect: str, table: Any) -> Any:
    """An ``INSERT`` that can take ``ON CONFLICT`` on ``dialect``."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
