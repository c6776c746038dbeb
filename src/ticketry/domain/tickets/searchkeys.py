"""Exact identifiers of a ticket, for searches that name one.

A customer's e-mail, a phone number, an order number or a ticket code is a needle that the
trigram indexes find slowly: its trigrams (``exa``, ``com``, digits) occur in nearly every
ticket. Each ticket's identifiers are kept in ``ticket_search_keys`` (one indexed row each);
a search whose whole text is one identifier asks that index first and, when it finds
tickets, those are the result. Anything else (a word, a part of a code) is a substring
search as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.base import table_of
from ticketry.domain.tickets.models import TicketSearchKey

_PHONE = re.compile(r"[0-9+()./\- ]+")
PHONE_DIGITS = 9  # the national number of a Czech or Slovak phone, without the prefix
MAX_KEY = 254


def search_key(value: str | None) -> str | None:
    """The key of one identifier as written on a ticket or asked for in a search: a phone
    number (9+ digits, with any of ``+ ( ) . / -`` and spaces) by its last nine digits,
    anything else without surrounding space, lower-case. None: not an identifier (empty,
    or words, or no digit and no ``@``)."""
    if not value or "\x00" in value:
        return None
    text_ = value.strip()
    if _PHONE.fullmatch(text_):
        digits = "".join(c for c in text_ if c.isdigit())
        if len(digits) >= PHONE_DIGITS:
            return "tel:" + digits[-PHONE_DIGITS:]
    if not text_ or any(c.isspace() for c in text_) or len(text_) > MAX_KEY:
        return None
    if "@" not in text_ and not any(c.isdigit() for c in text_):
        return None
    return text_.lower()


def ticket_keys(parts: Iterable[str | None]) -> set[str]:
    return {k for k in (search_key(p) for p in parts) if k}


async def ticket_keys_replace(
    session: AsyncSession, *, account_id: int, ticket_id: int, keys: set[str], new: bool
) -> None:
    """Make ``keys`` the ticket's keys (``new``: it has none yet)."""
    table = table_of(TicketSearchKey)
    if not new:
        await session.execute(delete(table).where(table.c.ticket_id == ticket_id))
    if keys:
        await session.execute(
            insert(table),
            [{"account_id": account_id, "ticket_id": ticket_id, "key": k} for k in sorted(keys)],
        )


def key_lookup(account_id: Any, key: Any) -> Any:
    """The ids of the account's tickets that have ``key`` (bound parameters welcome)."""
    table = table_of(TicketSearchKey)
    return select(table.c.ticket_id).where(table.c.account_id == account_id, table.c.key == key)


def _digits(column: str) -> str:
    out = column
    for ch in " +-()/.":
        out = f"replace({out}, '{ch}', '')"
    return out


def keys_rebuild_sql(dialect: str, where: str = "") -> str:
    """``INSERT … SELECT`` of the keys of the tickets matching ``where`` (on ``t``), computed
    in SQL as ``search_key`` computes them (for identifiers in ASCII)."""
    sqlite = dialect == "sqlite"
    cond = f" AND {where}" if where else ""
    sources = [
        ("t.code", "tickets t"),
        ("t.customer_email", "tickets t"),
        ("t.customer_phone", "tickets t"),
        ("t.from_email", "tickets t"),
        ("t.order_id", "tickets t"),
        ("s.tracking_number", "shipments s JOIN tickets t ON t.id = s.ticket_id"),
        ("i.serial", "ticket_items i JOIN tickets t ON t.id = i.ticket_id"),
    ]
    raw = " UNION ALL ".join(
        f"SELECT t.account_id, t.id AS ticket_id, trim({col}) AS v FROM {source} "
        f"WHERE {col} IS NOT NULL{cond}"
        for col, source in sources
    )
    phone_like = "v NOT GLOB '*[^0-9+()./ -]*'" if sqlite else "v ~ '^[0-9+()./ -]+$'"
    has_digit = "v GLOB '*[0-9]*'" if sqlite else "v ~ '[0-9]'"
    last = "substr(d, -9)" if sqlite else "right(d, 9)"
    phone = f"{phone_like} AND length(d) >= {PHONE_DIGITS}"
    return (
        "INSERT INTO ticket_search_keys (account_id, ticket_id, key) "
        f"SELECT DISTINCT account_id, ticket_id, "
        f"CASE WHEN {phone} THEN 'tel:' || {last} ELSE lower(v) END "
        f"FROM (SELECT account_id, ticket_id, v, {_digits('v')} AS d FROM ({raw}) r "
        "WHERE v != '') x "
        f"WHERE ({phone}) OR (v NOT LIKE '% %' AND length(v) <= {MAX_KEY} "
        f"AND (v LIKE '%@%' OR {has_digit}))"
    )


async def ticket_search_keys_rebuild(session: AsyncSession, *, account_id: int) -> None:
    """Compute the account's keys again (after a bulk load). No commit."""
    table = table_of(TicketSearchKey)
    await session.execute(delete(table).where(table.c.account_id == account_id))
    dialect = session.get_bind().dialect.name
    await session.execute(
        text(keys_rebuild_sql(dialect, "t.account_id = :account")), {"account": account_id}
    )
