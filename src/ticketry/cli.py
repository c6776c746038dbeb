"""The ``ticketry`` command: serve, migrate, tokens, demo data."""

from __future__ import annotations

import asyncio
import math
import pathlib
import sys
import time
from typing import Any

import click
from sqlalchemy.ext.asyncio import AsyncSession

import ticketry.domain.models  # noqa: F401  (every mapper configured)
from ticketry import migrate as migrations
from ticketry.cli_departments import departments
from ticketry.cli_session import run_in_runtime, run_in_session, run_with_runtime
from ticketry.cli_signin import signin
from ticketry.db import is_sqlite_url
from ticketry.domain.errors import DomainError
from ticketry.runtime import Runtime
from ticketry.settings import get_settings

_run_in_session = run_in_session


@click.group()
def main() -> None:
    """Ticketry: tickets, orders and conversations behind the Retino, Next Commerce,
    Paymenter and PORTOS APIs."""


@main.command()
def migrate() -> None:
    """Apply database migrations (TICKETRY_DATABASE_URL); say which, or that there were none."""
    applied, head = migrations.upgrade_reporting(get_settings().database_url)
    for revision, title in applied:
        click.echo(f"applied {revision} {title}", err=True)
    if applied:
        click.echo(f"database migrated to {head} ({len(applied)} applied)", err=True)
    else:
        click.echo(f"database is up to date at {head}", err=True)


@main.command()
@click.option("--host", default=None, help="Address to bind (default TICKETRY_HOST or 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default TICKETRY_PORT or 8000).")
@click.option(
    "--workers", default=None, type=int, help="Worker processes (default TICKETRY_WORKERS or 1)."
)
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Serve every API with Granian. On the embedded SQLite database, migrate first.

    SIGTERM or SIGINT stops it: requests in flight are answered, the in-process webhook
    worker finishes or hands back its deliveries, and it exits 0."""
    from granian import Granian
    from granian.constants import Interfaces

    from ticketry import signals

    settings = get_settings()
    if is_sqlite_url(settings.database_url):
        migrations.upgrade(settings.database_url)
    # A worker told to stop while it is still starting stops once it has started.
    signals.catch_early_in_forked_children()
    server = Granian(
        "ticketry.app:app_factory",
        factory=True,
        interface=Interfaces.ASGI,
        address=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_access=False,
        # The last resort: a worker that has not stopped by then is killed.
        workers_kill_timeout=math.ceil(settings.shutdown_grace_seconds) + 10,
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
    from ticketry.domain.accounts.services import token_issue

    async def run(session: AsyncSession) -> str:
        user = await _user_of(session, slug, email)
        raw = await token_issue(session, user=user)
        await session.commit()
        return raw

    click.echo(_run_in_session(run))


@token.command("revoke")
@click.option("--account", "slug", required=True)
@click.option("--email", required=True)
def token_revoke_cmd(slug: str, email: str) -> None:
    """Take the user's token away (e.g. a leaked one); it stops working at once."""
    from ticketry.domain.accounts.services import token_revoke

    async def run(session: AsyncSession) -> bool:
        user = await _user_of(session, slug, email)
        had = await token_revoke(session, user=user)
        await session.commit()
        return had

    had = _run_in_session(run)
    click.echo("token revoked" if had else "the user had no token", err=True)


async def _user_of(session: AsyncSession, slug: str, email: str) -> Any:
    from sqlalchemy import select

    from ticketry.domain.accounts.models import User
    from ticketry.domain.accounts.services import account_get
    from ticketry.domain.errors import NotFound

    account = await account_get(session, slug=slug)
    user = await session.scalar(
        select(User).where(User.account_id == account.id, User.email == email.strip().lower())
    )
    if user is None:
        raise NotFound(f"No user {email} in account {slug}.")
    return user


@main.group()
def user() -> None:
    """Agents: users who sign in with a password (PORTOS tills, the agent desk)."""


