"""Helpers for the tests of the services that edit reference data (``domain.catalog``)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.app import TicketryApp
from ticketry.domain.accounts.models import Account
from ticketry.domain.accounts.services import account_get_or_create
from ticketry.domain.errors import ValidationFailed
from ticketry.domain.tickets.commands import CustomerData, TicketData
from ticketry.domain.tickets.models import Ticket
from ticketry.domain.tickets.services import ticket_create

NAME = {"cs": "Jméno", "en": "Name"}
# Long enough for the second transaction to reach the lock it waits for.
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
    return await ticket_create(
        db,
        account=account,
        actor=None,
        data=TicketData(customer=CustomerData(email="jan@example.com", name="Jan"), **data),
        commit=commit,
    )


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
        await asyncio.sleep(BLOCK_SECONDS)
        waited = not task.done()
        await one.commit()
        try:
            await task
        except Exception as exc:  # handed to the test to check
            await two.rollback()
            return waited, exc
        return waited, None
