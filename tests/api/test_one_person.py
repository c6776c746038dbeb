"""One person behind every ticket: a ticket created on any face shows the same person (e-mail,
name, id) on every other face, and a search by that e-mail, in any letter case, finds it on
every face that searches (Retino ``search``, Next Commerce ``filter_text``, Paymenter
``filter[user_id]``; PORTOS has no search by customer)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.api.nextcommerce.conftest import set_rate_limit
from tests.api.nextcommerce.helpers import NCClient, client_credentials_token, make_oauth_app
from tests.api.paymenter.conftest import BASE as PAYMENTER
from tests.api.paymenter.conftest import issue_key
from tests.api.portos.helpers import BASE as PORTOS
from tests.api.portos.helpers import Till, sign_in
from tests.api.portos.helpers import create as portos_create
from tests.conftest import Tenant
from tests.factories import ticket_body
from ticketry.app import TicketryApp
from ticketry.domain.conversations.contacts import contact_get_or_create
from ticketry.domain.tickets.models import Ticket

NAME = "Zuzana Kovářová"


@dataclass
class Faces:
    """One account, signed in on every face."""

    till: Till  # PORTOS, and the same agent's Retino token
    nc: NCClient
    paymenter: dict[str, str]
    account_id: int


@pytest.fixture
async def faces(app: TicketryApp, client: httpx.AsyncClient) -> Any:
    old = set_rate_limit(app, 0)
    till = await sign_in(client, app, role="admin")
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        from ticketry.domain.accounts.services import account_get

        account = await account_get(session, slug=till.slug)
        account_id = account.id
    tenant = Tenant(till.slug, till.retino_token, account_id, uuid.uuid4())
    oauth = await make_oauth_app(app, tenant)
    nc = NCClient(client, await client_credentials_token(client, oauth), tenant)
    key = await issue_key(app, account_id)
    paymenter = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
    yield Faces(till, nc, paymenter, account_id)
    set_rate_limit(app, old)


def _address() -> str:
    """Mixed case on purpose: persons are matched whatever the case."""
    return f"Zuzana.Kovarova+{uuid.uuid4().hex[:8]}@Example.COM"


async def _person(app: TicketryApp, account_id: int, email: str, name: str = NAME) -> int:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        person = await contact_get_or_create(session, account_id=account_id, email=email, name=name)
        await session.commit()
        return person


async def _ids(app: TicketryApp, *, id_: int | None = None, public: str | None = None) -> Ticket:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        where = Ticket.id == id_ if id_ is not None else Ticket.public_id == uuid.UUID(public)
        ticket = await session.scalar(select(Ticket).where(where))
        assert ticket is not None
        return ticket


async def _create(
    face: str, app: TicketryApp, client: httpx.AsyncClient, f: Faces, email: str
) -> Ticket:
    """A ticket for the person of ``email`` created on ``face``, as that face gives one."""
    customer = {"name": NAME, "email": email}
    if face == "retino":
        r = await client.post(
            "/api/v2/tickets",
            json={"customer": customer, "currency": "CZK", "language": "cs"},
            headers=f.till.retino,
        )
        assert r.status_code == 201, r.text
        return await _ids(app, public=r.json()["id"])
    if face == "nextcommerce":  # only the address the ticket came from
        return await _ids(app, id_=(await f.nc.create_ticket(from_email=email))["id"])
    if face == "paymenter":  # a user id: the person, known already
        user_id = await _person(app, f.account_id, email)
        r = await client.post(
            f"{PAYMENTER}/tickets",
            json={"subject": "Invoice", "user_id": user_id},
            headers=f.paymenter,
        )
        assert r.status_code == 201, r.text
        return await _ids(app, id_=int(r.json()["data"]["id"]))
    assert face == "portos"
    created = await portos_create(client, f.till, customer=customer)
    return await _ids(app, public=created["id"])


async def _read_everywhere(
    client: httpx.AsyncClient, f: Faces, ticket: Ticket, email: str, name: str
) -> None:
    person = ticket.requester_id
    assert person is not None
    r = await client.get(f"/api/v2/tickets/{ticket.public_id}", headers=f.till.retino)
    assert r.status_code == 200, r.text
    assert r.json()["customer"]["email"] == email.lower()
    assert r.json()["customer"]["name"] == name

    r = await f.nc.get(f"/tickets/{ticket.id}/")
    assert r.status_code == 200, r.text
    assert r.json()["requester"] == person
    assert r.json()["from_email"].lower() == email.lower()

    r = await client.get(f"{PAYMENTER}/tickets/{ticket.id}?include=user", headers=f.paymenter)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["data"]["attributes"]["user_id"] == person
    (user,) = doc["included"]
    assert user["id"] == str(person) and user["attributes"]["email"] == email.lower()
    parts = (user["attributes"]["first_name"], user["attributes"]["last_name"])
    assert " ".join(p for p in parts if p) == name

    r = await client.get(f"{PORTOS}/tickets/{ticket.public_id}", headers=f.till.headers)
    assert r.status_code == 200, r.text
    assert r.json()["customer"]["email"] == email.lower()
    assert r.json()["customer"]["name"] == name


async def _found_everywhere(
    client: httpx.AsyncClient, f: Faces, ticket: Ticket, needle: str
) -> None:
    r = await client.get("/api/v2/tickets/search", params={"search": needle}, headers=f.till.retino)
    assert r.status_code == 200, r.text
    assert [t["id"] for t in r.json()["results"]] == [str(ticket.public_id)]

    r = await f.nc.get("/tickets/", params={"filter_text": needle})
    assert r.status_code == 200, r.text
    assert [t["id"] for t in r.json()["results"]] == [ticket.id]

    r = await client.get(
        f"{PAYMENTER}/tickets", params={"filter[user_id]": ticket.requester_id}, headers=f.paymenter
    )
    assert r.status_code == 200, r.text
    assert [t["id"] for t in r.json()["data"]] == [str(ticket.id)]


@pytest.mark.parametrize("face", ["retino", "nextcommerce", "paymenter", "portos"])
async def test_a_ticket_from_any_face_shows_one_person_on_every_face(
    app: TicketryApp, client: httpx.AsyncClient, faces: Faces, face: str
) -> None:
    email = _address()
    ticket = await _create(face, app, client, faces, email)
    # Next Commerce gives only an address: the person has no name until someone says it.
    name = "" if face == "nextcommerce" else NAME
    await _read_everywhere(client, faces, ticket, email, name)
    await _found_everywhere(client, faces, ticket, email.upper())
    await _found_everywhere(client, faces, ticket, email.lower())


@pytest.mark.parametrize("face", ["retino", "nextcommerce", "paymenter", "portos"])
async def test_every_face_finds_the_person_another_face_made(
    app: TicketryApp, client: httpx.AsyncClient, faces: Faces, face: str
) -> None:
    """The person is made by Retino; a ticket from ``face`` in another letter case is theirs."""
    email = _address()
    first = await _create("retino", app, client, faces, email.lower())
    again = await _create(face, app, client, faces, email.swapcase())
    assert again.requester_id == first.requester_id
    await _read_everywhere(client, faces, again, email, NAME)  # the name the person has


async def test_changing_the_customer_moves_the_ticket_to_that_person(
    app: TicketryApp, client: httpx.AsyncClient, faces: Faces
) -> None:
    ticket = await _create("portos", app, client, faces, _address())
    other = _address()
    r = await client.patch(
        f"/api/v2/tickets/{ticket.public_id}",
        json={"customer": {"email": other, "name": "Eva Malá"}},
        headers=faces.till.retino,
    )
    assert r.status_code == 200, r.text
    moved = await _ids(app, id_=ticket.id)
    assert moved.requester_id not in (None, ticket.requester_id)
    await _read_everywhere(client, faces, moved, other, "Eva Malá")
    await _found_everywhere(client, faces, moved, other.upper())
    # Next Commerce names a person by id: the ticket shows that person everywhere.
    r = await faces.nc.patch(f"/tickets/{ticket.id}/", json={"requester": ticket.requester_id})
    assert r.status_code == 200, r.text
    assert r.json()["requester"] == ticket.requester_id
    back = await _ids(app, id_=ticket.id)
    await _read_everywhere(client, faces, back, ticket.customer_email, NAME)


async def test_an_emptied_phone_reads_back_empty_and_the_person_keeps_theirs(
    app: TicketryApp, client: httpx.AsyncClient, faces: Faces
) -> None:
    email = _address()
    headers = faces.till.retino
    body = {"customer": {"email": email, "name": NAME, "phone": "601234567"}}
    r = await client.post("/api/v2/tickets", json=ticket_body(**body), headers=headers)
    assert r.status_code == 201, r.text
    first = r.json()
    r = await client.patch(
        f"/api/v2/tickets/{first['id']}", json={"customer": {"phone": ""}}, headers=headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["customer"]["phone"] == ""
    r = await client.get(f"/api/v2/tickets/{first['id']}", headers=headers)
    assert (r.json()["customer"]["phone"], r.json()["customer"]["email"]) == ("", email.lower())
    # The person was not wiped by one ticket's blank: their next ticket shows the phone.
    r = await client.post(
        "/api/v2/tickets", json=ticket_body(customer={"email": email}), headers=headers
    )
    assert r.status_code == 201, r.text
    assert r.json()["customer"]["phone"] == "601234567"
