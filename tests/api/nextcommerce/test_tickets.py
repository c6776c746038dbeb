"""Next Commerce tickets over HTTP: create, retrieve, PUT/PATCH, comments, errors."""

from __future__ import annotations

import httpx

from tests.api.nextcommerce.helpers import NCClient, nc_client
from ticketry.app import TicketryApp


async def test_create_with_first_comment(nc: NCClient) -> None:
    r = await nc.post(
        "/tickets/",
        json={
            "subject": "Wrong size",
            "priority": "high",
            "from_email": "Eva@Example.com",
            "order": "100234",
            "tags": ["vip", "sizing"],
            "comment": {"body": "The shoes are too small.", "from_email": "eva@example.com"},
        },
    )
    assert r.status_code == 201, r.text
    t = r.json()
    assert isinstance(t["id"], int)
    assert t["subject"] == "Wrong size"
    assert t["status"] == "new" and t["priority"] == "high" and t["channel"] == "api"
    assert t["order"] == "100234"
    assert t["tags"] == ["sizing", "vip"]
    assert t["products"] == [] and t["assignee"] is None
    (comment,) = t["comments"]
    assert comment["body"] == "The shoes are too small."
    assert comment["is_public"] is True and comment["author"] is None
    assert comment["from_email"] == "eva@example.com" and comment["attachments"] == []


async def test_create_minimal_and_defaults(nc: NCClient) -> None:
    r = await nc.post("/tickets/", json={})
    assert r.status_code == 201, r.text
    t = r.json()
    assert t["subject"] == "" and t["status"] == "new" and t["priority"] == "medium"
    assert t["order"] == "" and t["comments"] == [] and t["tags"] == []


async def test_bad_comment_creates_nothing(nc: NCClient) -> None:
    before = (await nc.get("/tickets/")).json()["results"]
    r = await nc.post("/tickets/", json={"subject": "x", "comment": {"body": ""}})
    assert r.status_code == 400
    assert r.json() == {"comment": {"body": ["This field may not be blank."]}}
    assert (await nc.get("/tickets/")).json()["results"] == before


async def test_validation_names_every_field(nc: NCClient) -> None:
    r = await nc.post(
        "/tickets/",
        json={
            "status": "archived",
            "priority": "urgent",
            "from_email": "nope",
            "requester": 99999999,
            "assignee": "x",
            "ticket_type": 2**70,
        },
    )
    assert r.status_code == 400
    body = r.json()
    assert body["status"] == ['"archived" is not a valid choice.']
    assert body["priority"] == ['"urgent" is not a valid choice.']
    assert set(body) >= {"status", "priority", "assignee"}


