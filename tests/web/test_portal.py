"""The returns portal over HTTP: look-up, submit, the customer's link."""

from __future__ import annotations

import re
import uuid

import httpx
from sqlalchemy import select

from tests.web.conftest import Desk, seed_order
from ticketry.app import TicketryApp
from ticketry.domain.accounts.models import Account, User
from ticketry.domain.catalog.models import TicketType
from ticketry.domain.conversations.models import Message, message_attachments
from ticketry.domain.conversations.services import internal_note_create, message_create
from ticketry.domain.files.models import StoredFile
from ticketry.domain.files.storage import FileStore
from ticketry.domain.tickets.models import Ticket, TicketItem
from ticketry.domain.web.models import PortalAccess
from ticketry.web.portal.ratelimit import LOOKUPS_PER_WINDOW

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def _return_type(app: TicketryApp, account_id: int) -> int:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        type_id = await session.scalar(
            select(TicketType.id).where(
                TicketType.account_id == account_id, TicketType.kind == "return"
            )
        )
        assert type_id is not None
        return int(type_id)


async def test_start_page_speaks_the_accounts_language(
    client: httpx.AsyncClient, desk: Desk, app: TicketryApp
) -> None:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        account = await session.get(Account, desk.account_id)
        assert account is not None
        account.language = "cs"
        await session.commit()
    czech = await client.get(f"/portal/{desk.slug}/")
    assert czech.status_code == 200
    assert "Číslo objednávky" in czech.text and 'lang="cs"' in czech.text
    english = await client.get(f"/portal/{desk.slug}/", params={"lang": "en"})
    assert "Order number" in english.text
    assert (await client.get("/portal/no-such-shop/")).status_code == 404


async def test_lookup_mismatch_reveals_nothing(
    client: httpx.AsyncClient, desk: Desk, app: TicketryApp
) -> None:
    await seed_order(app, desk.account_id, code="ORD-1", email="jana@example.com")
    url = f"/portal/{desk.slug}/lookup"
    wrong_email = await client.post(url, data={"order": "ORD-1", "email": "eve@example.com"})
    wrong_order = await client.post(url, data={"order": "ORD-2", "email": "jana@example.com"})
    both = await client.post(url, data={"order": "X", "email": "x@example.com"})
    assert wrong_email.status_code == wrong_order.status_code == both.status_code == 400

    def message(r: httpx.Response) -> str:
        found = re.search(r'<p class="error" role="alert"[^>]*>(.*?)</p>', r.text)
        assert found
        return found.group(1)

    assert message(wrong_email) == message(wrong_order) == message(both)
    assert "Trail running shoes" not in wrong_email.text


async def test_lookup_is_rate_limited(client: httpx.AsyncClient, desk: Desk) -> None:
    url = f"/portal/{desk.slug}/lookup"
    for _ in range(LOOKUPS_PER_WINDOW):
        assert (await client.post(url, data={"order": "A", "email": "a@b.cz"})).status_code == 400
    limited = await client.post(url, data={"order": "A", "email": "a@b.cz"})
    assert limited.status_code == 429


async def test_submit_creates_a_verified_ticket_and_link(
    client: httpx.AsyncClient, desk: Desk, app: TicketryApp, any_store: FileStore
) -> None:
    _, item_ids = await seed_order(app, desk.account_id, code="ORD-9", email="Jana@Example.com")
    found = await client.post(
        f"/portal/{desk.slug}/lookup", data={"order": "ORD-9", "email": "jana@example.com"}
    )
    assert found.status_code == 200
    assert "Trail running shoes" in found.text and "Merino socks" in found.text
    assert "Delivery" not in found.text  # shipping is not a returnable item
    assert 'class="error"' not in found.text
    type_id = await _return_type(app, desk.account_id)
    submitted = await client.post(
        f"/portal/{desk.slug}/submit",
        data={
            "order": "ORD-9",
            "email": "jana@example.com",
            f"qty-{item_ids[0]}": "1",
            f"qty-{item_ids[1]}": "0",
            "reason": str(type_id),
            "description": "The left shoe's sole came off.",
            "lang": "en",
        },
        files={"photos": ("sole.png", PNG, "image/png")},
    )
    assert submitted.status_code == 303, submitted.text
    link = submitted.headers["location"]
    ack = await client.get(link)
    assert ack.status_code == 200
    assert "Thank you" in ack.text

    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        ticket = await session.scalar(
            select(Ticket).where(Ticket.account_id == desk.account_id, Ticket.order_id == "ORD-9")
        )
        assert ticket is not None
        assert ticket.code in ack.text
        assert ticket.channel == "portal"
        assert ticket.verification_state == "VERIFIED_AUTOMATICALLY"
        assert ticket.type_id == type_id
        # The customer is the account's one person with that e-mail, as on every face.
        assert ticket.requester_id is not None and ticket.customer_email == "jana@example.com"
        items = list(
            await session.scalars(select(TicketItem).where(TicketItem.ticket_id == ticket.id))
        )
        assert [(i.product_id, i.amount, i.bound_order_item_id) for i in items] == [
            ("SHOE-42", 1, item_ids[0])
        ]
        (message,) = await session.scalars(select(Message).where(Message.ticket_id == ticket.id))
        assert message.is_public and message.author_contact_id == ticket.requester_id
        assert message.body == "The left shoe's sole came off."
        files = list(
            await session.scalars(
                select(message_attachments.c.file_id).where(
                    message_attachments.c.message_id == message.id
                )
            )
        )
        assert len(files) == 1
        photo = await session.get(StoredFile, files[0])
        assert photo is not None and photo.content_type == "image/png"
        assert await any_store.load(photo.storage_key) == PNG
        key = link.split("/t/")[1].split("?")[0]
        stored = list(await session.scalars(select(PortalAccess.key_hash)))
        assert key not in stored  # only the hash is kept


