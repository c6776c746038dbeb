"""A small engine of its own for request bookkeeping (rate limits, idempotency keys).

Kept apart from the request's own pool so that bookkeeping neither competes with the
handler for connections nor shows up among the handler's queries.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from ticketry.db import create_engine
from ticketry.runtime import Runtime


def bookkeeping_engine(runtime: Runtime) -> AsyncEngine:
    if runtime.bookkeeping_engine is None:
        runtime.bookkeeping_engine = create_engine(runtime.settings.database_url, pool_size=4)
    return runtime.bookkeeping_engine


async def bookkeeping_dispose(runtime: Runtime) -> None:
    engine, runtime.bookkeeping_engine = runtime.bookkeeping_engine, None
    if engine is not None:
        await engine.dispose()
