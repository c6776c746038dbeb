"""One ticket, two faces: a Next Commerce write shows through the Retino face and back."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select, update

from tests.api.nextcommerce.helpers import NCClient
from tests.factories import add_product, create_ticket
from ticketry.app import TicketryApp
from ticketry.domain.accounts.models import User
from ticketry.domain.catalog.models import Tag, TicketState, TicketType
from ticketry.domain.conversations.models import Contact
from ticketry.domain.tickets.models import Ticket


async def _lookup(app: TicketryApp, stmt):  # type: ignore[no-untyped-def]
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        return (await session.execute(stmt)).first()


async def test_nextcommerce_write_shows_in_retino(
    nc: NCClient, app: TicketryApp, client: httpx.AsyncClient
) -> None:
    tenant = nc.tenant
    assert tenant is not None
    (agent_id,) = await _lookup(app, select(User.id).where(User.public_id == tenant.user_public_id))
    (type_id, type_uuid) = await _lookup(
        app,
        select(TicketType.id, TicketType.public_id)
        .where(TicketType.account_id == tenant.account_id)
        .order_by(TicketType.id),
    )
    t = await nc.create_ticket(
        subject="Torn bag",
        status="open",
        order="ORD-77",
        assignee=agent_id,
        ticket_type=type_id,
        tags=["vip"],
    )
    (public_id,) = await _lookup(app, select(Ticket.public_id).where(Ticket.id == t["id"]))
    r = await client.get(f"/api/v2/tickets/{public_id}", headers=tenant.headers)
    assert r.status_code == 200, r.text
    rt = r.json()
    (open_state,) = await _lookup(
        app,
        select(TicketState.public_id).where(
            TicketState.account_id == tenant.account_id,
            TicketState.status == "open",
            TicketState.is_default.is_(True),
        ),
    )
    assert rt["state"] == str(open_state)
    assert rt["order_id"] == "ORD-77"
    assert rt["owner"] == str(tenant.user_public_id)
    assert rt["type"] == str(type_uuid)
    (vip,) = await _lookup(
        app, select(Tag.public_id).where(Tag.account_id == tenant.account_id, Tag.label == "vip")
    )
    assert rt["tags"] == [str(vip)]
    assert rt["closed_at"] is None

    # Closing through Next Commerce closes it for Retino (closed_at set).
    r = await nc.patch(f"/tickets/{t['id']}/", json={"status": "closed"})
    assert r.json()["status"] == "closed"
    rt = (await client.get(f"/api/v2/tickets/{public_id}", headers=tenant.headers)).json()
    assert rt["closed_at"] is not None


async def test_retino_write_shows_in_nextcommerce(
    nc: NCClient, app: TicketryApp, client: httpx.AsyncClient
) -> None:
    tenant = nc.tenant
    assert tenant is not None
    rt = await create_ticket(client, tenant, order_id="R-1")
    (ticket_id,) = await _lookup(
        app, select(Ticket.id).where(Ticket.public_id == uuid.UUID(rt["id"]))
    )
    (contact_id,) = await _lookup(
        app,
        select(Contact.id).where(
            Contact.account_id == tenant.account_id, Contact.email == "jan.novak@example.com"
        ),
    )
    t = (await nc.get(f"/tickets/{ticket_id}/")).json()
    assert t["order"] == "R-1" and t["status"] == "new" and t["requester"] == contact_id
    found = (await nc.get("/tickets/", params={"requester": contact_id})).json()["results"]
    assert [x["id"] for x in found] == [ticket_id]

    # A Retino state change is the Next Commerce status.
    states = (await client.get("/api/v2/states", headers=tenant.headers)).json()["results"]
    (solved,) = await _lookup(
        app,
        select(TicketState.public_id).where(
            TicketState.account_id == tenant.account_id,
            TicketState.status == "solved",
        ),
    )
    assert str(solved) in [s["id"] for s in states]
    r = await client.patch(
        f"/api/v2/tickets/{rt['id']}", json={"state": str(solved)}, headers=tenant.headers
    )
    assert r.status_code == 200, r.text
    assert (await nc.get(f"/tickets/{ticket_id}/")).json()["status"] == "solved"

    # Products added through Retino are the ids in "products"; listing fewer removes the rest.
    one = await add_product(client, tenant, rt["id"])
    await add_product(client, tenant, rt["id"], name="Charger")
    products = (await nc.get(f"/tickets/{ticket_id}/")).json()["products"]
    assert len(products) == 2
    r = await nc.patch(f"/tickets/{ticket_id}/", json={"products": products[:1]})
    assert r.status_code == 200 and r.json()["products"] == products[:1]
    rt = (await client.get(f"/api/v2/tickets/{rt['id']}", headers=tenant.headers)).json()
    assert [p["id"] for p in rt["products"]] == [one["id"]]

    # A requester set by id becomes Retino's customer.
    other = await create_ticket(
        client, tenant, customer={"name": "Eva", "email": "eva@example.com", "phone": ""}
    )
    (eva,) = await _lookup(
        app,
        select(Contact.id).where(
            Contact.account_id == tenant.account_id, Contact.email == "eva@example.com"
        ),
    )
    assert other["customer"]["email"] == "eva@example.com"
    r = await nc.patch(f"/tickets/{ticket_id}/", json={"requester": eva})
    assert r.json()["requester"] == eva
    rt = (await client.get(f"/api/v2/tickets/{rt['id']}", headers=tenant.headers)).json()
    assert rt["customer"]["email"] == "eva@example.com" and rt["customer"]["name"] == "Eva"


async def test_values_shown_as_their_nearest_are_found_and_kept(
    nc: NCClient, app: TicketryApp
) -> None:
    """An urgent portal ticket shows as ``high`` from ``customer_account``: filters for what
    it shows find it, and a write of what it shows (a PUT of what was read) keeps it urgent."""
    t = await nc.create_ticket(subject="Came through the portal", priority="low")
    other = await nc.create_ticket(subject="Plain", priority="low")
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        await session.execute(
            update(Ticket).where(Ticket.id == t["id"]).values(priority="urgent", channel="portal")
        )
        await session.commit()
    shown = (await nc.get(f"/tickets/{t['id']}/")).json()
    assert (shown["priority"], shown["channel"]) == ("high", "customer_account")

    for query in ("priority=high", "channel=customer_account"):
        r = await nc.get(f"/tickets/?{query}")
        assert r.status_code == 200, r.text
        ids = {row["id"] for row in r.json()["results"]}
        assert t["id"] in ids and other["id"] not in ids, query

    r = await nc.patch(f"/tickets/{t['id']}/", json={"priority": "high", "subject": "Still"})
    assert r.status_code == 200, r.text
    (priority,) = await _lookup(app, select(Ticket.priority).where(Ticket.id == t["id"]))
    assert priority == "urgent"
    r = await nc.patch(f"/tickets/{t['id']}/", json={"priority": "medium"})
    (priority,) = await _lookup(app, select(Ticket.priority).where(Ticket.id == t["id"]))
    assert priority == "medium"
