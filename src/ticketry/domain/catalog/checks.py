"""Checks shared by the services that edit an account's reference data (ticket states and
types, tags, custom fields): localized names, choices and positions as an admin gives them,
the tickets a row is still in use by, and writes whose last check is the database's.

How those services work: each checks every value first and raises one ``ValidationFailed``
naming every bad field; rows are found by ref within the account (another account's row is
``NotFound``). Nothing is committed: the caller owns the transaction and commits or rolls
back.

No face keeps reference data in memory (the only caches are settings, ISO code lists,
transliterations, the host's own addresses and the generated OpenAPI documents): every
request reads states, types, tags and fields from the database, so a committed edit is
served at once and there is nothing to invalidate.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.errors import Code, ErrorCollector, ValidationFailed
from ticketry.domain.tickets.models import Ticket
from ticketry.domain.validation import check_language

NAME_MAX = 100
POSITION_MAX = 1_000_000


def names_check(errors: ErrorCollector, field: str, value: Mapping[str, str]) -> dict[str, str]:
    """A localized name: language codes, trimmed texts; blank languages are dropped."""
    clean: dict[str, str] = {}
    for lang, text in value.items():
        code = str(lang).strip().lower()
        probe = ErrorCollector()
        check_language(probe, field, code)
        if probe:
            errors.add(field, Code.INVALID_LANGUAGE, value=code)
            continue
        if not isinstance(text, str):
            errors.add(field, Code.NOT_A_STRING, part=code)
            continue
        text = text.strip()
        if "\x00" in text:
            errors.add(field, Code.NUL_CHARACTER, part=code)
        elif len(text) > NAME_MAX:
            errors.add(field, Code.TOO_LONG, max=NAME_MAX, part=code)
        elif text:
            clean[code] = text
    if not clean and field not in errors.errors:
        errors.add(field, "Enter a name in at least one language.")
    return clean


def choice_check(errors: ErrorCollector, field: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        errors.add(field, Code.INVALID_CHOICE, value=value)


def position_check(errors: ErrorCollector, value: int | None) -> None:
    if value is not None and not 0 <= value <= POSITION_MAX:
        errors.add("position", Code.OUT_OF_RANGE, min=0, max=POSITION_MAX)


async def position_after_last(session: AsyncSession, model: Any, *where: Any) -> int:
    last = await session.scalar(select(func.max(model.position)).where(*where))
    return 0 if last is None else int(last) + 1


async def tickets_using(session: AsyncSession, account_id: int, column: Any, value: int) -> int:
    """How many of the account's tickets have ``column == value``. Count after locking the
    row they point to: a ticket written meanwhile is then either counted or waits."""
    found = await session.scalar(
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.account_id == account_id, column == value)
    )
    return int(found or 0)


def tickets_are(count: int) -> str:
    return "1 ticket is" if count == 1 else f"{count} tickets are"


@asynccontextmanager
async def constraint_as_field_error(
    session: AsyncSession, field: str, message: str
) -> AsyncIterator[None]:
    """Make the changes in the block and flush them in a savepoint: a unique key that a
    concurrent writer took after the check, or a ticket put in a row being deleted, is a
    field error, not an aborted transaction or a 500. (The savepoint flushes anything
    pending first, so the block makes the changes inside it.)"""
    try:
        async with session.begin_nested():
            yield
            await session.flush()
    except IntegrityError:
        raise ValidationFailed.single(field, message) from None
