"""How a ``ticketry`` command runs: in a runtime of its own (``assembly.runtime_build``),
the command being the unit of work; domain errors become a one-line message."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.assembly import runtime_build, runtime_close
from ticketry.db import unit_of_work
from ticketry.domain.errors import DomainError, ValidationFailed
from ticketry.runtime import Runtime
from ticketry.settings import get_settings
from ticketry.web.errors import web_errors

T = TypeVar("T")


def run_in_runtime(fn: Callable[[Runtime], Awaitable[T]]) -> T:
    """Run ``fn`` with this process's runtime, released when it ends."""

    async def runner() -> T:
        runtime = runtime_build(get_settings())
        try:
            return await fn(runtime)
        finally:
            await runtime_close(runtime)

    try:
        return asyncio.run(runner())
    except ValidationFailed as exc:
        raise click.ClickException(_format_errors(web_errors(exc.errors))) from exc
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc


def run_in_session(fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``fn`` in one session of the runtime: committed when it returns."""
    return run_with_runtime(lambda _runtime, session: fn(session))


def run_with_runtime(fn: Callable[[Runtime, AsyncSession], Awaitable[T]]) -> T:
    """As ``run_in_session``, for commands that also need the runtime (its file store, its
    registries)."""

    async def in_session(runtime: Runtime) -> T:
        async with unit_of_work(runtime.sessionmaker()) as session:
            return await fn(runtime, session)

    return run_in_runtime(in_session)


def _format_errors(errors: dict[str, Any]) -> str:
    return "; ".join(
        f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in errors.items()
    )
