"""The ticket's history on the desk, over HTTP: labels (not column names), old → new
values, tag changes, a public reply as a reply, the customer's portal reply; and changes
made on another face (Paymenter) in the desk and in Retino's ``history_items``."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy import select

from tests.api.paymenter.conftest import BASE, issue_key
from tests.web.conftest import Desk, hidden, seed_order, sign_in
from ticketry.app import TicketryApp
from ticketry.domain.accounts.models import User
from ticketry.domain.accounts.services import token_issue
from ticketry.domain.catalog.models import Tag, TicketState, TicketType
from ticketry.domain.conversations.contacts import contact_get_or_create
from ticketry.domain.tickets.models import Ticket


async def _id(app: TicketryApp, model: Any, account_id: int, **where: Any) -> int:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        clauses = [getattr(model, k) == v for k, v in where.items()]
        found = await session.scalar(
            select(model.id).where(model.account_id == account_id, *clauses).limit(1)
        )
        assert found is not None
        return int(found)


def _history(html: str) -> str:
    """The history section of the ticket page, tags stripped, spaces collapsed."""
    match = re.search(r'<ol class="history">(.*?)</ol>\s*</section>', html, re.S)
    assert match, "no history list"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1)))


async def test_desk_history_reads_as_sentences_with_old_and_new_values(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    # The customer files a return in the portal.
    _, item_ids = await seed_order(app, desk.account_id, code="ORD-7", email="jana@example.com")
    submitted = await client.post(
        f"/portal/{desk.slug}/submit",
        data={
            "order": "ORD-7",
            "email": "jana@example.com",
            f"qty-{item_ids[0]}": "1",
            "reason": str(await _id(app, TicketType, desk.account_id, kind="return")),
            "description": "Too small.",
        },
    )
    assert submitted.status_code == 303, submitted.text
    link = submitted.headers["location"].split("?")[0]
    code = (await client.get(link)).text
    ticket_id = await _id(app, Ticket, desk.account_id, order_id="ORD-7")
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        ticket = await session.get(Ticket, ticket_id)
        assert ticket is not None
        code = ticket.code

    # The agent opens it, moves it on, tags it and replies; the customer answers.
    await sign_in(client, desk)
    page = await client.get(f"/desk/tickets/{code}/")
    working = await _id(app, TicketState, desk.account_id, status="open", is_default=True)
    urgent = await _id(app, Tag, desk.account_id, label="urgent")
    changed = await client.post(
        f"/desk/tickets/{code}/update",
        data={
            "_csrf": hidden(page.text, "_csrf"),
            "state": str(working),
            "tags": str(urgent),
            "priority": "high",
        },
    )
    assert changed.status_code == 303, changed.text
    replied = await client.post(
        f"/desk/tickets/{code}/reply",
        data={"_csrf": hidden(page.text, "_csrf"), "body": "Please send it back."},
    )
    assert replied.status_code == 303, replied.text
    answered = await client.post(f"{link}/reply", data={"body": "On its way."})
    assert answered.status_code == 303, answered.text

    page = await client.get(f"/desk/tickets/{code}/")
    assert page.status_code == 200
    history = _history(page.text)
    assert "is_unread" not in history and "UPDATED" not in history
    assert "jana@example.com (via returns portal) created the ticket" in history
    assert "Alice Agent changed the ticket Unread: yes → no" in history
    assert "State: New → In progress" in history
    assert "Priority: medium → high" in history
    assert "Tags: added Urgent" in history
    assert "Alice Agent replied publicly" in history
    assert "State: In progress → Waiting for customer" in history  # what the reply did
    assert "Please send it back." in history
    assert "jana@example.com (via returns portal) replied" in history
    assert "On its way." in history
    assert "State: Waiting for customer → In progress" in history
    # The newest entry is listed first.
    assert history.index("On its way.") < history.index("Please send it back.")
    assert '<span class="old">New</span> → <span class="new">In progress</span>' in page.text


async def test_a_change_on_another_face_is_in_the_desk_and_in_retino(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        customer = await contact_get_or_create(
            session, account_id=desk.account_id, email="petr@example.com", name="Petr"
        )
        user = await session.get(User, desk.user_id)
        assert user is not None
        retino_token = await token_issue(session, user=user)
        await session.commit()
    key = await issue_key(app, desk.account_id, name="Billing ERP")
    paymenter = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
    retino = {"Authorization": f"Token {retino_token}"}

    created = await client.post(
        f"{BASE}/tickets",
        json={"subject": "Invoice is wrong", "user_id": customer, "priority": "low"},
        headers=paymenter,
    )
    assert created.status_code == 201, created.text
    ticket_id = created.json()["data"]["id"]
    closed = await client.put(
        f"{BASE}/tickets/{ticket_id}", json={"status": "closed"}, headers=paymenter
    )
    assert closed.status_code == 200, closed.text
    message = await client.post(
        f"{BASE}/ticket-messages",
        json={"ticket_id": int(ticket_id), "user_id": customer, "message": "Thanks!"},
        headers=paymenter,
    )
    assert message.status_code == 201, message.text

    listed = await client.get("/api/v2/tickets", headers=retino)
    assert listed.status_code == 200, listed.text
    (ticket,) = listed.json()["results"]
    items = ticket["history_items"]
    assert [i["history_item_type"] for i in items] == ["CREATED", "CLOSED", "CUSTOMER_REPLY"]
    assert items[0]["history_item_data"]["text"] == "Billing ERP created the ticket"
    assert items[0]["history_item_data"]["author"] == {"kind": "api_key", "name": "Billing ERP"}
    assert items[1]["history_item_data"]["text"] == (
        "Billing ERP closed the ticket: State: New → Closed"
    )
    assert items[2]["history_item_data"]["text"] == "Thanks!"
    assert items[2]["history_item_data"]["author"] == {
        "kind": "customer",
        "id": items[2]["history_item_data"]["author"]["id"],
        "name": "petr@example.com",
        "via": {"kind": "api_key", "name": "Billing ERP"},
    }
    detail = await client.get(f"/api/v2/tickets/{ticket['id']}", headers=retino)
    assert detail.json()["history_items"] == items

    await sign_in(client, desk)
    page = await client.get(f"/desk/tickets/{ticket['code']}/")
    history = _history(page.text)
    assert "Billing ERP created the ticket" in history
    assert "Billing ERP closed the ticket State: New → Closed" in history
    assert "petr@example.com (via Billing ERP) replied" in history
    assert "State: Closed → In progress" in history  # the customer's message reopened it
