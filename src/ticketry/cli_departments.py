"""``ticketry departments``: list, add and remove an account's departments, the values a
ticket's ``department`` may take (Paymenter); the desk edits them too (Settings)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.db import create_engine, create_sessionmaker, unit_of_work
from ticketry.domain.accounts.services import account_get
from ticketry.domain.catalog.departments import (
    department_create,
    department_delete,
    departments_all,
)
from ticketry.domain.errors import DomainError, NotFound, ValidationFailed
from ticketry.settings import get_settings
from ticketry.web.errors import web_errors

T = TypeVar("T")


def _in_unit_of_work(fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def runner() -> T:
        engine = create_engine(get_settings().database_url)
        try:
            async with unit_of_work(create_sessionmaker(engine)()) as session:
                return await fn(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(runner())
    except ValidationFailed as exc:
        errors = web_errors(exc.errors)
        raise click.ClickException(
            "; ".join(f"{field}: {' '.join(map(str, m))}" for field, m in errors.items())
        ) from exc
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc


@click.group()
def departments() -> None:
    """Departments tickets are filed under (Paymenter's ``department``)."""


@departments.command("list")
@click.option("--account", "slug", required=True, help="Account slug.")
def departments_list(slug: str) -> None:
    """Print the account's departments, one a line, in order."""

    async def run(session: AsyncSession) -> list[str]:
        account = await account_get(session, slug=slug)
        return [d.name for d in await departments_all(session, account_id=account.id)]

    for name in _in_unit_of_work(run):
        click.echo(name)


@departments.command("add")
@click.option("--account", "slug", required=True, help="Account slug.")
@click.option("--position", type=int, default=None, help="Place in the list (default last).")
@click.argument("name")
def departments_add(slug: str, position: int | None, name: str) -> None:
    """Add the department NAME; print it."""

    async def run(session: AsyncSession) -> str:
        account = await account_get(session, slug=slug)
        created = await department_create(
            session, account_id=account.id, name=name, position=position
        )
        return created.name

    click.echo(_in_unit_of_work(run))


@departments.command("remove")
@click.option("--account", "slug", required=True, help="Account slug.")
@click.argument("name")
def departments_remove(slug: str, name: str) -> None:
    """Remove the department NAME (tickets filed under it keep the name)."""

    async def run(session: AsyncSession) -> None:
        account = await account_get(session, slug=slug)
        for department in await departments_all(session, account_id=account.id):
            if department.name == name:
                await department_delete(session, account_id=account.id, ref=department.id)
                return
        raise NotFound(f"No department '{name}' in account '{slug}'.")

    _in_unit_of_work(run)
