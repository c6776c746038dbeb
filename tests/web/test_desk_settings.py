"""Reference data edited on the desk's settings pages, over HTTP through the real app."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tests.api.paymenter.conftest import issue_key
from tests.web.conftest import PASSWORD, Desk, hidden, make_desk, seed_ticket, sign_in
from ticketry.app import TicketryApp
from ticketry.domain.accounts.models import Account, User
from ticketry.domain.accounts.passwords import password_hash
from ticketry.domain.accounts.services import token_issue, user_get_or_create
from ticketry.domain.catalog.models import CustomField, Department, Tag, TicketState, TicketType
from ticketry.domain.conversations.contacts import contact_get_or_create
from ticketry.domain.tickets.models import Ticket

KINDS = ["states", "types", "tags", "fields", "departments"]
MODELS: dict[str, Any] = {
    "states": TicketState,
    "types": TicketType,
    "tags": Tag,
    "fields": CustomField,
    "departments": Department,
}


async def _csrf(client: httpx.AsyncClient, desk: Desk, kind: str = "states") -> str:
    await sign_in(client, desk)
    page = await client.get(f"/desk/settings/{kind}/")
    assert page.status_code == 200
    return hidden(page.text, "_csrf")


async def _rows(app: TicketryApp, model: Any, account_id: int) -> list[Any]:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        rows = await session.scalars(
            select(model).where(model.account_id == account_id).order_by(model.id)
        )
        return list(rows)


async def _one(app: TicketryApp, model: Any, account_id: int, **where: Any) -> Any:
    rows = await _rows(app, model, account_id)
    found = [r for r in rows if all(getattr(r, k) == v for k, v in where.items())]
    assert len(found) == 1, found
    return found[0]


async def _api_headers(app: TicketryApp, desk: Desk) -> dict[str, str]:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        user = await session.get(User, desk.user_id)
        assert user is not None
        raw = await token_issue(session, user=user)
        await session.commit()
    return {"Authorization": f"Token {raw}"}


async def _agent(app: TicketryApp, desk: Desk) -> Desk:
    """A second user of the desk's account, without the admin role."""
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        account = await session.get(Account, desk.account_id)
        assert account is not None
        email = f"agent-{uuid.uuid4().hex[:6]}@{desk.slug}.test"
        user, _ = await user_get_or_create(session, account=account, email=email, role="agent")
        user.password_hash = password_hash(PASSWORD)
        await session.commit()
        return Desk(slug=desk.slug, account_id=desk.account_id, email=email, user_id=user.id)


CONFIRMED_DELETE = {"action": "delete", "confirm_delete": "1"}


def _done(response: httpx.Response, kind: str, what: str) -> None:
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/desk/settings/{kind}/?done={what}"


