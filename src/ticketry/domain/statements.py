"""Statements of the hot write paths, built once per process and database.

Building a SQLAlchemy statement (and its cache key) costs more than running it on SQLite:
in a ticket create, making ~15 small statements was a fifth of the request's CPU. A
statement made here with ``bindparam`` placeholders is built on first use, keeps its
memoized cache key, and hits the compiled cache on every later call; the caller passes
the values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")

_built: dict[tuple[Callable[..., Any], str], Any] = {}


def built(session: AsyncSession, make: Callable[[str], T]) -> T:
    """``make(dialect_name)``, made once per process for each database dialect. ``make``
    must be a module-level function: it is the cache key."""
    dialect = session.get_bind().dialect.name
    key = (make, dialect)
    stmt = _built.get(key)
    if stmt is None:
        stmt = _built[key] = make(dialect)
    return stmt  # type: ignore[no-any-return]
