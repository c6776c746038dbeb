"""What every face, the web pages and the worker share at run time: settings, the engines,
the session factories, and the registries the program was assembled with. Built once by
``app.py`` (tests build their own); it names no face."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from litestar import Request
from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ticketry.credential_cache import CredentialCache
from ticketry.domain.webhooks.flavours import Flavours
from ticketry.readpath import WROTE, ReadPath
from ticketry.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    # Webhook payload formats, each registered by its face (ticketry.registries).
    flavours: Flavours
    # For requests that only read (GET, HEAD); on SQLite they skip the write lock, on an
    # engine of their own (``read_engine``) whose connections run on threads.
    read_sessionmaker: async_sessionmaker[AsyncSession] | None = None
    read_engine: AsyncEngine | None = None
    # The domain readers' way around the session (None: they read through it).
    read_path: ReadPath | None = None
    # Who API tokens belong to, per process (None: looked up every time).
    credentials: CredentialCache | None = None


@contextlib.asynccontextmanager
async def unit_of_work(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """A request is the unit of work: what its handler wrote is committed once the response
    is ready (before a byte of it is sent, so a failed commit is still the answer), and
    rolled back when the handler raises. Services never commit; work that must wait for
    the outcome hangs on the session's ``info`` and its commit and rollback events (as
    stored files do: ``domain/files/services.py``)."""
    try:
        yield session
    except BaseException:
        await session.rollback()
        raise
    else:
        if session.in_transaction() and (
            session.info.get(WROTE) or session.new or session.dirty or session.deleted
        ):
            await session.commit()
    finally:
        await session.close()


async def provide_session(state: State) -> AsyncIterator[AsyncSession]:
    runtime: Runtime = state.runtime
    async with unit_of_work(runtime.sessionmaker()) as session:
        yield session


async def provide_session_read_only_get(
    state: State, request: Request
) -> AsyncIterator[AsyncSession]:
    """As ``provide_session``, but GET and HEAD get a read-only session: on SQLite their
    reads then run beside each other instead of queueing for the write lock. Only for
    faces whose GET handlers never write."""
    runtime: Runtime = state.runtime
    maker = runtime.sessionmaker
    if request.method in ("GET", "HEAD") and runtime.read_sessionmaker is not None:
        maker = runtime.read_sessionmaker
    async with unit_of_work(maker()) as session:
        yield session