@user.command("create")
@click.option("--account", "slug", required=True, help="Account slug; created if missing.")
@click.option("--email", required=True, help="The user's e-mail (PORTOS UserName).")
@click.option("--password", required=True, help="At least 8 characters.")
@click.option("--role", default="agent", type=click.Choice(["admin", "agent", "viewer"]))
@click.option("--rights", default="", help="Comma list, e.g. TicketCreate,TicketUpdate.")
def user_create(slug: str, email: str, password: str, role: str, rights: str) -> None:
    """Create the user (or update an existing one's password, role and rights)."""
    from ticketry.domain.accounts.passwords import password_hash, password_problem
    from ticketry.domain.accounts.services import account_get_or_create, user_get_or_create

    problem = password_problem(password)
    if problem:
        raise click.ClickException(f"password: {problem}")

    async def run(session: AsyncSession) -> str:
        account, _ = await account_get_or_create(session, slug=slug)
        found, created = await user_get_or_create(session, account=account, email=email, role=role)
        found.role = role
        found.password_hash = password_hash(password)
        found.rights = [r.strip() for r in rights.split(",") if r.strip()]
        await session.commit()
        return f"{'created' if created else 'updated'} user {found.email} in '{slug}'"

    click.echo(_run_in_session(run))


@main.group("portos-key")
def portos_key() -> None:
    """API keys for NWS4-HMAC-SHA256 signed PORTOS requests."""


@portos_key.command("create")
@click.option("--account", "slug", required=True)
@click.option(
    "--email", default=None, help="The user the key acts as (default: an admin 'api' user)."
)
def portos_key_create(slug: str, email: str | None) -> None:
    """Print a new client id and client secret (the secret is shown only here)."""
    from ticketry.domain.accounts.services import account_get_or_create, user_get_or_create
    from ticketry.domain.accounts.sessions import signing_key_create

    async def run(session: AsyncSession) -> tuple[str, str]:
        account, _ = await account_get_or_create(session, slug=slug)
        found, _ = await user_get_or_create(
            session, account=account, email=email or f"api@{slug}.invalid", role="admin"
        )
        pair = await signing_key_create(session, user=found)
        await session.commit()
        return pair

    client_id, secret = _run_in_session(run)
    click.echo(f"client id:     {client_id}\nclient secret: {secret}")


@main.group("api-key")
def api_key() -> None:
    """Account API keys (Bearer keys of the Paymenter admin API)."""


@api_key.command("create")
@click.option("--account", "slug", required=True, help="Account slug; created if missing.")
@click.option(
    "--permissions",
    required=True,
    help="Comma list, e.g. admin.tickets.view,admin.tickets.create,admin.ticket_messages.view.",
)
@click.option("--name", default="", help="A label for the key.")
@click.option("--ip", "ips", default="", help="Comma list of allowed client IPs (default any).")
def api_key_create_cmd(slug: str, permissions: str, name: str, ips: str) -> None:
    """Create an admin API key and print it (only the key; it is not shown again)."""
    from ticketry.domain.accounts.services import account_get_or_create
    from ticketry.domain.apikeys.services import api_key_create

    async def run(session: AsyncSession) -> str:
        account, _ = await account_get_or_create(session, slug=slug)
        _, raw = await api_key_create(
            session,
            account=account,
            permissions=[p.strip() for p in permissions.split(",") if p.strip()],
            name=name,
            ip_addresses=[i.strip() for i in ips.split(",") if i.strip()],
        )
        await session.commit()
        return raw

    click.echo(_run_in_session(run))


@main.group()
def store() -> None:
    """Store ids: the e-shops of an account (half of every order's key)."""


@store.command("create")
@click.option("--account", "slug", required=True, help="Account slug (must exist).")
@click.option("--name", default="", help="A readable name (default: the id).")
@click.argument("store_id")
def store_create(slug: str, name: str, store_id: str) -> None:
    """Create the store id STORE_ID in the account; print it."""
    from ticketry.domain.accounts.services import account_get
    from ticketry.domain.orders.services import store_create as create

    async def run(session: AsyncSession) -> str:
        account = await account_get(session, slug=slug)
        created = await create(session, account=account, code=store_id, name=name)
        return created.code

    click.echo(_run_in_session(run))


