"""An id is never given twice: after a delete, the next row gets a greater id (on SQLite
too, where the deleted row's id used to be given again)."""

from __future__ import annotations

import httpx

from tests.api.paymenter.conftest import BASE, Shop, create_message, create_ticket


async def test_a_deleted_ticket_s_id_is_not_given_again(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    first = await create_ticket(client, shop)
    r = await client.delete(f"{BASE}/tickets/{first['id']}", headers=shop.headers)
    assert r.status_code == 204
    second = await create_ticket(client, shop)
    assert int(second["id"]) > int(first["id"])


async def test_a_deleted_message_s_id_is_not_given_again(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    ticket = await create_ticket(client, shop)
    first = await create_message(client, shop, ticket["id"], shop.customer_id)
    r = await client.delete(f"{BASE}/ticket-messages/{first['id']}", headers=shop.headers)
    assert r.status_code == 204
    second = await create_message(client, shop, ticket["id"], shop.customer_id)
    assert int(second["id"]) > int(first["id"])
