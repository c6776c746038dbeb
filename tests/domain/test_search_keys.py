"""Exact search keys: what counts as an identifier, and the SQL backfill agreeing with the
keys that the ticket writes keep."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Tenant
from tests.factories import add_product, create_ticket
from ticketry.domain.tickets.models import TicketSearchKey
from ticketry.domain.tickets.searchkeys import search_key, ticket_search_keys_rebuild


@pytest.mark.parametrize(
    "text,key",
    [
        ("Jan.Novak@Example.COM", "jan.novak@example.com"),
        ("  jan@example.com ", "jan@example.com"),
        ("+420 601 234 567", "tel:601234567"),
        ("601234567", "tel:601234567"),
        ("00420601-234-567", "tel:601234567"),
        ("(601) 234.567", "tel:601234567"),
        ("20260042", "20260042"),  # 8 digits: no phone
        ("OBJ-2025-0042", "obj-2025-0042"),
        ("Z1234567890", "z1234567890"),
        ("novák", None),  # a word: substring search
        ("jan novák", None),
        ("", None),
        ("x" * 300 + "1", None),
    ],
)
def test_what_is_an_identifier(text: str, key: str | None) -> None:
    assert search_key(text) == key


async def _keys(db: AsyncSession, account_id: int) -> set[tuple[int, str]]:
    rows = await db.execute(
        select(TicketSearchKey.ticket_id, TicketSearchKey.key).where(
            TicketSearchKey.account_id == account_id
        )
    )
    return {(r[0], r[1]) for r in rows}


async def test_the_sql_backfill_computes_what_the_writes_keep(
    client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession
) -> None:
    for email, phone, order in (
        ("Jana.Nova@Example.com", "+420 601 234 567", "OBJ-1"),
        ("x@example.com", "777888999", "20260042"),
        ("", "12 34", None),
        ("y@example.com", "(602) 111.222", "A B"),
    ):
        t = await create_ticket(
            client,
            tenant,
            customer={"name": "N", "email": email, "phone": phone},
            order_id=order,
        )
        await add_product(client, tenant, t["id"], serial="SN-0042")
    kept = await _keys(db, tenant.account_id)
    assert any(k == "tel:601234567" for _, k in kept) and any(k == "sn-0042" for _, k in kept)
    await ticket_search_keys_rebuild(db, account_id=tenant.account_id)
    await db.commit()
    assert await _keys(db, tenant.account_id) == kept
