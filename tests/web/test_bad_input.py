"""The desk and the portal given what no form offers: ids beyond 64 bits or in other
scripts' digits, NUL characters, NaN quantities, webhook hosts no resolver takes. A form
error or not found, never a 500, and nothing stored."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from tests.web.conftest import Desk, hidden, seed_order, seed_ticket, sign_in
from tests.web.test_desk_integrations import create_hook, subscriptions
from ticketry.app import TicketryApp
from ticketry.domain.tickets.models import Ticket

TOO_BIG = str(2**63)
NUL = "a\x00b"


async def _tickets(app: TicketryApp, account_id: int) -> int:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        count = await session.scalar(
            select(func.count(Ticket.id)).where(Ticket.account_id == account_id)
        )
        return int(count or 0)


@pytest.mark.parametrize("value", [TOO_BIG, "9" * 30, "³", "١"])
async def test_desk_filters_out_of_range_filter_nothing(
    app: TicketryApp, client: httpx.AsyncClient, desk: Desk, value: str
) -> None:
    code = await seed_ticket(app, desk.account_id)
    await sign_in(client, desk)
    for name in ("state", "type", "tag", "assignee"):
        r = await client.get("/desk/tickets/", params={name: value})
        assert r.status_code == 200, (name, r.text)
        assert code in r.text


@pytest.mark.parametrize("value", [TOO_BIG, "9" * 30, "³"])
async def test_desk_update_form_names_a_choice_that_is_no_id(
    app: TicketryApp, client: httpx.AsyncClient, desk: Desk, value: str
) -> None:
    code = await seed_ticket(app, desk.account_id)
    await sign_in(client, desk)
    csrf = hidden((await client.get(f"/desk/tickets/{code}/")).text, "_csrf")
    labels = {"state": "State", "type": "Type", "assignee": "Assignee", "tags": "Tags"}
    for name, label in labels.items():
        r = await client.post(
            f"/desk/tickets/{code}/update", data={"_csrf": csrf, name: value, "priority": "high"}
        )
        assert r.status_code == 400, (name, r.text)
        # The summary names the field as the form labels it, not by its key.
        assert f"Please correct: {label}." in r.text
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.code == code))
        assert ticket is not None and ticket.priority != "high"  # nothing stored


async def test_desk_sign_in_with_nul_is_wrong_credentials(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    for field in ("account", "email", "password"):
        page = await client.get("/desk/login")
        data = {
            "_csrf": hidden(page.text, "_csrf"),
            "account": desk.slug,
            "email": desk.email,
            "password": "correct horse battery",
            field: NUL,
        }
        r = await client.post("/desk/login", data=data)
        assert r.status_code == 400, (field, r.text)
        assert "The account, e-mail or password is not right." in r.text
        assert "ticketry_desk" not in client.cookies


async def test_desk_and_portal_paths_with_nul_are_not_found(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    await sign_in(client, desk)
    assert (await client.get("/desk/tickets/a%00b/")).status_code == 404
    assert (await client.get("/portal/a%00b/")).status_code == 404
    assert (await client.get(f"/portal/{desk.slug}/t/a%00b")).status_code == 404


async def test_portal_look_up_with_nul_finds_nothing(
    app: TicketryApp, client: httpx.AsyncClient, desk: Desk
) -> None:
    await seed_order(app, desk.account_id, code="ORD-1", email="jana@example.com")
    for form in ({"order": NUL, "email": "jana@example.com"}, {"order": "ORD-1", "email": NUL}):
        for step in ("lookup", "submit"):
            r = await client.post(f"/portal/{desk.slug}/{step}", data=form)
            assert r.status_code in (200, 400), (step, form, r.text)
            assert "Trail running shoes" not in r.text
    assert await _tickets(app, desk.account_id) == 0


@pytest.mark.parametrize("qty", ["NaN", "sNaN", "Infinity", "-inf", "1e999999"])
async def test_portal_quantity_that_is_no_number_is_not_chosen(
    app: TicketryApp, client: httpx.AsyncClient, desk: Desk, qty: str
) -> None:
    _, item_ids = await seed_order(app, desk.account_id, code="ORD-5", email="a@example.com")
    r = await client.post(
        f"/portal/{desk.slug}/submit",
        data={
            "order": "ORD-5",
            "email": "a@example.com",
            f"qty-{item_ids[0]}": qty,
            f"qty-{TOO_BIG}": "1",
            "reason": TOO_BIG,
            "description": "Too small.",
        },
    )
    assert r.status_code == 400, r.text
    assert 'id="err-items"' in r.text
    assert await _tickets(app, desk.account_id) == 0


async def test_desk_webhook_host_label_over_63_characters_is_a_bad_url(
    app: TicketryApp, client: httpx.AsyncClient, desk: Desk
) -> None:
    await sign_in(client, desk)
    for url in (f"https://{'a' * 64}.example.com/hook", "https://a..example.com/hook"):
        r = await create_hook(client, url=url)
        assert r.status_code == 400, (url, r.text)
        assert "Enter a valid URL." in r.text
    assert await subscriptions(app, desk.account_id) == []


async def test_desk_error_summary_names_fields_by_their_labels(
    app: TicketryApp, client: httpx.AsyncClient, desk: Desk
) -> None:
    code = await seed_ticket(app, desk.account_id)
    await sign_in(client, desk)
    csrf = hidden((await client.get(f"/desk/tickets/{code}/")).text, "_csrf")
    text_file = ("notes.txt", b"just text", "text/plain")
    for form, field, label in (
        ("reply", "body", "Attach files to the reply"),
        ("note", "text", "Attach files to the note"),
    ):
        r = await client.post(
            f"/desk/tickets/{code}/{form}",
            data={"_csrf": csrf, field: "Hello"},
            files={"files": text_file},
        )
        assert r.status_code == 400, r.text
        assert f"Please correct: {label}." in r.text
        assert "Please correct: files." not in r.text
