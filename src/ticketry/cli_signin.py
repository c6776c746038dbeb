"""``ticketry signin``: see and lift sign-in throttles (domain/accounts/throttle.py)."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.cli_session import run_in_session
from ticketry.domain.accounts.throttle import (
    address_key,
    oauth_client_identity,
    signin_held_list,
    signin_unlock,
    user_identity,
)


@click.group()
def signin() -> None:
    """Sign-in throttling: failed attempts per agent e-mail, OAuth client and address."""


@signin.command("list")
def signin_list() -> None:
    """Keys with recent failures: KEY, FAILURES, and LOCKED UNTIL (UTC) when locked."""

    async def run(session: AsyncSession) -> list[str]:
        held = await signin_held_list(session)
        return [
            f"{h.key}\t{h.failures}\t"
            + (h.blocked_until.strftime("%Y-%m-%dT%H:%M:%SZ") if h.blocked_until else "-")
            for h in held
        ]

    for line in run_in_session(run):
        click.echo(line)


@signin.command("unlock")
@click.option("--email", "emails", multiple=True, help="An agent's e-mail (every face).")
@click.option("--client-id", "client_ids", multiple=True, help="An OAuth client id.")
@click.option("--address", "addresses", multiple=True, help="A client IP address.")
def signin_unlock_cmd(
    emails: tuple[str, ...], client_ids: tuple[str, ...], addresses: tuple[str, ...]
) -> None:
    """Forget the failures of these keys and lift their locks at once."""
    keys = [
        *(user_identity(e) for e in emails),
        *(oauth_client_identity(c) for c in client_ids),
        *(address_key(a) for a in addresses),
    ]
    if not keys:
        raise click.UsageError("Give --email, --client-id or --address (each may repeat).")

    async def run(session: AsyncSession) -> int:
        count = await signin_unlock(session, keys=keys)
        await session.commit()
        return count

    count = run_in_session(run)
    click.echo(f"unlocked {count} of {len(keys)}", err=True)
