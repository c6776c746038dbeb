"""The desk's ticket page over HTTP: opening marks read (once), attachments on replies and
internal notes, and their downloads."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tests.conftest import BACKEND
from tests.web.conftest import Desk, hidden, make_desk, seed_ticket, sign_in
from ticketry.app import TicketryApp
from ticketry.domain.conversations.models import Message, message_attachments
from ticketry.domain.events.models import Event
from ticketry.domain.files.models import StoredFile
from ticketry.domain.files.storage import FileStore
from ticketry.domain.tickets.models import HistoryItem, Ticket
from ticketry.domain.tickets.services import ticket_update
from ticketry.web.desk import ticket_pages

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"


async def _ticket(app: TicketryApp, desk: Desk, code: str) -> Ticket:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        ticket = await session.scalar(
            select(Ticket).where(Ticket.account_id == desk.account_id, Ticket.code == code)
        )
        assert ticket is not None
        return ticket


async def _updated_events(app: TicketryApp, ticket_id: int) -> list[Event]:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        rows = await session.scalars(
            select(Event)
            .where(Event.ticket_id == ticket_id, Event.event_type == "ticket.updated")
            .order_by(Event.id)
        )
        return list(rows)


async def _messages(app: TicketryApp, ticket_id: int) -> list[Message]:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        rows = await session.scalars(
            select(Message).where(Message.ticket_id == ticket_id).order_by(Message.id)
        )
        return list(rows)


async def _files_of(app: TicketryApp, message_id: int) -> list[StoredFile]:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        rows = await session.scalars(
            select(StoredFile)
            .join(message_attachments, message_attachments.c.file_id == StoredFile.id)
            .where(message_attachments.c.message_id == message_id)
            .order_by(StoredFile.id)
        )
        return list(rows)


async def _file_count(app: TicketryApp, account_id: int) -> int:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).select_from(StoredFile).where(StoredFile.account_id == account_id)
        )
        return int(count or 0)


async def test_opening_an_unread_ticket_marks_it_read_once(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    code = await seed_ticket(app, desk.account_id)
    before = await _ticket(app, desk, code)
    assert before.is_unread
    await sign_in(client, desk)

    page = await client.get(f"/desk/tickets/{code}/")
    assert page.status_code == 200
    assert "Mark as unread" in page.text and "Mark as read<" not in page.text
    after = await _ticket(app, desk, code)
    assert not after.is_unread
    assert after.version == before.version + 1
    (event,) = await _updated_events(app, before.id)
    assert event.data["changes"] == {"is_unread": [True, False]}
    assert event.actor_user_id == desk.user_id

    again = await client.get(f"/desk/tickets/{code}/")
    assert again.status_code == 200
    assert len(await _updated_events(app, before.id)) == 1  # a read ticket writes nothing
    assert (await _ticket(app, desk, code)).version == after.version
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        history = await session.scalar(
            select(func.count())
            .select_from(HistoryItem)
            .where(HistoryItem.ticket_id == before.id, HistoryItem.item_type == "UPDATED")
        )
        assert history == 1


async def test_two_agents_opening_at_once_record_one_event(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = await seed_ticket(app, desk.account_id)
    ticket = await _ticket(app, desk, code)
    await sign_in(client, desk)
    if BACKEND == "postgres":
        # Both requests must have seen the ticket unread before either writes: only the
        # row lock and the comparison under it keep the second from recording an event.
        # (SQLite takes its write lock at BEGIN, so there the requests cannot interleave.)
        arrived: list[object] = []
        both_here = asyncio.Event()

        async def after_both_looked(*args: Any, **kwargs: Any) -> Any:
            arrived.append(kwargs["ref"])
            if len(arrived) == 2:
                both_here.set()
            await both_here.wait()
            return await ticket_update(*args, **kwargs)

        monkeypatch.setattr(ticket_pages, "ticket_update", after_both_looked)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        await sign_in(other, desk)
        pages = await asyncio.wait_for(
            asyncio.gather(*(c.get(f"/desk/tickets/{code}/") for c in (client, other))),
            timeout=60,
        )
    assert [p.status_code for p in pages] == [200, 200]
    assert len(await _updated_events(app, ticket.id)) == 1
    assert not (await _ticket(app, desk, code)).is_unread


async def test_mark_unread_goes_to_the_list_and_the_ticket_stays_unread(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    code = await seed_ticket(app, desk.account_id)
    await sign_in(client, desk)
    page = await client.get(f"/desk/tickets/{code}/")
    unread = await client.post(
        f"/desk/tickets/{code}/read", data={"_csrf": hidden(page.text, "_csrf"), "unread": "1"}
    )
    assert unread.status_code == 303
    assert unread.headers["location"] == "/desk/tickets/"
    listing = await client.get(unread.headers["location"])
    assert "unread-badge" in listing.text
    ticket = await _ticket(app, desk, code)
    assert ticket.is_unread
    events = await _updated_events(app, ticket.id)
    assert [e.data["changes"] for e in events] == [
        {"is_unread": [True, False]},
        {"is_unread": [False, True]},
    ]


async def test_reply_and_note_with_attachments_are_downloadable(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk, any_store: FileStore
) -> None:
    code = await seed_ticket(app, desk.account_id)
    await sign_in(client, desk)
    page = await client.get(f"/desk/tickets/{code}/")
    for form in ("reply", "note"):
        assert f'action="/desk/tickets/{code}/{form}" enctype="multipart/form-data"' in page.text
        assert f'<label for="{form}-files">' in page.text
        assert re.search(rf'<input type="file" id="{form}-files" name="files" multiple', page.text)
    csrf = hidden(page.text, "_csrf")

    reply = await client.post(
        f"/desk/tickets/{code}/reply",
        data={"_csrf": csrf, "body": "Here is the label."},
        files=[("files", ("štítek.png", PNG, "application/octet-stream"))],
    )
    assert reply.status_code == 303, reply.text
    note = await client.post(
        f"/desk/tickets/{code}/note",
        data={"_csrf": csrf, "text": "Supplier's invoice."},
        files=[("files", ("invoice.pdf", PDF, "image/png"))],
    )
    assert note.status_code == 303, note.text

    ticket = await _ticket(app, desk, code)
    public, internal = await _messages(app, ticket.id)
    assert public.is_public and public.author_user_id == desk.user_id
    assert not internal.is_public
    (png,) = await _files_of(app, public.id)
    (pdf,) = await _files_of(app, internal.id)
    # The bytes decide the type, not the name or the client's header.
    assert (png.filename, png.content_type, png.size) == ("štítek.png", "image/png", len(PNG))
    assert (pdf.filename, pdf.content_type) == ("invoice.pdf", "application/pdf")
    assert await any_store.load(png.storage_key) == PNG

    page = await client.get(f"/desk/tickets/{code}/")
    assert f'href="/desk/files/{png.public_id}"' in page.text
    assert f'href="/desk/files/{pdf.public_id}"' in page.text

    download = await client.get(f"/desk/files/{png.public_id}")
    assert download.status_code == 200
    assert download.content == PNG
    assert download.headers["content-type"] == "image/png"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["cache-control"] == "private"
    disposition = download.headers["content-disposition"]
    assert "filename*=UTF-8''%C5%A1t%C3%ADtek.png" in disposition
    assert 'filename="ttek.png"' in disposition  # the plain-ASCII fallback
    pdf_download = await client.get(f"/desk/files/{pdf.public_id}")
    assert pdf_download.content == PDF
    assert pdf_download.headers["content-type"] == "application/pdf"

    other = await make_desk(app)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as stranger:
        await sign_in(stranger, other)
        assert (await stranger.get(f"/desk/files/{png.public_id}")).status_code == 404


async def test_a_bad_file_is_a_400_and_writes_nothing(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    code = await seed_ticket(app, desk.account_id)
    await sign_in(client, desk)
    page = await client.get(f"/desk/tickets/{code}/")
    csrf = hidden(page.text, "_csrf")
    ticket = await _ticket(app, desk, code)
    files_before = await _file_count(app, desk.account_id)

    bad = await client.post(
        f"/desk/tickets/{code}/reply",
        data={"_csrf": csrf, "body": "See the attachments."},
        files=[
            ("files", ("fine.png", PNG, "image/png")),
            ("files", ("evil.png", b"<html><script>alert(1)</script></html>", "image/png")),
        ],
    )
    assert bad.status_code == 400
    error = re.search(r'<p class="error" id="reply-files-error" role="alert">(.*?)</p>', bad.text)
    assert error and "evil.png" in error.group(1) and "Unsupported file type" in error.group(1)
    assert "fine.png" not in error.group(1)
    assert 'aria-describedby="reply-files-hint reply-files-error" aria-invalid="true"' in bad.text
    assert "note-files-error" not in bad.text  # shown under the form that failed only
    assert ">See the attachments.</textarea>" in bad.text  # the agent's text is kept

    note = await client.post(
        f"/desk/tickets/{code}/note",
        data={"_csrf": csrf, "text": "An executable."},
        files=[("files", ("tool.exe", b"MZ\x90\x00" + b"\x00" * 60, "image/png"))],
    )
    assert note.status_code == 400
    assert 'id="note-files-error"' in note.text and "tool.exe" in note.text
    assert 'id="reply-files-error"' not in note.text

    too_many = await client.post(
        f"/desk/tickets/{code}/reply",
        data={"_csrf": csrf, "body": "Many."},
        files=[("files", (f"p{n}.png", PNG, "image/png")) for n in range(11)],
    )
    assert too_many.status_code == 400
    assert "Ensure there are no more than 10 files." in too_many.text

    assert await _messages(app, ticket.id) == []
    assert await _file_count(app, desk.account_id) == files_before
    assert (await _ticket(app, desk, code)).status == ticket.status


async def test_an_empty_file_input_is_no_attachment(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    code = await seed_ticket(app, desk.account_id)
    await sign_in(client, desk)
    page = await client.get(f"/desk/tickets/{code}/")
    # What a browser sends for a file input left empty: a nameless, empty part.
    reply = await client.post(
        f"/desk/tickets/{code}/reply",
        data={"_csrf": hidden(page.text, "_csrf"), "body": "No files."},
        files=[("files", ("", b"", "application/octet-stream"))],
    )
    assert reply.status_code == 303
    ticket = await _ticket(app, desk, code)
    (message,) = await _messages(app, ticket.id)
    assert await _files_of(app, message.id) == []


async def test_unknown_file_is_404(client: httpx.AsyncClient, desk: Desk) -> None:
    await sign_in(client, desk)
    assert (await client.get(f"/desk/files/{uuid.uuid4()}")).status_code == 404


async def test_viewer_reads_without_changing_anything(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    from tests.web.conftest import PASSWORD
    from ticketry.domain.accounts.models import Account
    from ticketry.domain.accounts.passwords import password_hash
    from ticketry.domain.accounts.services import user_get_or_create

    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        account = await session.get(Account, desk.account_id)
        assert account is not None
        viewer, _ = await user_get_or_create(
            session, account=account, email=f"viewer@{desk.slug}.test", role="viewer"
        )
        viewer.password_hash = password_hash(PASSWORD)
        await session.commit()
        viewer_desk = Desk(
            slug=desk.slug, account_id=desk.account_id, email=viewer.email, user_id=viewer.id
        )
    code = await seed_ticket(app, desk.account_id)
    ticket = await _ticket(app, desk, code)
    assert ticket.is_unread
    assert (await sign_in(client, viewer_desk)).status_code == 303

    page = await client.get(f"/desk/tickets/{code}/")
    assert page.status_code == 200
    assert "Broken zip" in page.text
    assert f'action="/desk/tickets/{code}/reply"' not in page.text
    assert 'fieldset class="bare stack" disabled' in page.text
    assert (await _ticket(app, desk, code)).is_unread  # viewing did not mark it read
    assert await _updated_events(app, ticket.id) == []

    csrf = hidden(page.text, "_csrf")
    for action, data in (
        ("reply", {"body": "hello"}),
        ("note", {"text": "psst"}),
        ("close", {}),
        ("read", {"unread": "0"}),
        ("update", {"priority": "high"}),
    ):
        r = await client.post(f"/desk/tickets/{code}/{action}", data={"_csrf": csrf, **data})
        assert r.status_code == 403, (action, r.status_code)
    async with app.runtime.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).select_from(Message).where(Message.ticket_id == ticket.id)
        )
    assert count == 0
    after = await _ticket(app, desk, code)
    assert after.is_unread and after.closed_at is None and after.version == ticket.version