async def test_submit_checks_items_reason_and_photos(
    client: httpx.AsyncClient, desk: Desk, app: TicketryApp
) -> None:
    _, item_ids = await seed_order(app, desk.account_id, code="ORD-5", email="a@example.com")
    response = await client.post(
        f"/portal/{desk.slug}/submit",
        data={
            "order": "ORD-5",
            "email": "a@example.com",
            f"qty-{item_ids[0]}": "7",
            "reason": "",
            "description": "",
        },
        files={"photos": ("x.png", b"not an image", "image/png")},
    )
    assert response.status_code == 400
    for key in ("err-items", "err-reason", "err-description", "err-photos"):
        assert f'id="{key}"' in response.text
    forged = await client.post(
        f"/portal/{desk.slug}/submit",
        data={
            "order": "ORD-5",
            "email": "eve@example.com",
            f"qty-{item_ids[0]}": "1",
            "reason": "1",
            "description": "x",
        },
    )
    assert forged.status_code == 400
    assert "Find your order" in forged.text or "Najděte" in forged.text
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        count = await session.scalar(
            select(Ticket.id).where(
                Ticket.account_id == desk.account_id, Ticket.order_id == "ORD-5"
            )
        )
        assert count is None


async def test_link_shows_public_replies_only_and_takes_answers(
    client: httpx.AsyncClient, desk: Desk, app: TicketryApp
) -> None:
    _, item_ids = await seed_order(app, desk.account_id, code="ORD-3", email="b@example.com")
    type_id = await _return_type(app, desk.account_id)
    submitted = await client.post(
        f"/portal/{desk.slug}/submit",
        data={
            "order": "ORD-3",
            "email": "b@example.com",
            f"qty-{item_ids[1]}": "2",
            "reason": str(type_id),
            "description": "Wrong size.",
        },
    )
    link = submitted.headers["location"].split("?")[0]
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        account = await session.get(Account, desk.account_id)
        agent = await session.get(User, desk.user_id)
        assert account is not None and agent is not None
        ticket = await session.scalar(
            select(Ticket).where(Ticket.account_id == account.id, Ticket.order_id == "ORD-3")
        )
        assert ticket is not None
        await internal_note_create(
            session, account=account, actor=agent, ticket_ref=ticket.id, text="SECRET NOTE"
        )
        await message_create(
            session,
            account=account,
            ticket_ref=ticket.id,
            body="Please send it back.",
            author_user=agent,
        )
        await session.commit()
    page = await client.get(link)
    assert "Please send it back." in page.text and "Wrong size." in page.text
    assert "SECRET NOTE" not in page.text
    answer = await client.post(f"{link}/reply", data={"body": "Sent today.", "lang": "en"})
    assert answer.status_code == 303
    page = await client.get(link)
    assert "Sent today." in page.text
    async with app.runtime.sessionmaker() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.id == ticket.id))
        assert ticket is not None and ticket.status == "open"  # the customer answered
    bad = await client.get(f"/portal/{desk.slug}/t/{uuid.uuid4().hex}")
    assert bad.status_code == 404
    other_account = await client.get(link.replace(desk.slug, "no-such-shop"))
    assert other_account.status_code == 404


async def test_static_files_are_served(client: httpx.AsyncClient) -> None:
    css = await client.get("/portal/-/static/ticketry.css")
    assert css.status_code == 200 and "--accent" in css.text
    js = await client.get("/desk/static/htmx.min.js")
    assert js.status_code == 200 and "htmx" in js.text[:200]