@main.command()
@click.option("--account", "slug", default="demo", show_default=True)
@click.option("--tickets", "count", default=1000, show_default=True, type=int)
@click.option("--seed", "rng_seed", default=42, show_default=True, type=int)
def seed(slug: str, count: int, rng_seed: int) -> None:
    """Add realistic demo tickets (with products, orders, shipments) to an account, in
    one bulk load."""
    from ticketry.demo import demo_seed
    from ticketry.domain.accounts.services import account_get_or_create, user_get_or_create

    started = time.monotonic()

    def progress(done: int) -> None:
        if done % 50_000 == 0 or done == count:
            rate = done / max(time.monotonic() - started, 1e-6)
            click.echo(f"  {done:>9,} tickets ({rate:,.0f}/s)", err=True)
        if done == count:
            click.echo("  building indexes and statistics …", err=True)

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


DEMO_PASSWORD = "demo-password"


@main.command()
@click.option("--account", "slug", default="demo", show_default=True)
@click.option("--email", default="demo@example.com", show_default=True)
@click.option("--tickets", "count", default=200, show_default=True, type=int)
def demo(slug: str, email: str, count: int) -> None:
    """Make the demo account (seeded once) and print its token, a curl example, and how to
    open the agent desk and the returns portal."""
    from sqlalchemy import func, select

    from ticketry.demo import demo_seed
    from ticketry.demo.stories import demo_stories
    from ticketry.domain.accounts.passwords import password_hash
    from ticketry.domain.accounts.services import account_get_or_create, user_get_or_create
    from ticketry.domain.orders.models import Order
    from ticketry.domain.tickets.models import Ticket

    settings = get_settings()
    kept = _demo_token_file(settings.var_dir, slug)

    async def run(session: AsyncSession) -> tuple[str, str | None, str | None]:
        account, _ = await account_get_or_create(session, slug=slug, name="Demo e-shop")
        user, _ = await user_get_or_create(
            session, account=account, email=email, full_name="Demo Admin"
        )
        if user.password_hash is None:
            user.password_hash = password_hash(DEMO_PASSWORD)
        agent, _ = await user_get_or_create(
            session,
            account=account,
            email=f"agent@{slug}.example.com",
            full_name="Demo Agent",
            role="agent",
        )
        raw = await _demo_token(session, user, kept)
        await session.commit()
        existing = await session.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.account_id == account.id)
        )
        if not existing:
            click.echo(f"loading demo data: {count} tickets and their conversations …", err=True)
            await demo_seed(session, account=account, tickets=count)
            await demo_stories(session, account=account, agent=agent)
            await session.commit()
        order = (
            await session.execute(
                select(Order.code, Order.customer_email)
                .where(Order.account_id == account.id, Order.customer_email.is_not(None))
                .order_by(Order.id)
                .limit(1)
            )
        ).first()
        return raw, (order[0] if order else None), (order[1] if order else None)

    raw, order_code, order_email = _run_in_session(run)
    _demo_token_keep(kept, raw)
    base = f"http://{settings.host}:{settings.port}"
    portal = f"{base}/portal/{slug}/"
    if order_code:
        portal += f"  (try order {order_code} with {order_email})"
    click.echo(
        f"\nDemo account '{slug}' ({email}). API token:\n\n    {raw}\n\n"
        f"Try:\n\n    curl -H 'Authorization: Token {raw}' {base}/api/v2/tickets\n\n"
        f"Start here:    {base}/\n"
        f"API docs:      {base}/api/docs/\n"
        f"Agent desk:    {base}/desk/  (account {slug}, {email}, password {DEMO_PASSWORD}"
        " unless changed)\n"
        f"Returns portal: {portal}\n",
        err=False,
    )


def _demo_token_file(var_dir: pathlib.Path, slug: str) -> pathlib.Path:
    return var_dir / f"demo-token-{slug}.txt"


