"""The agent desk over HTTP: sign-in, CSRF, tenancy, list/search, actions via the domain."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from tests.web.conftest import Desk, hidden, make_desk, seed_order, seed_ticket, sign_in
from ticketry.app import TicketryApp
from ticketry.domain.conversations.models import Message
from ticketry.domain.events.models import Event
from ticketry.domain.tickets.models import Ticket


async def test_pages_need_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.get("/desk/tickets/")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/desk/login?next=")


async def test_sign_in_wrong_password_and_unknown_account_look_alike(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    wrong = await sign_in(client, desk, password="nope-nope")
    assert wrong.status_code == 400
    other = Desk(slug="no-such-account", account_id=0, email=desk.email, user_id=0)
    unknown = await sign_in(client, other)
    assert unknown.status_code == 400
    assert "The account, e-mail or password is not right." in wrong.text
    assert "The account, e-mail or password is not right." in unknown.text
    assert "ticketry_desk" not in client.cookies


async def test_sign_in_needs_the_login_csrf_value(client: httpx.AsyncClient, desk: Desk) -> None:
    await client.get("/desk/login")
    response = await client.post(
        "/desk/login",
        data={"_csrf": "forged", "account": desk.slug, "email": desk.email, "password": "x"},
    )
    assert response.status_code == 400
    assert "expired" in response.text


async def test_sign_in_list_and_sign_out(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    code = await seed_ticket(app, desk.account_id)
    response = await sign_in(client, desk)
    assert response.status_code == 303
    assert response.headers["location"] == "/desk/tickets/"
    page = await client.get("/desk/tickets/")
    assert page.status_code == 200
    assert code in page.text
    assert 'aria-label="Desk"' in page.text
    csrf = hidden(page.text, "_csrf")
    out = await client.post("/desk/logout", data={"_csrf": csrf})
    assert out.status_code == 303
    again = await client.get("/desk/tickets/")
    assert again.status_code == 303


async def test_post_without_csrf_is_rejected(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    code = await seed_ticket(app, desk.account_id)
    await sign_in(client, desk)
    response = await client.post(f"/desk/tickets/{code}/note", data={"text": "sneaky"})
    assert response.status_code == 403
    forged = await client.post(
        f"/desk/tickets/{code}/note", data={"text": "sneaky", "_csrf": "wrong"}
    )
    assert forged.status_code == 403
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        notes = await session.scalars(select(Message).where(Message.body == "sneaky"))
        assert list(notes) == []


async def test_agent_cannot_open_another_accounts_ticket(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    other = await make_desk(app)
    foreign = await seed_ticket(app, other.account_id, subject="Secret of B")
    await sign_in(client, desk)
    response = await client.get(f"/desk/tickets/{foreign}/")
    assert response.status_code == 404
    assert "Secret of B" not in response.text
    page = await client.get("/desk/tickets/")
    csrf = hidden(page.text, "_csrf")
    close = await client.post(f"/desk/tickets/{foreign}/close", data={"_csrf": csrf})
    assert close.status_code == 404
    listing = await client.get("/desk/tickets/", params={"q": "Secret"})
    assert "Secret of B" not in listing.text


async def test_search_reply_note_change_close(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    code = await seed_ticket(app, desk.account_id, name="Vladimír Remek")
    await seed_ticket(app, desk.account_id, name="Someone Else")
    await sign_in(client, desk)
    found = await client.get("/desk/tickets/", params={"q": "vladimir remek"})
    assert code in found.text
    assert "Someone Else" not in found.text

    page = await client.get(f"/desk/tickets/{code}/")
    assert page.status_code == 200
    csrf = hidden(page.text, "_csrf")
    reply = await client.post(
        f"/desk/tickets/{code}/reply", data={"_csrf": csrf, "body": "We are on it."}
    )
    assert reply.status_code == 303
    note = await client.post(
        f"/desk/tickets/{code}/note", data={"_csrf": csrf, "text": "Check the warehouse."}
    )
    assert note.status_code == 303
    empty = await client.post(f"/desk/tickets/{code}/reply", data={"_csrf": csrf, "body": " "})
    assert empty.status_code == 400

    page = await client.get(f"/desk/tickets/{code}/")
    assert 'class="msg public"' in page.text and 'class="msg internal"' in page.text
    assert "Internal note" in page.text

    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        ticket = await session.scalar(
            select(Ticket).where(Ticket.account_id == desk.account_id, Ticket.code == code)
        )
        assert ticket is not None
        assert ticket.status == "pending"  # the agent's public reply: the lifecycle rule
    change = await client.post(
        f"/desk/tickets/{code}/update",
        data={
            "_csrf": csrf,
            "state": str(ticket.state_id),
            "priority": "high",
            "type": "",
            "assignee": str(desk.user_id),
        },
    )
    assert change.status_code == 303
    closed = await client.post(f"/desk/tickets/{code}/close", data={"_csrf": csrf})
    assert closed.status_code == 303

    async with app.runtime.sessionmaker() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.id == ticket.id))
        assert ticket is not None
        assert ticket.status == "closed" and ticket.closed_at is not None
        assert ticket.priority == "high" and ticket.assignee_id == desk.user_id
        events = set(
            await session.scalars(select(Event.event_type).where(Event.ticket_id == ticket.id))
        )
        assert {
            "ticket.message_added",
            "ticket.note_added",
            "ticket.updated",
            "ticket.closed",
        } <= events


async def test_products_edit_through_item_services(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    code = await seed_ticket(app, desk.account_id)
    await sign_in(client, desk)
    page = await client.get(f"/desk/tickets/{code}/")
    csrf = hidden(page.text, "_csrf")
    added = await client.post(
        f"/desk/tickets/{code}/products",
        data={"_csrf": csrf, "name": "Gloves", "product_id": "GLV", "amount": "2"},
    )
    assert added.status_code == 303
    bad = await client.post(
        f"/desk/tickets/{code}/products", data={"_csrf": csrf, "name": "", "amount": "1"}
    )
    assert bad.status_code == 400
    page = await client.get(f"/desk/tickets/{code}/")
    assert "Gloves" in page.text


async def test_ticket_page_shows_bound_order(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    await seed_order(app, desk.account_id, code="ORD-77", email="jana@example.com")
    assert app.runtime is not None
    from ticketry.domain.accounts.models import Account
    from ticketry.domain.tickets.commands import CustomerData, ItemData, TicketData
    from ticketry.domain.tickets.services import ticket_create

    async with app.runtime.sessionmaker() as session:
        account = await session.get(Account, desk.account_id)
        assert account is not None
        ticket = await ticket_create(
            session,
            account=account,
            actor=None,
            data=TicketData(
                order_id="ORD-77",
                customer=CustomerData(email="jana@example.com"),
                products=[ItemData(name="Shoes", product_id="SHOE-42")],
            ),
        )
        await session.commit()
    await sign_in(client, desk)
    page = await client.get(f"/desk/tickets/{ticket.code}/")
    assert "ORD-77" in page.text and "Merino socks" in page.text and "DISPATCHED" in page.text
    assert "verified automatically" in page.text


async def test_keyset_pages_walk_both_ways(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    codes = [await seed_ticket(app, desk.account_id) for _ in range(30)]
    await sign_in(client, desk)
    first = await client.get("/desk/tickets/")
    assert codes[-1] in first.text and codes[4] not in first.text
    import re

    older = re.search(r'href="(/desk/tickets/\?[^"]*after=[^"]+)"', first.text)
    assert older
    second = await client.get(older.group(1).replace("&amp;", "&"))
    assert codes[0] in second.text and codes[-1] not in second.text
    newer = re.search(r'href="(/desk/tickets/\?[^"]*before=[^"]+)"', second.text)
    assert newer
    back = await client.get(newer.group(1).replace("&amp;", "&"))
    assert codes[-1] in back.text and codes[0] not in back.text


async def test_settings_stores_and_tokens(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    await sign_in(client, desk)
    page = await client.get("/desk/settings/stores/")
    csrf = hidden(page.text, "_csrf")
    created = await client.post(
        "/desk/settings/stores", data={"_csrf": csrf, "code": "eshop-cz", "name": "E-shop CZ"}
    )
    assert created.status_code == 200 and "eshop-cz" in created.text
    dup = await client.post("/desk/settings/stores", data={"_csrf": csrf, "code": "eshop-cz"})
    assert dup.status_code == 400
    tokens = await client.get("/desk/settings/tokens/")
    issued = await client.post(
        "/desk/settings/tokens", data={"_csrf": hidden(tokens.text, "_csrf")}
    )
    assert issued.status_code == 200
    import re

    raw = re.search(r'<code class="secret">([0-9a-f]{40})</code>', issued.text)
    assert raw
    api = await client.get("/api/v2/tickets", headers={"Authorization": f"Token {raw.group(1)}"})
    assert api.status_code == 200
    revoked = await client.post(
        "/desk/settings/tokens", data={"_csrf": hidden(tokens.text, "_csrf"), "action": "revoke"}
    )
    assert revoked.status_code == 200 and "no longer works" in revoked.text
    api = await client.get("/api/v2/tickets", headers={"Authorization": f"Token {raw.group(1)}"})
    assert api.status_code == 401
    for path in ("/desk/settings/", "/desk/settings/webhooks/", "/desk/settings/oauth/"):
        assert (await client.get(path)).status_code == 200


async def test_list_page_query_count_does_not_grow(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk, count_queries
) -> None:
    await sign_in(client, desk)
    await seed_ticket(app, desk.account_id)
    assert (await client.get("/desk/tickets/")).status_code == 200  # warm: session touched
    with count_queries() as few:
        assert (await client.get("/desk/tickets/")).status_code == 200
    for _ in range(12):
        await seed_ticket(app, desk.account_id)
    with count_queries() as many:
        assert (await client.get("/desk/tickets/")).status_code == 200
    # session, the page, the lookups (states, types, tags, users): no query per ticket
    assert many.selects == few.selects == 6, (few.statements, many.statements)
    assert "COUNT(" not in " ".join(many.statements).upper()


async def test_htmx_search_gets_only_the_results(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    code = await seed_ticket(app, desk.account_id)
    await sign_in(client, desk)
    partial = await client.get(
        "/desk/tickets/",
        params={"q": code},
        headers={"HX-Request": "true", "HX-Target": "ticket-results"},
    )
    assert partial.status_code == 200
    assert partial.text.lstrip().startswith('<section id="ticket-results"')
    assert code in partial.text and "<html" not in partial.text


async def test_mark_read_and_unread(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    code = await seed_ticket(app, desk.account_id)
    await sign_in(client, desk)
    page = await client.get(f"/desk/tickets/{code}/")
    assert "Mark as unread" in page.text  # opening the ticket marked it read
    csrf = hidden(page.text, "_csrf")
    undone = await client.post(f"/desk/tickets/{code}/read", data={"_csrf": csrf, "unread": "1"})
    assert undone.status_code == 303
    assert undone.headers["location"] == "/desk/tickets/"  # not back to the ticket
    assert "unread-badge" in (await client.get("/desk/tickets/")).text
    done = await client.post(f"/desk/tickets/{code}/read", data={"_csrf": csrf, "unread": "0"})
    assert done.status_code == 303
    listing = await client.get("/desk/tickets/")
    assert "unread-badge" not in listing.text