async def test_retrieve_update_patch(nc: NCClient, app: TicketryApp, client) -> None:
    t = await nc.create_ticket(subject="Initial")
    r = await nc.get(f"/tickets/{t['id']}/")
    assert r.status_code == 200 and r.json()["subject"] == "Initial"

    types = (await nc.get("/tickettypes/")).json()["results"]
    r = await nc.patch(
        f"/tickets/{t['id']}/",
        json={"status": "pending", "ticket_type": types[0]["id"], "tags": ["a"]},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "pending" and body["ticket_type"] == types[0]["id"]
    assert body["subject"] == "Initial" and body["tags"] == ["a"]
    assert body["updated_at"] >= t["updated_at"]

    r = await nc.put(f"/tickets/{t['id']}/", json={"subject": "Renamed", "priority": "low"})
    assert r.status_code == 200
    body = r.json()
    assert body["subject"] == "Renamed" and body["priority"] == "low"
    assert body["status"] == "pending"  # left out: kept

    r = await nc.patch(f"/tickets/{t['id']}/", json={"ticket_type": None, "tags": []})
    assert r.json()["ticket_type"] is None and r.json()["tags"] == []


async def test_requester_and_assignee(nc: NCClient) -> None:
    first = await nc.create_ticket(comment={"body": "hi", "from_email": "petr@example.com"})
    requester = first["comments"][0]
    assert requester["from_email"] == "petr@example.com"
    # The comment's contact is not the ticket's requester unless named; set it by id.
    found = (await nc.get("/tickets/", params={"filter_text": "petr@example.com"})).json()
    assert found["results"] == []
    r = await nc.patch(f"/tickets/{first['id']}/", json={"from_email": "petr@example.com"})
    assert r.json()["from_email"] == "petr@example.com"
    r = await nc.patch(f"/tickets/{first['id']}/", json={"requester": 2**40})
    assert r.status_code == 400 and "requester" in r.json()
    r = await nc.patch(f"/tickets/{first['id']}/", json={"assignee": 2**40})
    assert r.status_code == 400 and "assignee" in r.json()


async def test_comments_lifecycle(nc: NCClient, app: TicketryApp, client) -> None:
    t = await nc.create_ticket()
    # A customer's message (from_email, no author) on a new ticket leaves it new.
    r = await nc.post(
        f"/tickets/{t['id']}/comments/",
        json={"body": "Any news?", "from_email": "eva@example.com"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "new"
    # An internal note changes nothing and is kept private.
    r = await nc.post(
        f"/tickets/{t['id']}/comments/",
        json={"body": "Check stock", "is_public": False, "from_email": "eva@example.com"},
    )
    assert r.status_code == 200
    r = await nc.get(f"/tickets/{t['id']}/comments/")
    assert r.status_code == 200
    comments = r.json()["comments"]
    assert [c["body"] for c in comments] == ["Any news?", "Check stock"]
    assert [c["is_public"] for c in comments] == [True, False]
    assert comments[0]["id"] < comments[1]["id"]


async def test_agent_comment_makes_ticket_pending(app: TicketryApp, client) -> None:
    from tests.api.nextcommerce.helpers import client_credentials_token, make_oauth_app
    from tests.conftest import make_tenant

    tenant = await make_tenant(app)
    oauth = await make_oauth_app(app, tenant, as_user=True)
    nc = NCClient(client, await client_credentials_token(client, oauth), tenant)
    t = await nc.create_ticket(status="open")
    r = await nc.post(f"/tickets/{t['id']}/comments/", json={"body": "We are on it."})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "pending"
    assert isinstance(body["comments"][0]["author"], int)
    r = await nc.post(
        f"/tickets/{t['id']}/comments/",
        json={"body": "Still broken", "from_email": "c@example.com", "author": None},
    )
    assert r.json()["status"] == "open"


async def test_not_found_and_bad_ids(nc: NCClient, app: TicketryApp, client) -> None:
    r = await nc.get("/tickets/999999999/")
    assert r.status_code == 404 and r.json() == {"detail": "Not found."}
    r = await nc.get(f"/tickets/{2**70}/")
    assert r.status_code == 404
    r = await nc.post("/tickets/999999999/comments/", json={"body": "x"})
    assert r.status_code == 404
    other = await nc_client(app, client)
    mine = await nc.create_ticket()
    r = await other.get(f"/tickets/{mine['id']}/")
    assert r.status_code == 404


async def test_errors_are_drf_shaped(nc: NCClient) -> None:
    r = await nc.post("/tickets/", content=b"{nope", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["detail"].startswith("JSON parse error")
    r = await nc.post("/tickets/", json={"subject": "a\x00b"})
    assert r.status_code == 400 and r.json() == {"subject": ["Null characters are not allowed."]}
    r = await nc.request("DELETE", "/tickets/1/")
    assert r.status_code == 405 and r.json() == {"detail": 'Method "DELETE" not allowed.'}


async def test_form_encoded_create(nc: NCClient) -> None:
    r = await nc.post(
        "/tickets/",
        data={"subject": "From a form", "priority": "low", "tags": ["x", "y"]},
    )
    assert r.status_code == 201, r.text
    assert r.json()["subject"] == "From a form" and r.json()["tags"] == ["x", "y"]


async def test_version_header(nc: NCClient, client: httpx.AsyncClient) -> None:
    auth = {"Authorization": f"Bearer {nc.token}"}
    r = await client.get("/api/admin/tickets/", headers=auth)
    assert r.status_code == 200
    for value in ("unstable", "2023-02-10", "2024-04-01"):
        r = await client.get("/api/admin/tickets/", headers={**auth, "x-29next-api-version": value})
        assert r.status_code == 200
    r = await client.get("/api/admin/tickets/", headers={**auth, "X-29Next-Api-Version": "2099"})
    assert r.status_code == 400
    assert r.json() == {"detail": 'Invalid version in "X-29Next-Api-Version" header.'}


async def test_products_are_the_tickets_items(nc: NCClient, client: httpx.AsyncClient) -> None:
    t = await nc.create_ticket()
    r = await nc.post("/tickets/", json={"products": [1]})
    assert r.status_code == 400 and "products" in r.json()
    r = await nc.patch(f"/tickets/{t['id']}/", json={"products": [123456789]})
    assert r.status_code == 400
    assert r.json() == {"products": ['Invalid pk "123456789" - object does not exist.']}


async def test_wrong_types_read_as_drf_words_them(nc: NCClient) -> None:
    # DRF's sentences (the table Retino uses), not msgspec's "Expected `int`, got `str`".
    r = await nc.post(
        "/tickets/",
        json={
            "subject": 5,
            "assignee": "x",
            "products": ["a"],
            "requester": 1.5,
            "comment": {"is_public": "maybe", "body": 3, "attachments": 7},
        },
    )
    assert r.status_code == 400
    assert r.json() == {
        "subject": ["Not a valid string."],
        "assignee": ["A valid integer is required."],
        "products": ["A valid integer is required."],
        "requester": ["A valid integer is required."],
        "comment": {
            "is_public": ["Must be a valid boolean."],
            "body": ["Not a valid string."],
            "attachments": ['Expected a list of items but got type "int".'],
        },
    }
    t = await nc.create_ticket()
    r = await nc.patch(f"/tickets/{t['id']}/", json={"tags": "vip", "order": {}})
    assert r.status_code == 400
    assert r.json() == {
        "tags": ['Expected a list of items but got type "str".'],
        "order": ["Not a valid string."],
    }
    r = await nc.post(
        f"/tickets/{t['id']}/comments/",
        data={"body": "Hi", "is_public": "maybe", "author": "me"},
    )
    assert r.status_code == 400
    assert r.json() == {
        "is_public": ["Must be a valid boolean."],
        "author": ["A valid integer is required."],
    }
