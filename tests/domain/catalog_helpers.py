"""Helpers for the tests of the services that edit reference data (``domain.catalog``)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.app import TicketryApp
from ticketry.domain.accounts.models import Account
from ticketry.domain.accounts.services import account_get_or_create
from ticketry.domain.errors import ValidationFailed
from ticketry.domain.tickets.commands import CustomerData, TicketData
from ticketry.domain.tickets.models import Ticket
from ticketry.domain.tickets.services import ticket_create

NAME = {"cs": "Jméno", "en": "Name"}
# On SQLite: long enough for the second transaction to reach the write lock it waits for.
BLOCK_SECONDS = 0.3


async def account_new(db: AsyncSession) -> Account:
    account, _ = await account_get_or_create(db, slug=f"c-{uuid.uuid4().hex[:10]}")
    await db.commit()
    return account


async def fails(coro: Awaitable[Any]) -> dict[str, Any]:
    """The field errors ``coro`` raises as ``ValidationFailed``."""
    with pytest.raises(ValidationFailed) as caught:
        await coro
    return caught.value.errors


async def ticket_new(
    db: AsyncSession, account: Account, *, commit: bool = True, **data: Any
) -> Ticket:
    ticket = await ticket_create(
        db,
        account=account,
        actor=None,
        data=TicketData(customer=CustomerData(email="jan@example.com", name="Jan"), **data),
    )
    if commit:
        await db.commit()
    return ticket


async def _until_blocked(app: TicketryApp, task: asyncio.Future[object]) -> None:
    """Wait until ``task`` waits for a lock (or has finished). PostgreSQL shows the wait in
    ``pg_locks``, so a loaded machine only makes this take longer, never makes it wrong; on
    SQLite the second transaction cannot finish while the first holds the write lock, so a
    short pause lets it get there."""
    assert app.runtime is not None
    if app.runtime.settings.is_sqlite:
        await asyncio.sleep(BLOCK_SECONDS)
        return
    for _ in range(400):  # up to ~20 s
        if task.done():
            return
        async with app.runtime.engine.connect() as conn:
            waiting = await conn.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted"))
        if waiting:
            return
        await asyncio.sleep(0.05)


async def second_during_first(
    app: TicketryApp,
    first: Callable[[AsyncSession], Awaitable[object]],
    second: Callable[[AsyncSession], Awaitable[object]],
) -> tuple[bool, BaseException | None]:
    """Run ``first`` in a transaction and, while it is still open, ``second`` in another;
    commit the first once the second has had time to reach what it waits for. Whether the
    second waited for the first to commit, and what the second raised (None: nothing).

    On PostgreSQL the second waits for a row lock; on SQLite for the write lock, which a
    transaction takes at its start."""
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as one, app.runtime.sessionmaker() as two:
        await first(one)
        task = asyncio.ensure_future(second(two))
        await _until_blocked(app, task)
        waited = not task.done()
        await one.commit()
        try:
            await task
        except Exception as exc:  # handed to the test to check
            await two.rollback()
            return waited, exc
        return waited, None