async def test_admin_creates_edits_and_deletes_a_state(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    csrf = await _csrf(client, desk)
    created = await client.post(
        "/desk/settings/states",
        data={
            "_csrf": csrf,
            "name_cs": "Čeká na díly",
            "name_en": "Waiting for parts",
            "status": "pending",
            "is_default": "1",
        },
    )
    _done(created, "states", "created")
    state = await _one(app, TicketState, desk.account_id, status="pending", is_default=True)
    assert state.name == {"cs": "Čeká na díly", "en": "Waiting for parts"}
    page = await client.get(created.headers["location"])
    assert "State created." in page.text and "Čeká na díly" in page.text

    edited = await client.post(
        f"/desk/settings/states/{state.public_id}",
        data={
            "_csrf": csrf,
            "name_cs": "Čeká na náhradní díly",
            "name_en": "Waiting for spare parts",
            "status": "pending",
            "is_default": "1",
            "position": "2",
        },
    )
    _done(edited, "states", "saved")
    api = await client.get("/api/v2/states", headers=await _api_headers(app, desk))
    names = {row["id"]: row["name"] for row in api.json()["results"]}
    assert names[str(state.public_id)] == {
        "cs": "Čeká na náhradní díly",
        "en": "Waiting for spare parts",
    }

    deleted = await client.post(
        f"/desk/settings/states/{state.public_id}", data={"_csrf": csrf, **CONFIRMED_DELETE}
    )
    _done(deleted, "states", "deleted")
    assert state.id not in [s.id for s in await _rows(app, TicketState, desk.account_id)]
    # The status keeps exactly one default.
    await _one(app, TicketState, desk.account_id, status="pending", is_default=True)


async def test_admin_creates_edits_and_deletes_a_type(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    csrf = await _csrf(client, desk, "types")
    created = await client.post(
        "/desk/settings/types",
        data={"_csrf": csrf, "name_cs": "Záruka", "name_en": "Warranty", "kind": "warranty"},
    )
    _done(created, "types", "created")
    ticket_type = await _one(app, TicketType, desk.account_id, kind="warranty")
    edited = await client.post(
        f"/desk/settings/types/{ticket_type.public_id}",
        data={"_csrf": csrf, "name_cs": "", "name_en": "Repair", "kind": "complaint"},
    )
    _done(edited, "types", "saved")
    again = await _one(app, TicketType, desk.account_id, id=ticket_type.id)
    assert again.name == {"en": "Repair"} and again.kind == "complaint"
    api = await client.get("/api/v2/types", headers=await _api_headers(app, desk))
    assert {"en": "Repair"} in [row["name"] for row in api.json()["results"]]
    deleted = await client.post(
        f"/desk/settings/types/{ticket_type.public_id}", data={"_csrf": csrf, **CONFIRMED_DELETE}
    )
    _done(deleted, "types", "deleted")
    assert ticket_type.id not in [t.id for t in await _rows(app, TicketType, desk.account_id)]


async def test_admin_edits_departments_paymenter_files_tickets_under(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    key = await issue_key(app, desk.account_id)
    paymenter = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        user_id = await contact_get_or_create(
            session, account_id=desk.account_id, email="jan@example.com", name="Jan"
        )
        await session.commit()

    async def paymenter_create(department: str) -> httpx.Response:
        body = {"subject": "Invoice", "user_id": user_id, "department": department}
        return await client.post("/api/v1/admin/tickets", json=body, headers=paymenter)

    csrf = await _csrf(client, desk, "departments")
    overview = await client.get("/desk/settings/")
    assert "<code>billing</code>" in overview.text  # a new account's defaults
    assert (await paymenter_create("Hardware")).status_code == 422
    created = await client.post(
        "/desk/settings/departments", data={"_csrf": csrf, "name": " Hardware ", "position": ""}
    )
    _done(created, "departments", "created")
    page = await client.get(created.headers["location"])
    assert "Department created." in page.text and "<code>Hardware</code>" in page.text
    hardware = await _one(app, Department, desk.account_id, name="Hardware")
    r = await paymenter_create("Hardware")
    assert r.status_code == 201, r.text
    ticket_id = r.json()["data"]["id"]

    taken = await client.post(
        f"/desk/settings/departments/{hardware.public_id}",
        data={"_csrf": csrf, "name": "billing", "position": "1"},
    )
    assert taken.status_code == 400
    assert "A department named &#34;billing&#34; already exists." in taken.text
    assert 'value="billing"' in taken.text  # the typed value is kept
    renamed = await client.post(
        f"/desk/settings/departments/{hardware.public_id}",
        data={"_csrf": csrf, "name": "Devices", "position": "0"},
    )
    _done(renamed, "departments", "saved")
    r = await client.get(f"/api/v1/admin/tickets/{ticket_id}", headers=paymenter)
    assert r.json()["data"]["attributes"]["department"] == "Devices"

    deleted = await client.post(
        f"/desk/settings/departments/{hardware.public_id}",
        data={"_csrf": csrf, **CONFIRMED_DELETE},
    )
    _done(deleted, "departments", "deleted")
    assert [d.name for d in await _rows(app, Department, desk.account_id)] == [
        "Support",
        "Sales",
        "billing",
        "technical",
    ]
    assert (await paymenter_create("Devices")).status_code == 422


async def test_admin_creates_edits_and_deletes_a_tag(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    csrf = await _csrf(client, desk, "tags")
    created = await client.post(
        "/desk/settings/tags",
        data={
            "_csrf": csrf,
            "name_en": "Fragile",
            "label": "fragile",
            "fgcolor": "#ffffff",
            "bgcolor": "#00aa00",
        },
    )
    _done(created, "tags", "created")
    tag = await _one(app, Tag, desk.account_id, label="fragile")
    edited = await client.post(
        f"/desk/settings/tags/{tag.public_id}",
        data={
            "_csrf": csrf,
            "name_cs": "Křehké",
            "name_en": "Handle with care",
            "label": "fragile",
            "fgcolor": "#000000",
            "bgcolor": "#FFEE00",
        },
    )
    _done(edited, "tags", "saved")
    api = await client.get("/api/v2/tags", headers=await _api_headers(app, desk))
    (row,) = [r for r in api.json()["results"] if r["id"] == str(tag.public_id)]
    assert row["name"] == {"cs": "Křehké", "en": "Handle with care"}
    assert (row["fgcolor"], row["bgcolor"]) == ("#000000", "#ffee00")
    deleted = await client.post(
        f"/desk/settings/tags/{tag.public_id}", data={"_csrf": csrf, **CONFIRMED_DELETE}
    )
    _done(deleted, "tags", "deleted")
    assert "fragile" not in [t.label for t in await _rows(app, Tag, desk.account_id)]


async def test_admin_creates_edits_and_deletes_a_custom_field(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    csrf = await _csrf(client, desk, "fields")
    created = await client.post(
        "/desk/settings/fields",
        data={
            "_csrf": csrf,
            "name_en": "Size",
            "target": "ticket",
            "key": "size",
            "type": "SINGLE_SELECT",
            "opt-0-id": "",
            "opt-0-label-en": "Small",
            "opt-1-id": "",
            "opt-1-label-cs": "Velké",
            "opt-1-label-en": "Large",
            "opt-2-id": "",
            "opt-2-label-en": "",
        },
    )
    _done(created, "fields", "created")
    field = await _one(app, CustomField, desk.account_id, key="size")
    assert [o["label"] for o in field.options] == [{"en": "Small"}, {"cs": "Velké", "en": "Large"}]
    small, large = (o["id"] for o in field.options)
    page = await client.get("/desk/settings/fields/")
    assert f'name="opt-0-id" value="{small}"' in page.text  # option ids round-trip

    edited = await client.post(
        f"/desk/settings/fields/{field.public_id}",
        data={
            "_csrf": csrf,
            "name_en": "Size",
            "type": "SINGLE_SELECT",
            "is_required": "1",
            "position": "5",
            "opt-0-id": small,
            "opt-0-label-en": "Small",
            "opt-0-remove": "1",
            "opt-1-id": large,
            "opt-1-label-en": "Large",
            "opt-2-id": "",
            "opt-2-label-en": "Medium",
        },
    )
    _done(edited, "fields", "saved")
    again = await _one(app, CustomField, desk.account_id, id=field.id)
    assert [o["label"]["en"] for o in again.options] == ["Large", "Medium"]
    assert again.options[0]["id"] == large and again.is_required and again.position == 5

    deleted = await client.post(
        f"/desk/settings/fields/{field.public_id}", data={"_csrf": csrf, **CONFIRMED_DELETE}
    )
    _done(deleted, "fields", "deleted")
    assert "size" not in [f.key for f in await _rows(app, CustomField, desk.account_id)]


INVALID: dict[str, tuple[dict[str, str], str, str, str]] = {
    # kind: (form, field, message, a typed value that must come back)
    "states": (
        {"name_cs": "Ztraceno", "name_en": "x" * 101, "status": "lost", "position": "first"},
        "status",
        "&#34;lost&#34; is not a valid choice.",
        'value="Ztraceno"',
    ),
    "types": (
        {"name_cs": " ", "name_en": "", "kind": "refund", "position": "3"},
        "name",
        "Enter a name in at least one language.",
        'value="3"',
    ),
    "tags": (
        {"name_en": "Again", "label": "vip", "fgcolor": "#ffffff", "bgcolor": "#000000"},
        "label",
        "A tag labelled &#34;vip&#34; already exists.",
        'value="Again"',
    ),
    "fields": (
        {"name_en": "Bad", "target": "ticket", "key": "Bad Key!", "type": "MULTI_SELECT"},
        "key",
        "Use lower-case letters, digits and underscores, starting with a letter.",
        'value="Bad Key!"',
    ),
    "departments": (
        {"name": "x" * 101, "position": "last"},
        "name",
        "Ensure this field has no more than 100 characters.",
        'value="last"',
    ),
}


@pytest.mark.parametrize("kind", KINDS)
async def test_invalid_input_is_400_and_writes_nothing(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk, kind: str
) -> None:
    csrf = await _csrf(client, desk, kind)
    before = len(await _rows(app, MODELS[kind], desk.account_id))
    form, field, message, kept = INVALID[kind]
    response = await client.post(f"/desk/settings/{kind}", data={"_csrf": csrf, **form})
    assert response.status_code == 400
    text = response.text
    assert f'id="err-new-{field}">{message}' in text  # the message, next to its field
    assert f'aria-invalid="true" aria-describedby="err-new-{field}"' in text
    assert kept in text
    assert len(await _rows(app, MODELS[kind], desk.account_id)) == before
    if kind == "states":  # every bad field at once, the form's own parsing included
        assert 'id="err-new-name"' in text and "Enter a whole number." in text
    if kind == "fields":
        assert "A select field needs at least one option." in text


async def test_bad_edit_keeps_the_values_and_the_row(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    csrf = await _csrf(client, desk, "tags")
    tag = await _one(app, Tag, desk.account_id, label="vip")
    response = await client.post(
        f"/desk/settings/tags/{tag.public_id}",
        data={
            "_csrf": csrf,
            "name_en": "Very important",
            "label": "urgent",
            "fgcolor": "white",
            "bgcolor": "#000000",
        },
    )
    assert response.status_code == 400
    fid = str(tag.public_id)
    assert f'id="err-{fid}-label">A tag labelled &#34;urgent&#34; already exists.' in response.text
    assert f'id="err-{fid}-fgcolor">Enter a colour as #rrggbb.' in response.text
    assert 'value="Very important"' in response.text
    again = await _one(app, Tag, desk.account_id, id=tag.id)
    assert again.label == "vip" and again.name == tag.name


async def test_state_in_use_is_not_deleted(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    code = await seed_ticket(app, desk.account_id)
    ticket = await _one(app, Ticket, desk.account_id, code=code)
    state = await _one(app, TicketState, desk.account_id, id=ticket.state_id)
    csrf = await _csrf(client, desk)
    response = await client.post(
        f"/desk/settings/states/{state.public_id}", data={"_csrf": csrf, **CONFIRMED_DELETE}
    )
    assert response.status_code == 400
    assert "1 ticket is in this state: move them to another state first." in response.text
    assert "only state" in response.text  # "new" has no other state either
    assert await _one(app, TicketState, desk.account_id, id=state.id)


async def test_non_admin_reads_but_cannot_change(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    agent = await _agent(app, desk)
    await sign_in(client, agent)
    tag = await _one(app, Tag, desk.account_id, label="vip")
    for kind in KINDS:
        page = await client.get(f"/desk/settings/{kind}/")
        assert page.status_code == 200
        assert '<form method="post" action="/desk/settings/' not in page.text
    csrf = hidden(page.text, "_csrf")
    created = await client.post(
        "/desk/settings/tags",
        data={"_csrf": csrf, "name_en": "Mine", "label": "mine", "fgcolor": "#000000"},
    )
    assert created.status_code == 403
    deleted = await client.post(
        f"/desk/settings/tags/{tag.public_id}", data={"_csrf": csrf, **CONFIRMED_DELETE}
    )
    assert deleted.status_code == 403
    labels = [t.label for t in await _rows(app, Tag, desk.account_id)]
    assert "vip" in labels and "mine" not in labels


async def test_another_accounts_rows_are_404(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    other = await make_desk(app)
    csrf = await _csrf(client, desk)
    for kind, model in MODELS.items():
        (theirs, *_) = await _rows(app, model, other.account_id)
        for action in ({"action": "save"}, {"action": "delete"}, CONFIRMED_DELETE):
            response = await client.post(
                f"/desk/settings/{kind}/{theirs.public_id}",
                data={"_csrf": csrf, **action, "name_en": "Hijacked", "status": "new"},
            )
            assert response.status_code == 404, (kind, action)
        again = await _one(app, model, other.account_id, id=theirs.id)
        assert again.name == theirs.name


async def test_changes_need_the_csrf_token(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk
) -> None:
    await sign_in(client, desk)
    response = await client.post(
        "/desk/settings/tags",
        data={"name_en": "Forged", "label": "forged", "fgcolor": "#000000", "bgcolor": "#ffffff"},
    )
    assert response.status_code == 403
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Tag)
            .where(Tag.account_id == desk.account_id, Tag.label == "forged")
        )
    assert count == 0


@pytest.mark.parametrize("kind", KINDS)
async def test_delete_asks_first_and_needs_the_box_ticked(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk, kind: str
) -> None:
    """The delete button sits in a closed disclosure with a warning, next to a box that must
    be ticked: without it the server deletes nothing and says so (no JavaScript needed)."""
    csrf = await _csrf(client, desk, kind)
    row = (await _rows(app, MODELS[kind], desk.account_id))[-1]
    fid = str(row.public_id)
    page = await client.get(f"/desk/settings/{kind}/")
    form = page.text.split(f'action="/desk/settings/{kind}/{fid}"')[1].split("</form>")[0]
    disclosure = form.split("<details>")[1].split("</details>")[0]
    assert "<summary>Delete…" in disclosure and "This cannot be undone." in disclosure
    assert 'type="checkbox" name="confirm_delete"' in disclosure
    assert 'name="action" value="delete"' in disclosure
    assert 'value="delete"' not in form.split("<details>")[0]  # Save only, outside

    response = await client.post(
        f"/desk/settings/{kind}/{fid}", data={"_csrf": csrf, "action": "delete"}
    )
    assert response.status_code == 400
    assert "Nothing was deleted." in response.text
    assert f'id="err-{fid}-confirm_delete">Tick the box' in response.text
    assert f'aria-invalid="true" aria-describedby="err-{fid}-confirm_delete"' in response.text
    again = response.text.split(f'action="/desk/settings/{kind}/{fid}"')[1].split("</form>")[0]
    assert "<details open>" in again  # the disclosure, open at the box
    assert await _one(app, MODELS[kind], desk.account_id, id=row.id)
