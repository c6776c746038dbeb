"""Next Commerce ticket list: every filter, cursor pagination, a fixed number of queries."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select, update

from tests.api.nextcommerce.helpers import NCClient
from ticketry.app import TicketryApp
from ticketry.domain.catalog.models import Tag
from ticketry.domain.tickets.models import Ticket, TicketItem


def _cursor(url: str) -> str:
    return parse_qs(urlsplit(url).query)["cursor"][0]


async def _ids(nc: NCClient, **params: object) -> list[int]:
    r = await nc.get("/tickets/", params=params)
    assert r.status_code == 200, r.text
    return [t["id"] for t in r.json()["results"]]


async def test_newest_first_and_cursor_pages(nc: NCClient) -> None:
    made = [(await nc.create_ticket(subject=f"T{i}"))["id"] for i in range(45)]
    r = await nc.get("/tickets/")
    page1 = r.json()
    assert [t["id"] for t in page1["results"]] == made[::-1][:20]
    assert page1["previous"] is None and page1["next"]
    # The links keep the path as the vendor writes it, trailing slash included.
    assert page1["next"].startswith("http://testserver/api/admin/tickets/?")
    cursor = _cursor(page1["next"])
    assert base64.b64decode(cursor).startswith(b"p=")
    assert cursor.startswith("cD0")

    # New tickets arriving in front do not shift the next page.
    await nc.create_ticket(subject="newer")
    page2 = (await nc.get(page1["next"])).json()
    assert [t["id"] for t in page2["results"]] == made[::-1][20:40]
    assert page2["previous"] and page2["next"]
    assert page2["previous"].startswith("http://testserver/api/admin/tickets/?")
    page3 = (await nc.get(page2["next"])).json()
    assert [t["id"] for t in page3["results"]] == made[::-1][40:]
    assert page3["next"] is None

    back = (await nc.get(page3["previous"])).json()
    assert [t["id"] for t in back["results"]] == made[::-1][20:40]
    back1 = (await nc.get(back["previous"])).json()
    assert [t["id"] for t in back1["results"]] == made[::-1][:20]


async def test_next_keeps_the_filters(nc: NCClient) -> None:
    for i in range(22):
        await nc.create_ticket(subject=f"Refund {i}", priority="low")
    await nc.create_ticket(subject="Other", priority="high")
    page = (await nc.get("/tickets/", params={"priority": "low"})).json()
    assert "priority=low" in page["next"]
    rest = (await nc.get(page["next"])).json()
    assert len(page["results"]) + len(rest["results"]) == 22


async def test_bad_cursor_is_404(nc: NCClient) -> None:
    r = await nc.get("/tickets/", params={"cursor": "garbage!"})
    assert r.status_code == 404 and r.json() == {"detail": "Invalid cursor"}
    bad = base64.b64encode(b"p=yesterday|1").decode()
    assert (await nc.get("/tickets/", params={"cursor": bad})).status_code == 404


async def test_every_filter(nc: NCClient, app: TicketryApp) -> None:
    types = (await nc.get("/tickettypes/")).json()["results"]
    a = await nc.create_ticket(
        subject="Broken zipper on jacket",
        order="ORD-1",
        priority="high",
        tags=["zip"],
        ticket_type=types[0]["id"],
        from_email="x@example.com",
    )
    b = await nc.create_ticket(subject="Late parcel", order="ORD-2", priority="low", status="open")
    c = await nc.create_ticket(subject="Invoice", priority="medium", status="solved")

    assert await _ids(nc, id=a["id"]) == [a["id"]]
    assert await _ids(nc, subject="zipper") == [a["id"]]
    assert await _ids(nc, subject="ZIPPER") == [a["id"]]
    assert sorted(await _ids(nc, status=["open", "solved"])) == sorted([b["id"], c["id"]])
    assert await _ids(nc, status="new") == [a["id"]]
    assert await _ids(nc, order_number="ORD-2") == [b["id"]]
    assert await _ids(nc, priority="low") == [b["id"]]
    assert await _ids(nc, channel="api") == [c["id"], b["id"], a["id"]]
    assert await _ids(nc, channel="email") == []
    assert await _ids(nc, ticket_type=types[0]["id"]) == [a["id"]]
    assert await _ids(nc, filter_text="parcel") == [b["id"]]
    assert await _ids(nc, filter_text=str(c["id"])) == [c["id"]]
    assert await _ids(nc, assignee=123456) == []
    assert await _ids(nc, requester=123456) == []
    assert await _ids(nc, product=[123456]) == []

    # tags filter by tag id (the integer id of the tag labelled "zip").
    assert app.runtime is not None and nc.tenant is not None
    async with app.runtime.sessionmaker() as session:
        zip_id = await session.scalar(
            select(Tag.id).where(Tag.account_id == nc.tenant.account_id, Tag.label == "zip")
        )
    assert await _ids(nc, tags=[zip_id, 999999999]) == [a["id"]]
    assert await _ids(nc, tags=[999999999]) == []
    # product filter by the ids tickets show in "products".
    async with app.runtime.sessionmaker() as session:
        session.add(TicketItem(account_id=nc.tenant.account_id, ticket_id=b["id"], name="Box"))
        await session.commit()
    item_id = (await nc.get(f"/tickets/{b['id']}/")).json()["products"][0]
    assert await _ids(nc, product=[item_id]) == [b["id"]]

    # created_from / created_to are whole days.
    async with app.runtime.sessionmaker() as session:
        old = datetime(2024, 3, 10, 23, 30, tzinfo=UTC)
        await session.execute(update(Ticket).where(Ticket.id == a["id"]).values(created_at=old))
        await session.commit()
    assert await _ids(nc, created_to="2024-03-10") == [a["id"]]
    assert await _ids(nc, created_from="2024-03-10", created_to="2024-03-10") == [a["id"]]
    assert await _ids(nc, created_from="2024-03-11", created_to="2024-03-11") == []
    today = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    assert sorted(await _ids(nc, created_from=today)) == sorted([b["id"], c["id"]])


async def test_filters_report_bad_values(nc: NCClient) -> None:
    r = await nc.get(
        "/tickets/",
        params={
            "id": "x",
            "status": "archived",
            "priority": "urgent",
            "created_from": "yesterday",
            "product": "a",
        },
    )
    assert r.status_code == 400
    assert r.json() == {
        "id": ["Enter a whole number."],
        "status": ["Select a valid choice. archived is not one of the available choices."],
        "priority": ["Select a valid choice. urgent is not one of the available choices."],
        "created_from": ["Enter a valid date."],
        "product": ["Enter a whole number."],
    }


async def test_list_query_count_is_fixed(nc: NCClient, count_queries) -> None:
    for i in range(3):
        await nc.create_ticket(subject=f"q{i}", tags=["t"], comment={"body": "hello"})
    await nc.get("/tickets/")  # warm: the token is remembered after its first use
    with count_queries() as few:
        await nc.get("/tickets/")
    for i in range(6):
        await nc.create_ticket(subject=f"r{i}", tags=["t", "u"], comment={"body": "hello"})
    await nc.get("/tickets/")
    with count_queries() as many:
        await nc.get("/tickets/")
    # the page, and its comments with their attachments (the token is remembered)
    assert many.selects == few.selects == 2, many.statements