async def _demo_token(session: AsyncSession, user: Any, kept: pathlib.Path) -> str:
    """The demo user's token as printed last time, while it still works (only its hash is
    in the database, so the token itself is kept beside the database, readable by its
    owner only); otherwise a new one. Each ``make run`` then prints the same token."""
    from ticketry.domain.accounts.services import token_authenticate, token_issue

    try:
        raw = kept.read_text(encoding="utf-8").strip()  # noqa: ASYNC240  (a CLI run, 41 bytes)
    except OSError:
        raw = ""
    if raw:
        found = await token_authenticate(session, raw)
        if found is not None and found[0].id == user.id:
            return raw
    return await token_issue(session, user=user)


def _demo_token_keep(kept: pathlib.Path, raw: str) -> None:
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.touch(mode=0o600, exist_ok=True)
        kept.chmod(0o600)
        kept.write_text(raw + "\n", encoding="utf-8")
    except OSError as exc:  # the token still works; only the next run prints another
        click.echo(f"could not keep the demo token in {kept}: {exc}", err=True)


@main.command()
@click.option("--once", is_flag=True, help="Run one round (fan out, deliver) and exit.")
def worker(once: bool) -> None:
    """Deliver webhooks from the outbox until SIGTERM/SIGINT (several may run at once on
    PostgreSQL)."""
    import logging

    from ticketry import signals

    if not once:
        signals.catch_early()  # until the loop's handlers are in place
    from ticketry.worker.runner import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # One line per POST would be noise (attempts are recorded in the database) and cost.
    logging.getLogger("httpx").setLevel(logging.WARNING)

    async def run(runtime: Runtime) -> None:
        w = Worker(runtime)
        try:
            if once:
                await w.run_once()
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in signals.STOP_SIGNALS:
                loop.add_signal_handler(sig, stop.set)
            signals.replay()
            await w.run(stop)
        finally:
            await w.close()

    run_in_runtime(run)


@main.group()
def webhook() -> None:
    """Webhook subscriptions of an account (Retino or Next Commerce payloads)."""


@webhook.command("create")
@click.option("--account", "slug", required=True)
@click.option("--url", required=True)
@click.option("--events", required=True, help="Comma-separated, e.g. ticket.created,ticket.updated")
@click.option("--secret", default=None, help="Shared secret (generated when omitted).")
@click.option(
    "--format",
    "flavour_name",
    default="retino",
    show_default=True,
    type=click.Choice(["retino", "nextcommerce"]),  # ticketry.registries.webhook_flavours
    help="Payload format: Retino's, or Next Commerce's envelope signed with X-29Next-Signature.",
)
def webhook_create(slug: str, url: str, events: str, secret: str | None, flavour_name: str) -> None:
    """Subscribe URL to events; prints the subscription id and its secret."""
    from ticketry.domain.accounts.services import account_get
    from ticketry.domain.webhooks.services import subscription_create

    async def run(runtime: Runtime, session: AsyncSession) -> str:
        flavour = runtime.flavours[flavour_name]
        account = await account_get(session, slug=slug)
        sub = await subscription_create(
            session,
            account=account,
            url=url,
            events=[e.strip() for e in events.split(",") if e.strip()],
            secret=secret,
            flavour=flavour.name,
            allowed_events=flavour.event_names,
            allow_private=runtime.settings.webhook_allow_private,
        )
        return f"{sub.public_id}\t{sub.secret}"

    click.echo(run_with_runtime(run))


@webhook.command("list")
@click.option("--account", "slug", required=True)
def webhook_list(slug: str) -> None:
    """One line per subscription: id, state, events, URL."""
    from ticketry.domain.accounts.services import account_get
    from ticketry.domain.webhooks.queries import subscription_list_all

    async def run(session: AsyncSession) -> list[str]:
        account = await account_get(session, slug=slug)
        return [
            f"{s.public_id}\t{'active' if s.is_active else 'disabled'}\t"
            f"{','.join(s.events)}\t{s.url}"
            for s in await subscription_list_all(session, account_id=account.id)
        ]

    for line in _run_in_session(run):
        click.echo(line)


