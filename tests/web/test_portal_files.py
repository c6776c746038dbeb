"""The portal's files over HTTP: a customer sees and downloads the attachments of the public
messages of their own ticket, and nothing else; their answers can carry photos."""

from __future__ import annotations

import re
import uuid

import httpx
from sqlalchemy import func, select

from tests.web.conftest import Desk, hidden, seed_order, sign_in
from ticketry.app import TicketryApp
from ticketry.domain.catalog.models import TicketType
from ticketry.domain.conversations.models import Message, message_attachments
from ticketry.domain.files.models import StoredFile
from ticketry.domain.files.storage import FileStore
from ticketry.domain.tickets.models import Ticket

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
GIF = b"GIF89a" + b"\x00" * 32


async def _file_return(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk, *, order: str, photo: bytes | None
) -> tuple[str, Ticket]:
    """A return filed through the portal (with a photo); its link (no query) and ticket."""
    email = f"{order.lower()}@example.com"
    _, item_ids = await seed_order(app, desk.account_id, code=order, email=email)
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        type_id = await session.scalar(
            select(TicketType.id).where(
                TicketType.account_id == desk.account_id, TicketType.kind == "return"
            )
        )
    submitted = await client.post(
        f"/portal/{desk.slug}/submit",
        data={
            "order": order,
            "email": email,
            f"qty-{item_ids[0]}": "1",
            "reason": str(type_id),
            "description": f"Broken, order {order}.",
            "lang": "en",
        },
        files={"photos": ("sole ž.png", photo, "image/png")} if photo else None,
    )
    assert submitted.status_code == 303, submitted.text
    async with app.runtime.sessionmaker() as session:
        ticket = await session.scalar(
            select(Ticket).where(Ticket.account_id == desk.account_id, Ticket.order_id == order)
        )
        assert ticket is not None
    return submitted.headers["location"].split("?")[0], ticket


async def _attachments(app: TicketryApp, ticket_id: int) -> list[tuple[bool, StoredFile]]:
    """(is the message public, file) for every file attached to the ticket's messages."""
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        rows = await session.execute(
            select(Message.is_public, StoredFile)
            .join(message_attachments, message_attachments.c.message_id == Message.id)
            .join(StoredFile, StoredFile.id == message_attachments.c.file_id)
            .where(Message.ticket_id == ticket_id)
            .order_by(Message.id, StoredFile.id)
        )
        return [(bool(r[0]), r[1]) for r in rows.all()]


async def _counts(app: TicketryApp, desk: Desk, ticket_id: int) -> tuple[int, int]:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        messages = await session.scalar(
            select(func.count()).select_from(Message).where(Message.ticket_id == ticket_id)
        )
        files = await session.scalar(
            select(func.count())
            .select_from(StoredFile)
            .where(StoredFile.account_id == desk.account_id)
        )
        return int(messages or 0), int(files or 0)


async def _agent_writes(client: httpx.AsyncClient, desk: Desk, code: str) -> None:
    """Through the desk: a public reply with a PDF, an internal note with a PNG."""
    await sign_in(client, desk)
    page = await client.get(f"/desk/tickets/{code}/")
    csrf = hidden(page.text, "_csrf")
    reply = await client.post(
        f"/desk/tickets/{code}/reply",
        data={"_csrf": csrf, "body": "The return label is attached."},
        files=[("files", ("label.pdf", PDF, "application/pdf"))],
    )
    assert reply.status_code == 303, reply.text
    note = await client.post(
        f"/desk/tickets/{code}/note",
        data={"_csrf": csrf, "text": "Warehouse photo, do not share."},
        files=[("files", ("secret-warehouse.png", PNG, "image/png"))],
    )
    assert note.status_code == 303, note.text


async def test_link_lists_and_serves_the_public_files_only(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk, any_store: FileStore
) -> None:
    link, ticket = await _file_return(client, app, desk, order="ORD-F1", photo=PNG)
    await _agent_writes(client, desk, ticket.code)
    (photo_public, photo), (label_public, label), (note_public, secret) = await _attachments(
        app, ticket.id
    )
    assert photo_public and label_public and not note_public
    assert secret.filename == "secret-warehouse.png"

    page = await client.get(link)
    assert page.status_code == 200
    for f in (photo, label):
        assert f'href="{link}/files/{f.public_id}"' in page.text
        assert f.filename in page.text
    assert "sole ž.png" in page.text
    assert str(secret.public_id) not in page.text and "secret-warehouse" not in page.text

    own = await client.get(f"{link}/files/{photo.public_id}")
    assert own.status_code == 200
    assert own.content == PNG == await any_store.load(photo.storage_key)
    assert own.headers["content-type"] == "image/png"
    assert own.headers["x-content-type-options"] == "nosniff"
    assert own.headers["cache-control"] == "private"
    assert "filename*=UTF-8''sole%20%C5%BE.png" in own.headers["content-disposition"]

    agents = await client.get(f"{link}/files/{label.public_id}")
    assert agents.status_code == 200
    assert agents.content == PDF
    assert agents.headers["content-type"] == "application/pdf"
    assert "label.pdf" in agents.headers["content-disposition"]


