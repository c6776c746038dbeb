"""The one builder of the Runtime: settings → engines, session factories, file store,
registries, caches; and its counterpart that releases them.

``app.py`` (the server), ``cli.py`` (every command that touches the database or the files)
and the tests build their runtime here and hand it down (to the faces, the pages, the
worker); nothing else makes engines or stores of its own. It lives apart from
``runtime.py`` because it names the faces (through ``registries``), which the worker and
the web pages, handed a built runtime, must not import.
"""

from __future__ import annotations

from ticketry.credential_cache import CredentialCache
from ticketry.db import create_engine, create_sessionmaker, is_sqlite_url
from ticketry.domain.files.storage import file_store_from_settings
from ticketry.http.signin import signin_throttle_for
from ticketry.readpath import read_path_for
from ticketry.registries import webhook_flavours
from ticketry.runtime import Runtime
from ticketry.settings import Settings


def runtime_build(settings: Settings, *, serving: bool = False) -> Runtime:
    """The runtime of one process. ``serving`` (the server): read-only sessions on an engine
    of their own on SQLite, the domain readers' read path, the token cache, the sign-in
    throttle, and the file store made at once (a misconfigured store fails the start, not
    the first upload). Otherwise (a CLI command, a worker process, a test's worker) the
    engine and the registries, the rest made on first use. Engines connect lazily: building
    costs no connection."""
    url, pool = settings.database_url, settings.db_pool_size
    engine = create_engine(url, pool_size=pool)
    runtime = Runtime(
        settings=settings,
        engine=engine,
        sessionmaker=create_sessionmaker(engine),
        flavours=webhook_flavours(settings),
    )
    if not serving:
        return runtime
    # SQLite: read-only sessions on threads (their reads may be long), writes inline.
    readers = create_engine(url, pool_size=pool, threaded=True) if is_sqlite_url(url) else engine
    reads = read_path_for(url, pool_size=pool)
    runtime.sessionmaker = create_sessionmaker(engine, read_path=reads)
    runtime.read_sessionmaker = create_sessionmaker(readers, read_only=True, read_path=reads)
    runtime.read_engine = readers if readers is not engine else None
    runtime.read_path = reads
    runtime.credentials = CredentialCache(url, reads)
    runtime.signin_throttle = signin_throttle_for(settings, engine)
    runtime.file_store = file_store_from_settings(settings)
    return runtime


async def runtime_start(runtime: Runtime) -> None:
    """What must run once the event loop does (the token cache's listener)."""
    if runtime.credentials is not None:
        await runtime.credentials.start()


async def runtime_close(runtime: Runtime) -> None:
    """Release what the runtime holds: counters, caches, read path, every engine."""
    from ticketry.api.common.bookkeeping import bookkeeping_dispose
    from ticketry.api.common.ratelimit import backend_close

    await backend_close(runtime)
    await bookkeeping_dispose(runtime)
    if runtime.credentials is not None:
        await runtime.credentials.stop()
    if runtime.read_path is not None:
        await runtime.read_path.close()
    if runtime.read_engine is not None:
        await runtime.read_engine.dispose()
    engine, runtime.worker_engine = runtime.worker_engine, None
    if engine is not None:
        await engine.dispose()
    await runtime.engine.dispose()


__all__ = ["runtime_build", "runtime_close", "runtime_start"]
