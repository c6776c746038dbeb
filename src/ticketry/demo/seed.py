"""``demo_seed``: N realistic tickets in one bulk load, then the derived data refreshed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.demo.bulk import BulkLoader, bulk_loader
from ticketry.demo.rows import IdSupply, Rows, SeedIds, SeedRows, SeedScope
from ticketry.domain.accounts.models import Account, User
from ticketry.domain.catalog.models import Tag, TicketState, TicketType
from ticketry.domain.conversations.models import Contact
from ticketry.domain.orders.models import Store
from ticketry.domain.tickets.codes import ticket_code_allocate
from ticketry.domain.tickets.counts import ticket_counts_rebuild
from ticketry.domain.tickets.searchkeys import ticket_search_keys_rebuild

BATCH = 5000


async def _seed_scope(session: AsyncSession, account: Account) -> SeedScope:
    """The account's rows the tickets refer to, read FOR KEY SHARE (PostgreSQL) as each
    foreign-key check would: none can go away before the load commits."""
    aid = account.id

    def ids(column: Any, owner: Any) -> Any:
        return select(column).where(owner == aid).order_by(column).with_for_update(key_share=True)

    await session.execute(ids(Account.id, Account.id))
    states = (
        await session.execute(
            select(TicketState.id, TicketState.status)
            .where(TicketState.account_id == aid)
            .order_by(TicketState.id)
            .with_for_update(key_share=True)
        )
    ).all()
    types = await session.scalars(ids(TicketType.id, TicketType.account_id))
    tags = await session.scalars(ids(Tag.id, Tag.account_id))
    users = await session.scalars(ids(User.id, User.account_id))
    store_id = await session.scalar(
        select(Store.id)
        .where(Store.account_id == aid, Store.code == "main-shop")
        .with_for_update(key_share=True)
    )
    if store_id is None:
        store = Store(account_id=aid, code="main-shop", name="Main e-shop")
        session.add(store)
        await session.flush()
        store_id = store.id
    people = await session.execute(
        select(Contact.email, Contact.id, Contact.name, Contact.phone)
        .where(Contact.account_id == aid)
        .with_for_update(key_share=True)
    )
    return SeedScope(
        account_id=aid,
        store_id=store_id,
        states=[(state_id, status) for state_id, status in states],
        types=list(types),
        tags=list(tags),
        users=list(users),
        people={email: (pid, name, phone) for email, pid, name, phone in people},
    )


async def demo_seed(
    session: AsyncSession,
    *,
    account: Account,
    tickets: int,
    seed: int = 42,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Add ``tickets`` tickets (with products, tags, shipments, orders) to the account.

    The codes are reserved and committed first (the counter row is not held during the
    load). The rows then go in through the driver's bulk path in one transaction, each
    batch made in a worker thread while the one before is written, and
    ``seeded_derived_refresh`` brings what is derived from them up to date.
    """
    codes = await ticket_code_allocate(session, account_id=account.id, count=tickets)
    await session.commit()

    scope = await _seed_scope(session, account)
    loader = await bulk_loader(session)
    rows = SeedRows(scope, seed=seed, now=loader.now(), stamp=loader.stamp)
    ids = SeedIds(
        tickets=IdSupply(), orders=IdSupply(), order_items=IdSupply(), contacts=IdSupply()
    )

    async def reserve(start: int) -> None:
        n = len(codes[start : start + BATCH])
        await loader.reserve("tickets", ids.tickets, n)
        await loader.reserve("contacts", ids.contacts, n)  # at most one new person a ticket
        await loader.reserve("orders", ids.orders, n)
        await loader.reserve("order_items", ids.order_items, n * rows.ORDER_ITEMS_PER_TICKET)

    def make(start: int) -> Rows:
        return rows.batch(codes[start : start + BATCH], ids)

    starts = range(0, tickets, BATCH)
    async with loader.loading():
        if starts:
            await reserve(starts[0])
            batch = make(starts[0])
        for start in starts:
            following = start + BATCH
            if following < tickets:
                await reserve(following)  # while the connection is idle
            writing = asyncio.ensure_future(loader.write(batch))
            try:
                if following < tickets:
                    batch = await asyncio.to_thread(make, following)
            finally:
                await writing
            if progress:
                progress(min(following, tickets))
    await seeded_derived_refresh(session, loader, account_id=scope.account_id)
    return tickets


async def seeded_derived_refresh(
    session: AsyncSession, loader: BulkLoader, *, account_id: int
) -> None:
    """The one place where what normal writes derive from tickets is brought up to date
    after a bulk load; it commits the load.

    Derived per row, as the ticket services do, are ``search_text`` (rows.py) and the code
    counter (``ticket_code_allocate`` before the load). Derived here, once: the indexes
    the load paused (``BulkLoader.loading``: SQLite's FTS5 search table, the indexes of
    tables that were empty, PostgreSQL's trigram index among them) and the planner's
    statistics.
    Per-account state the ticket services keep is recomputed here, before the commit: the
    ticket counts per status (``tickets/counts.py``) and the exact search keys
    (``tickets/searchkeys.py``).
    """
    await loader.indexes_catch_up()
    await ticket_counts_rebuild(session, account_id=account_id)
    await ticket_search_keys_rebuild(session, account_id=account_id)
    await session.commit()
    # Fresh statistics after a bulk load: without them SQLite's planner picks the
    # low-selectivity account_id indexes over ticket_id ones (10x slower ticket pages).
    await session.execute(text("ANALYZE"))
    await session.commit()
    bind: Any = session.bind
    if bind is not None and bind.dialect.name == "postgresql":
        # And a visibility map, so counting an account's tickets is an index-only scan.
        async with bind.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql("VACUUM (ANALYZE) tickets, ticket_items")
