"""Retino Orders API bulk upsert: a mixed batch is written with a fixed number of
statements, whatever its size, and keeps every per-order behaviour (results by position,
history, current statuses, events, tickets bound both ways)."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.api.retino.test_orders import SEED_ORDER, bare, make_store
from tests.conftest import BACKEND, Tenant
from tests.factories import add_product, create_ticket


@pytest.fixture
async def shop(client: httpx.AsyncClient, tenant: Tenant) -> Tenant:
    await make_store(client, tenant)
    return tenant


def order(code: str, **changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(SEED_ORDER)
    body["code"] = code
    body["customer"] = {"email": f"{code.lower()}@example.com"}
    body.update(changes)
    return body


async def bulk(client: httpx.AsyncClient, tenant: Tenant, batch: list[Any]) -> dict[str, Any]:
    r = await client.post("/api/v2/orders/bulk", json=batch, headers=bare(tenant))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def get_order(client: httpx.AsyncClient, tenant: Tenant, order_id: str) -> dict[str, Any]:
    r = await client.get(f"/api/v2/orders/{order_id}", headers=bare(tenant))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def get_ticket(client: httpx.AsyncClient, tenant: Tenant, ticket_id: str) -> dict[str, Any]:
    r = await client.get(f"/api/v2/tickets/{ticket_id}", headers=tenant.headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def mixed_batch(
    client: httpx.AsyncClient, tenant: Tenant, n: int, tag: str
) -> tuple[list[Any], dict[str, Any]]:
    """``n`` orders of each kind, after what they need is in place: new ones, new ones a
    ticket waits for, existing ones with other items and a new status (a ticket bound to
    each), existing ones sent unchanged, a key sent twice, and bad ones."""
    paid = [{"name": "PAID", "date": "2025-10-23T10:00:00Z"}]
    existing = [order(f"{tag}-E{i}", statuses=paid) for i in range(n)]
    unchanged = [order(f"{tag}-U{i}") for i in range(n)]
    out = await bulk(client, tenant, existing + unchanged)
    assert out["created"] == 2 * n
    made: dict[str, Any] = {"waiting": [], "bound": []}
    for i in range(n):
        waiting = await create_ticket(
            client, tenant, order_id=f"{tag}-W{i}", customer={"email": f"{tag}-w{i}@example.com"}
        )
        await add_product(client, tenant, waiting["id"], product_id="PROD-001")
        made["waiting"].append(waiting["id"])
        bound = await create_ticket(
            client,
            tenant,
            order_id=f"{tag}-E{i}",
            customer={"email": f"{tag.lower()}-e{i}@example.com"},
            products=[{"name": "Smartphone XY", "product_id": "PROD-001"}],
        )
        assert bound["verification_state"] == "VERIFIED_AUTOMATICALLY"
        made["bound"].append(bound["id"])
    other_items = [
        {"name": "Smartphone XY", "code": "PROD-001", "amount": "2", "item_type": "PRODUCT"},
        {"name": "Case", "code": "PROD-002", "item_type": "PRODUCT"},
    ]
    batch: list[Any] = []
    for i in range(n):
        batch += [
            order(f"{tag}-N{i}"),
            order(f"{tag}-W{i}", customer={"email": f"{tag}-W{i}@EXAMPLE.com"}),
            order(
                f"{tag}-E{i}",
                items=other_items,
                statuses=[{"name": "DISPATCHED", "date": "2025-10-24T10:00:00Z"}],
            ),
            order(f"{tag}-U{i}"),
            order(f"{tag}-D{i}", language="cs"),
            order(f"{tag}-D{i}", language="de"),  # the same key again: the last one wins
            order(f"{tag}-P{i}", price={"with_vat": "3", "without_vat": "1", "vat": "1"}),
            order(f"{tag}-S{i}", store_id="nope"),
            "not an order",
        ]
    return batch, made


KINDS = [
    "created",  # new
    "created",  # new, a ticket waits for it
    "updated",  # existing, other items and a new status
    "updated",  # existing, the same again
    "created",  # a key sent twice: created, ...
    "updated",  # ... then updated
    "failed",  # price mismatch
    "failed",  # unknown store
    "failed",  # not an object
]


async def test_mixed_bulk_uses_the_same_statements_at_any_size(
    client: httpx.AsyncClient, shop: Tenant, count_queries: Any
) -> None:
    counts = []
    for n, tag in ((1, "A"), (3, "B")):
        batch, _ = await mixed_batch(client, shop, n, tag)
        with count_queries() as qc:
            out = await bulk(client, shop, batch)
        counts.append(qc.count)
        assert [r["status"] for r in out["results"]] == KINDS * n
        assert (out["created"], out["updated"], out["failed"]) == (3 * n, 3 * n, 3 * n)
        assert out["results"][4]["id"] == out["results"][5]["id"]
    # Per batch, not per order: the count does not grow with the batch.
    assert counts[0] == counts[1], counts
    # SQLite also counts its BEGIN IMMEDIATE. The token is remembered after its first use;
    # stores; two rounds of upserts (a key twice); items: read, delete, insert; history:
    # read, insert, current statuses; tickets: probe, bind, order items, ticket items,
    # rebind; events.
    assert counts[0] == (16 if BACKEND == "sqlite" else 15), counts


async def test_mixed_bulk_keeps_every_behaviour(
    client: httpx.AsyncClient, shop: Tenant, db: Any
) -> None:
    from ticketry.domain.events.models import Event

    batch, made = await mixed_batch(client, shop, 1, "C")
    out = await bulk(client, shop, batch)
    results = out["results"]
    assert [r["status"] for r in results] == KINDS
    assert results[6]["errors"] == {"price": ["Price mismatch: 1 + 1 ≠ 3"]}
    assert results[7]["errors"] == {"store_id": ["Store ID 'nope' does not exist"]}
    assert "non_field_errors" in results[8]["errors"]

    # The ticket filed before its order arrived is bound to it, products too.
    waiting = await get_ticket(client, shop, made["waiting"][0])
    new_order = await get_order(client, shop, results[1]["id"])
    assert waiting["verification_state"] == "VERIFIED_AUTOMATICALLY"
    assert waiting["bound_order"]["id"] == results[1]["id"]
    assert waiting["products"][0]["bound_order_item"] == new_order["items"][0]["id"]

    # The order whose items were replaced: the bound ticket's product follows the new item;
    # its history has the new entry, which is now its current processing status.
    changed = await get_order(client, shop, results[2]["id"])
    assert [i["code"] for i in changed["items"]] == ["PROD-001", "PROD-002"]
    bound = await get_ticket(client, shop, made["bound"][0])
    assert bound["products"][0]["bound_order_item"] == changed["items"][0]["id"]
    assert [s["name"] for s in changed["statuses"]] == ["PAID", "DISPATCHED"]
    assert (changed["processing_status"], changed["payment_status"]) == ("DISPATCHED", "PAID")

    # The key sent twice: one order, the last values.
    twice = await get_order(client, shop, results[5]["id"])
    assert twice["language"] == "de"

    # One event per order written (the two made before the batch, then its six). Read
    # last: on SQLite this session's transaction would hold the write lock.
    events = list(
        await db.scalars(
            select(Event.event_type).where(
                Event.account_id == shop.account_id, Event.entity_type == "order"
            )
        )
    )
    assert sorted(events) == ["order.created"] * 5 + ["order.updated"] * 3


async def test_items_sent_again_unchanged_are_kept(client: httpx.AsyncClient, shop: Tenant) -> None:
    first = await bulk(client, shop, [order("K-1")])
    ticket = await create_ticket(
        client,
        shop,
        order_id="K-1",
        customer={"email": "k-1@example.com"},
        products=[{"name": "Smartphone XY", "product_id": "PROD-001"}],
    )
    items = [i["id"] for i in (await get_order(client, shop, first["results"][0]["id"]))["items"]]
    assert ticket["products"][0]["bound_order_item"] == items[0]

    again = await bulk(client, shop, [order("K-1")])
    assert again["results"][0]["status"] == "updated"
    same = await get_order(client, shop, again["results"][0]["id"])
    assert [i["id"] for i in same["items"]] == items

    changed = order("K-1")
    changed["items"][0]["amount"] = "3"
    await bulk(client, shop, [changed])
    replaced = await get_order(client, shop, again["results"][0]["id"])
    assert replaced["items"][0]["amount"] == "3.0000"
    assert not {i["id"] for i in replaced["items"]} & set(items)
    ticket = await get_ticket(client, shop, ticket["id"])
    assert ticket["products"][0]["bound_order_item"] == replaced["items"][0]["id"]


async def test_current_statuses_are_the_latest_of_each_kind(
    client: httpx.AsyncClient, shop: Tenant
) -> None:
    statuses = [
        {"name": "PAID", "date": "2025-10-23T10:00:00Z"},
        {"name": "PICKING", "date": "2025-10-23T12:00:00Z"},
        {"name": "PACKED", "date": "2025-10-23T12:00:00Z"},  # the same time: the later one
        {"name": "NEW", "date": "2025-10-22T09:00:00Z"},  # older: history only
    ]
    # New orders get their current statuses with the insert; existing ones by a refresh.
    await bulk(client, shop, [order("H-2")])
    out = await bulk(
        client, shop, [order("H-1", statuses=statuses), order("H-2", statuses=statuses)]
    )
    for result in out["results"]:
        got = await get_order(client, shop, result["id"])
        assert (got["processing_status"], got["payment_status"]) == ("PACKED", "PAID")
        assert [s["name"] for s in got["statuses"]] == ["NEW", "PAID", "PICKING", "PACKED"]
    # A date without a zone is UTC, as stored: sent again, it is no new entry.
    again = [{**s, "date": s["date"].rstrip("Z")} for s in statuses]
    out = await bulk(client, shop, [order("H-1", statuses=again)])
    got = await get_order(client, shop, out["results"][0]["id"])
    assert len(got["statuses"]) == 4


async def test_a_date_out_of_range_fails_that_order_only(
    client: httpx.AsyncClient, shop: Tenant
) -> None:
    out = await bulk(
        client,
        shop,
        [
            order("R-1", order_date="0001-01-01T00:00:00+01:00"),
            order("R-2", statuses=[{"name": "PAID", "date": "0001-01-01T00:30:00+01:00"}]),
            order("R-3"),
        ],
    )
    assert [r["status"] for r in out["results"]] == ["failed", "failed", "created"]
    assert out["results"][0]["errors"] == {"order_date": ["Datetime value out of range."]}
    assert out["results"][1]["errors"] == {"statuses": [{"date": ["Datetime value out of range."]}]}


async def test_an_order_with_nul_text_fails_alone(client: httpx.AsyncClient, shop: Tenant) -> None:
    """Text with NUL (which PostgreSQL cannot hold) is a field error on either database:
    only that order fails."""
    out = await bulk(client, shop, [order("Z-1"), order("Z-2", remote_id="a\u0000b"), order("Z-3")])
    statuses = [r["status"] for r in out["results"]]
    assert statuses == ["created", "failed", "created"]
    assert out["results"][1]["errors"] == {"remote_id": ["Null characters are not allowed."]}


async def test_a_batch_the_database_refuses_is_retried_order_by_order(
    client: httpx.AsyncClient, shop: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the database refuses the batch, the request starts its transaction again and
    writes each order in a savepoint: the order it refuses fails alone (its own writes
    rolled back to the savepoint), the others are committed by the request."""
    from sqlalchemy import text

    from ticketry.domain.orders import upsert

    real_write = upsert._write
    calls: list[int] = []

    async def refusing_write(
        session: Any, account_id: int, actor_id: Any, planned: Any, now: Any
    ) -> Any:
        calls.append(len(planned))
        written = await real_write(session, account_id, actor_id, planned, now)
        if any(p.code == "RB-BAD" for p in planned):
            # A statement the database refuses, after the order's own writes.
            await session.execute(text("SELECT * FROM no_such_table"))
        return written

    monkeypatch.setattr(upsert, "_write", refusing_write)
    out = await bulk(client, shop, [order("RB-1"), order("RB-BAD"), order("RB-2")])
    assert calls == [3, 1, 1, 1]  # the batch, then each order on its own
    assert [r["status"] for r in out["results"]] == ["created", "failed", "created"]
    assert "could not be stored" in out["results"][1]["errors"]["non_field_errors"][0]
    monkeypatch.undo()
    for position in (0, 2):
        assert (await get_order(client, shop, out["results"][position]["id"]))["code"]
    again = await bulk(client, shop, [order("RB-1"), order("RB-BAD")])
    # RB-1 was committed; RB-BAD's writes went with its savepoint.
    assert [r["status"] for r in again["results"]] == ["updated", "created"]
