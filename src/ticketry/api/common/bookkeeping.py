"""A small engine of its own for request bookkeeping (rate limits, idempotency keys).

Kept apart from the request's own pool so that bookkeeping neither competes with the
handler for connections nor shows up among the handler's queries.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from ticketry.db import create_engine
from ticketry.runtime import Runtime

_engines: dict[int, tuple[Runtime, AsyncEngine]] = {}


def bookkeeping_engine(runtime: Runtime) -> AsyncEngine:
    found = _engines.get(id(runtime))
    if found is None or found[0] is not runtime:
        engine = create_engine(runtime.settings.database_url, pool_size=4)
        found = (runtime, engine)
        _engines[id(runtime)] = found
    return found[1]


async def bookkeeping_dispose(runtime: Runtime) -> None:
    found = _engines.pop(id(runtime), None)
    if found is not None and found[0] is runtime:
        await found[1].dispose()
