"""The ``ticketry`` command: serve, migrate, tokens, demo data."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

import ticketry.domain.models  # noqa: F401  (every mapper configured)
from ticketry import migrate as migrations
from ticketry.db import create_engine, create_sessionmaker, is_sqlite_url
from ticketry.domain.errors import DomainError, ValidationFailed
from ticketry.settings import get_settings

T = TypeVar("T")


def _run_in_session(fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def runner() -> T:
        engine = create_engine(get_settings().database_url)
        try:
            async with create_sessionmaker(engine)() as session:
                return await fn(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(runner())
    except ValidationFailed as exc:
        raise click.ClickException(_format_errors(exc.errors)) from exc
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc


def _format_errors(errors: dict[str, Any]) -> str:
    return "; ".join(
        f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in errors.items()
    )


@click.group()
def main() -> None:
    """Ticketry: tickets, orders and conversations behind the Retino, Next Commerce,
    Paymenter and PORTOS APIs."""


@main.command()
def migrate() -> None:
    """Apply database migrations (TICKETRY_DATABASE_URL)."""
    migrations.upgrade(get_settings().database_url)
    click.echo("database is up to date", err=True)


@main.command()
@click.option("--host", default=None, help="Address to bind (default TICKETRY_HOST or 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default TICKETRY_PORT or 8000).")
@click.option(
    "--workers", default=None, type=int, help="Worker processes (default TICKETRY_WORKERS or 1)."
)
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Serve every API with Granian. On the embedded SQLite database, migrate first."""
    from granian import Granian
    from granian.constants import Interfaces

    settings = get_settings()
    if is_sqlite_url(settings.database_url):
        migrations.upgrade(settings.database_url)
    server = Granian(
        "ticketry.app:app_factory",
        factory=True,
        interface=Interfaces.ASGI,
        address=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_access=False,
    )
    server.serve()


@main.group()
def token() -> None:
    """API tokens (one per user per account)."""


@token.command("create")
@click.option("--account", "slug", required=True, help="Account slug; created if missing.")
@click.option("--email", required=True, help="User e-mail; the user is created if missing.")
@click.option("--role", default="admin", type=click.Choice(["admin", "agent", "viewer"]))
def token_create(slug: str, email: str, role: str) -> None:
    """Create the account and user if needed and print a new token (only the token)."""
    from ticketry.domain.accounts.services import (
        account_get_or_create,
        token_issue,
        user_get_or_create,
    )

    async def run(session: AsyncSession) -> str:
        account, _ = await account_get_or_create(session, slug=slug)
        user, _ = await user_get_or_create(session, account=account, email=email, role=role)
        raw = await token_issue(session, user=user)
        await session.commit()
        return raw

    click.echo(_run_in_session(run))


@token.command("renew")
@click.option("--account", "slug", required=True)
@click.option("--email", required=True)
def token_renew(slug: str, email: str) -> None:
    """Replace the user's token; the old one stops working at once."""
    from sqlalchemy import select

    from ticketry.domain.accounts.models import User
    from ticketry.domain.accounts.services import account_get, token_issue
    from ticketry.domain.errors import NotFound

    async def run(session: AsyncSession) -> str:
        account = await account_get(session, slug=slug)
        user = await session.scalar(
            select(User).where(User.account_id == account.id, User.email == email.strip().lower())
        )
        if user is None:
            raise NotFound(f"No user {email} in account {slug}.")
        raw = await token_issue(session, user=user)
        await session.commit()
        return raw

    click.echo(_run_in_session(run))


@main.command()
@click.option("--account", "slug", default="demo", show_default=True)
@click.option("--tickets", "count", default=1000, show_default=True, type=int)
@click.option("--seed", "rng_seed", default=42, show_default=True, type=int)
def seed(slug: str, count: int, rng_seed: int) -> None:
    """Add realistic demo tickets (with products, orders, shipments) to an account."""
    from ticketry.demo import demo_seed
    from ticketry.domain.accounts.services import account_get_or_create, user_get_or_create

    started = time.monotonic()

    def progress(done: int) -> None:
        if done % 50_000 == 0 or done == count:
            rate = done / max(time.monotonic() - started, 1e-6)
            click.echo(f"  {done:>9,} tickets ({rate:,.0f}/s)", err=True)

    async def run(session: AsyncSession) -> int:
        account, _ = await account_get_or_create(session, slug=slug)
        await user_get_or_create(
            session, account=account, email=f"agent@{slug}.example.com", role="agent"
        )
        await session.commit()
        return await demo_seed(
            session, account=account, tickets=count, seed=rng_seed, progress=progress
        )

    done = _run_in_session(run)
    click.echo(
        f"seeded {done:,} tickets into '{slug}' in {time.monotonic() - started:.1f}s", err=True
    )


@main.command()
@click.option("--account", "slug", default="demo", show_default=True)
@click.option("--email", default="demo@example.com", show_default=True)
@click.option("--tickets", "count", default=200, show_default=True, type=int)
def demo(slug: str, email: str, count: int) -> None:
    """Make the demo account (seeded once) and print its token and a curl example."""
    from sqlalchemy import func, select

    from ticketry.demo import demo_seed
    from ticketry.domain.accounts.services import (
        account_get_or_create,
        token_issue,
        user_get_or_create,
    )
    from ticketry.domain.tickets.models import Ticket

    async def run(session: AsyncSession) -> str:
        account, _ = await account_get_or_create(session, slug=slug, name="Demo e-shop")
        user, _ = await user_get_or_create(
            session, account=account, email=email, full_name="Demo Admin"
        )
        await user_get_or_create(
            session,
            account=account,
            email=f"agent@{slug}.example.com",
            full_name="Demo Agent",
            role="agent",
        )
        raw = await token_issue(session, user=user)
        await session.commit()
        existing = await session.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.account_id == account.id)
        )
        if not existing:
            await demo_seed(session, account=account, tickets=count)
        return raw

    raw = _run_in_session(run)
    settings = get_settings()
    base = f"http://{settings.host}:{settings.port}"
    click.echo(
        f"\nDemo account '{slug}' ({email}). API token:\n\n    {raw}\n\n"
        f"Try:\n\n    curl -H 'Authorization: Token {raw}' {base}/api/v2/tickets\n\n"
        f"API docs: {base}/api/docs/\n",
        err=False,
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
