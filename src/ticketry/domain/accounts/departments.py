"""The departments an account's tickets may be filed under: account configuration, so the
rule holds whichever face (or the desk) writes the ticket."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import Account

DEFAULT_DEPARTMENTS = ("Support", "Sales")


def departments_of(settings: dict[str, Any] | None) -> list[str]:
    """The account's ``ticket_departments`` setting (a list, or a comma-separated string),
    or the default departments when it sets none."""
    configured = (settings or {}).get("ticket_departments")
    if isinstance(configured, str):
        configured = [d.strip() for d in configured.split(",") if d.strip()]
    if isinstance(configured, list) and configured:
        return [str(d) for d in configured]
    return list(DEFAULT_DEPARTMENTS)


async def account_departments(session: AsyncSession, account_id: int) -> list[str]:
    account = await session.get(Account, account_id)  # usually already in the session
    return departments_of(account.settings if account is not None else None)
