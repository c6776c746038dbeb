"""What every face shares at run time: settings, the engine, the session factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ticketry.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]


async def provide_session(state: State) -> AsyncIterator[AsyncSession]:
    runtime: Runtime = state.runtime
    session = runtime.sessionmaker()
    try:
        yield session
    finally:
        await session.close()