@main.group()
def files() -> None:
    """The file store (TICKETRY_FILE_STORE, docs/files.md)."""


@files.command("check")
def files_check() -> None:
    """Write, read back and delete a probe object in the configured store."""
    import uuid

    async def run(runtime: Runtime) -> str:
        try:
            store = runtime.files()
            key = f"_probe/{uuid.uuid4()}.txt"
            payload = b"ticketry file store probe"
            await store.save(key, payload, "text/plain")
            try:
                if await store.load(key) != payload:
                    raise click.ClickException("the store returned different bytes")
            finally:
                await store.delete(key)
        except DomainError as exc:
            raise click.ClickException(f"{exc.message} (see the log line above)") from exc
        return type(store).__name__

    name = run_in_runtime(run)
    click.echo(f"{name}: write, read and delete work", err=True)


@files.command("copy-from-dir")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=pathlib.Path))
def files_copy_from_dir(directory: pathlib.Path) -> None:
    """Copy every recorded file from a local files directory into the configured store
    (moving to a bucket). Safe to run again; prints what it could not copy."""
    from ticketry.domain.files.storage import LocalFileStore
    from ticketry.domain.files.transfer import CopyReport, files_copy

    async def run(runtime: Runtime, session: AsyncSession) -> CopyReport:
        return await files_copy(session, source=LocalFileStore(directory), target=runtime.files())

    report = run_with_runtime(run)
    for key in report.missing:
        click.echo(f"missing\t{key}")
    for key in report.corrupt:
        click.echo(f"corrupt\t{key}")
    click.echo(
        f"copied {report.copied}, missing {len(report.missing)}, corrupt {len(report.corrupt)}",
        err=True,
    )
    if report.missing or report.corrupt:
        sys.exit(1)


@main.group("oauth-app")
def oauth_app() -> None:
    """OAuth2 apps (Next Commerce face: Settings > API Access)."""


@oauth_app.command("create")
@click.option("--account", "slug", required=True, help="Account slug (must exist).")
@click.option("--name", required=True, help="The app's name, shown on the consent page.")
@click.option(
    "--scopes",
    default="tickets:read tickets:write",
    show_default=True,
    help="Space-separated: tickets:read tickets:write admin:read admin:write.",
)
@click.option(
    "--redirect-uri", "redirect_uris", multiple=True, help="Allowed redirect URI (repeatable)."
)
@click.option("--email", default=None, help="Agent that client-credentials tokens act as.")
@click.option(
    "--public",
    is_flag=True,
    help="A public client (browser or mobile app): no secret, PKCE required.",
)
def oauth_app_create_cmd(
    slug: str,
    name: str,
    scopes: str,
    redirect_uris: tuple[str, ...],
    email: str | None,
    public: bool,
) -> None:
    """Create an OAuth app; print its client id and client secret (none for a public
    client: an empty line), one per line."""
    from sqlalchemy import select

    from ticketry.domain.accounts.models import User
    from ticketry.domain.accounts.services import account_get
    from ticketry.domain.errors import NotFound
    from ticketry.domain.oauth.apps import oauth_app_create

    async def run(session: AsyncSession) -> tuple[str, str]:
        account = await account_get(session, slug=slug)
        user = None
        if email:
            user = await session.scalar(
                select(User).where(
                    User.account_id == account.id, User.email == email.strip().lower()
                )
            )
            if user is None:
                raise NotFound(f"No user {email} in account {slug}.")
        app, secret = await oauth_app_create(
            session,
            account=account,
            name=name,
            scopes=scopes.split(),
            redirect_uris=list(redirect_uris),
            user=user,
            public=public,
        )
        await session.commit()
        return app.client_id, secret

    client_id, secret = _run_in_session(run)
    click.echo(client_id)
    click.echo(secret)


main.add_command(signin)
main.add_command(departments)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
