"""PORTOS against guessing (issue 14): sign-ins are throttled, an unknown e-mail costs a
password check, an e-mail in several accounts signs in deterministically, and a ticket id of
another account tells nothing about it."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select

from tests.api.portos.helpers import BASE, PASSWORD, create, make_agent, sign_in, ticket_body
from tests.api.portos.test_tickets import assert_problem
from tests.conftest import FakeClock
from ticketry.app import TicketryApp
from ticketry.domain.accounts import passwords
from ticketry.domain.accounts.passwords import password_hash
from ticketry.domain.accounts.services import account_get_or_create, user_get_or_create
from ticketry.domain.tickets.models import Ticket


async def _auth(client: httpx.AsyncClient, user_name: str, password: str) -> httpx.Response:
    return await client.post(
        f"{BASE}/auth", json={"UserName": user_name, "Password": password, "DeviceName": "K1"}
    )


async def test_failed_sign_ins_slow_down_then_lock_out(
    client: httpx.AsyncClient, app: TicketryApp, signin_clock: FakeClock
) -> None:
    _, email, _, _ = await make_agent(app)
    for _ in range(5):
        assert_problem(await _auth(client, email, "wrong"), 401, 1)
    # Five failures in a row: the next attempt waits a second, whatever its password.
    r = await _auth(client, email, PASSWORD)
    body = assert_problem(r, 429, 1)
    assert r.headers["retry-after"] == "1"
    assert "Try again in 1 second" in body["detail"]
    waits = []
    for _ in range(5):
        signin_clock.advance(int(r.headers["retry-after"]))
        r = await _auth(client, email, "wrong")
        assert_problem(r, 401, 1)
        r = await _auth(client, email, PASSWORD)
        assert r.status_code == 429
        waits.append(int(r.headers["retry-after"]))
    assert waits == [2, 4, 8, 16, 900]  # growing, then the lockout
    signin_clock.advance(899)
    r = await _auth(client, email, PASSWORD)  # the right password is refused while locked
    assert_problem(r, 429, 1)
    assert r.headers["retry-after"] == "1"
    signin_clock.advance(1)
    assert (await _auth(client, email, PASSWORD)).status_code == 200
    # A right password forgets the failures.
    assert_problem(await _auth(client, email, "wrong"), 401, 1)
    assert (await _auth(client, email, PASSWORD)).status_code == 200


async def test_one_address_guessing_many_e_mails_is_locked_out(
    client: httpx.AsyncClient,
    app: TicketryApp,
    signin_clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert app.runtime is not None and app.runtime.signin_throttle is not None
    throttle = app.runtime.signin_throttle
    monkeypatch.setattr(throttle, "address_policy", type(throttle.address_policy)(2, 4, 900))
    _, email, _, _ = await make_agent(app)
    for n in range(4):
        signin_clock.advance(60)
        assert_problem(await _auth(client, f"guess-{n}@example.com", "x"), 401, 1)
    r = await _auth(client, email, PASSWORD)
    assert_problem(r, 429, 1)
    assert r.headers["retry-after"] == "900"


async def test_unknown_e_mail_costs_a_password_check(
    client: httpx.AsyncClient, app: TicketryApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without it an unknown e-mail answered in ~3 ms and an agent's in ~640 ms."""
    checks: list[str] = []
    real = passwords._hasher

    class Counting:
        def verify(self, stored: str, password: str) -> bool:
            checks.append(stored)
            return real.verify(stored, password)

    _, email, _, _ = await make_agent(app)
    monkeypatch.setattr(passwords, "_hasher", Counting())
    assert_problem(await _auth(client, email, "wrong"), 401, 1)
    assert len(checks) == 1
    assert_problem(await _auth(client, f"nobody-{uuid.uuid4().hex}@example.com", "wrong"), 401, 1)
    assert len(checks) == 2


async def _agent_in(app: TicketryApp, slug: str, email: str, password: str) -> None:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        account, _ = await account_get_or_create(session, slug=slug)
        user, _ = await user_get_or_create(session, account=account, email=email, role="admin")
        user.password_hash = password_hash(password)
        await session.commit()


async def test_e_mail_in_two_accounts(client: httpx.AsyncClient, app: TicketryApp) -> None:
    email = f"both-{uuid.uuid4().hex[:6]}@example.com"
    first, second = f"a-{uuid.uuid4().hex[:8]}", f"b-{uuid.uuid4().hex[:8]}"
    await _agent_in(app, first, email, PASSWORD)
    await _agent_in(app, second, email, PASSWORD)
    # The same password in both: refused as ambiguous, every time.
    for _ in range(2):
        body = assert_problem(await _auth(client, email, PASSWORD), 400, 3)
        assert [e["memberName"] for e in body["errors"]] == ["userName"]
        assert "ACCOUNT/e-mail" in body["errors"][0]["message"]
    # Naming the account picks it.
    for slug in (second, first):
        r = await _auth(client, f"{slug}/{email}", PASSWORD)
        assert r.status_code == 200, r.text
        bearer = {"Authorization": f"Bearer {r.json()['tokenId']}"}
        mine = await client.post(f"{BASE}/tickets", json=ticket_body(), headers=bearer)
        assert mine.status_code == 201
        assert app.runtime is not None
        async with app.runtime.sessionmaker() as session:
            from ticketry.domain.accounts.models import Account

            owner = await session.scalar(
                select(Account.slug)
                .join(Ticket, Ticket.account_id == Account.id)
                .where(Ticket.public_id == uuid.UUID(mine.json()["id"]))
            )
        assert owner == slug
    assert_problem(await _auth(client, f"{first}/{email}", "wrong"), 401, 1)
    # A password right in one account only signs in there.
    await _agent_in(app, second, email, "another password")
    r = await _auth(client, email, "another password")
    assert r.status_code == 200, r.text
    assert_problem(await _auth(client, f"{first}/{email}", "another password"), 401, 1)


async def test_ticket_id_of_another_account_tells_nothing(
    client: httpx.AsyncClient, app: TicketryApp
) -> None:
    rights = ["TicketCreate", "TicketUpdate"]
    theirs = await sign_in(client, app, device="T1", rights=rights)
    mine = await sign_in(client, app, device="T2", rights=rights)
    ticket = await create(client, theirs, name="Their table")
    url = f"{BASE}/tickets/{ticket['id']}"
    read = await client.get(url, headers=mine.headers)
    expected = assert_problem(read, 404, None)
    put = await client.put(url, json=ticket_body(name="Mine"), headers=mine.headers)
    post = await client.post(
        f"{BASE}/tickets", json=ticket_body(id=ticket["id"]), headers=mine.headers
    )
    for r in (put, post):
        body = assert_problem(r, 404, None)
        assert {k: v for k, v in body.items() if k not in ("instance", "traceId")} == {
            k: v for k, v in expected.items() if k not in ("instance", "traceId")
        }
        assert "exist" not in r.text
    after = await client.get(url, headers=theirs.headers)
    assert after.json()["name"] == "Their table" and after.json()["_v"] == ticket["_v"]