async def test_files_outside_the_links_public_messages_are_404(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk, any_store: FileStore
) -> None:
    link, ticket = await _file_return(client, app, desk, order="ORD-F2", photo=PNG)
    other_link, other_ticket = await _file_return(client, app, desk, order="ORD-F3", photo=JPEG)
    await _agent_writes(client, desk, ticket.code)
    (_, photo), _, (_, secret) = await _attachments(app, ticket.id)
    ((_, other_photo),) = await _attachments(app, other_ticket.id)
    # The files exist and are served where they belong.
    assert (await client.get(f"{other_link}/files/{other_photo.public_id}")).status_code == 200
    assert (await client.get(f"/desk/files/{secret.public_id}")).status_code == 200

    not_found = await client.get(f"{link}/files/{uuid.uuid4()}")
    assert not_found.status_code == 404
    refused = {
        "internal note's file": f"{link}/files/{secret.public_id}",
        "another ticket's file": f"{link}/files/{other_photo.public_id}",
        "this file, another ticket's key": f"{other_link}/files/{photo.public_id}",
        "wrong key": f"/portal/{desk.slug}/t/{uuid.uuid4().hex}/files/{photo.public_id}",
        "another account's address": link.replace(desk.slug, "no-such-shop")
        + f"/files/{photo.public_id}",
        "not a file id": f"{link}/files/not-a-uuid",
    }
    for why, url in refused.items():
        response = await client.get(url)
        assert response.status_code == 404, why
        # Revealing nothing: the same page as a file that does not exist.
        assert response.text == not_found.text, why
        assert PNG not in response.content and b"secret" not in response.content, why


async def test_customer_answers_with_photos(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk, any_store: FileStore
) -> None:
    link, ticket = await _file_return(client, app, desk, order="ORD-F4", photo=None)
    page = await client.get(link)
    assert f'action="{link}/reply" enctype="multipart/form-data"' in page.text
    assert '<label for="photos">' in page.text
    assert re.search(
        r'<input id="photos" name="photos" type="file" accept="[^"]+" multiple', page.text
    )

    answer = await client.post(
        f"{link}/reply",
        data={"body": "Two more photos.", "lang": "en"},
        files=[
            ("photos", ("a.jpg", JPEG, "image/jpeg")),
            ("photos", ("b.png", PNG, "image/png")),
        ],
    )
    assert answer.status_code == 303, answer.text
    files = await _attachments(app, ticket.id)
    assert [(public, f.filename, f.content_type) for public, f in files] == [
        (True, "a.jpg", "image/jpeg"),
        (True, "b.png", "image/png"),
    ]
    assert await any_store.load(files[1][1].storage_key) == PNG
    page = await client.get(link)
    assert f'href="{link}/files/{files[0][1].public_id}"' in page.text
    download = await client.get(f"{link}/files/{files[0][1].public_id}")
    assert download.status_code == 200 and download.content == JPEG


async def test_bad_photos_in_an_answer_are_refused_and_nothing_is_written(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    link, ticket = await _file_return(client, app, desk, order="ORD-F5", photo=None)
    before = await _counts(app, desk, ticket.id)
    cases = {
        "not a photo type (GIF)": [("photos", ("x.gif", GIF, "image/gif"))],
        "not an image at all": [("photos", ("x.png", b"hello", "image/png"))],
        "a PDF": [("photos", ("x.pdf", PDF, "application/pdf"))],
        "six photos": [("photos", (f"{n}.png", PNG, "image/png")) for n in range(6)],
        "a good photo after a bad one": [
            ("photos", ("bad.png", b"<svg/>", "image/png")),
            ("photos", ("good.png", PNG, "image/png")),
        ],
    }
    for why, files in cases.items():
        response = await client.post(
            f"{link}/reply", data={"body": "See photos.", "lang": "en"}, files=files
        )
        assert response.status_code == 400, why
        assert 'id="err-photos"' in response.text, why
        assert "Photos must be JPEG, PNG or WebP, at most 5" in response.text, why
        assert 'aria-describedby="err-photos" aria-invalid="true"' in response.text, why
        assert ">See photos.</textarea>" in response.text, why  # the message is kept
    czech = await client.post(
        f"{link}/reply",
        data={"body": "Fotky.", "lang": "cs"},
        files=[("photos", ("x.gif", GIF, "image/gif"))],
    )
    assert czech.status_code == 400
    assert "Fotografie musí být JPEG, PNG nebo WebP" in czech.text
    blank = await client.post(
        f"{link}/reply", data={"body": " ", "lang": "en"}, files=[("photos", ("p.png", PNG))]
    )
    assert blank.status_code == 400 and 'id="err-body"' in blank.text
    assert await _counts(app, desk, ticket.id) == before
