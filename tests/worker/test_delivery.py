"""The worker over real HTTP: delivery, signature, retries, order, disabling, rollback."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from tests.conftest import Tenant, make_tenant
from tests.factories import add_product, create_ticket, ticket_body
from tests.worker.helpers import deliveries_of, drive, new_worker, subscribe
from tests.worker.receiver import Receiver
from ticketry.app import TicketryApp
from ticketry.domain.events.models import Event
from ticketry.domain.webhooks.models import FAILED, SUCCEEDED, WebhookSubscription
from ticketry.worker.signing import signature_verify


@pytest.fixture
async def hclient(hook_app: TicketryApp):
    transport = httpx.ASGITransport(app=hook_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def htenant(hook_app: TicketryApp) -> Tenant:
    return await make_tenant(hook_app)


async def test_ticket_created_is_delivered_signed_with_full_ticket(
    hook_app: TicketryApp, hclient: httpx.AsyncClient, htenant: Tenant, receiver: Receiver
) -> None:
    await subscribe(hclient, htenant, receiver.url, secret="top-secret")
    ticket = await create_ticket(hclient, htenant)
    worker = new_worker(hook_app)
    try:
        assert await drive(worker, lambda: len(receiver.processed) >= 1)
    finally:
        await worker.close()
    (req,) = receiver.requests
    body = req.json
    assert body["event_type"] == "ticket.created"
    assert body["ticket"]["id"] == ticket["id"]
    assert body["ticket"]["code"] == ticket["code"]
    assert {"products", "shipping", "bound_order", "customer"} <= set(body["ticket"])
    assert body["event_id"] == req.headers["x-ticketry-event-id"]
    assert body["created_at"]
    assert req.headers["x-retino-secret"] == "top-secret"
    assert req.headers["x-ticketry-event"] == "ticket.created"
    assert req.headers["content-type"] == "application/json"
    assert signature_verify("top-secret", req.body, req.headers["x-ticketry-signature"])
    assert not signature_verify("wrong", req.body, req.headers["x-ticketry-signature"])
    assert not signature_verify("top-secret", req.body + b" ", req.headers["x-ticketry-signature"])


async def test_product_events_carry_ticket_and_product(
    hook_app: TicketryApp, hclient: httpx.AsyncClient, htenant: Tenant, receiver: Receiver
) -> None:
    await subscribe(
        hclient,
        htenant,
        receiver.url,
        events=["ticket.product.created", "ticket.product.updated", "ticket.product.deleted"],
    )
    ticket = await create_ticket(hclient, htenant)
    product = await add_product(hclient, htenant, ticket["id"])
    r = await hclient.patch(
        f"/api/v2/tickets/{ticket['id']}/products/{product['id']}",
        json={"name": "MacBook Air"},
        headers=htenant.headers,
    )
    assert r.status_code == 200, r.text
    r = await hclient.delete(
        f"/api/v2/tickets/{ticket['id']}/products/{product['id']}", headers=htenant.headers
    )
    assert r.status_code == 204
    worker = new_worker(hook_app)
    try:
        assert await drive(worker, lambda: len(receiver.processed) >= 3)
    finally:
        await worker.close()
    bodies = receiver.bodies()
    assert [b["event_type"] for b in bodies] == [
        "ticket.product.created",
        "ticket.product.updated",
        "ticket.product.deleted",
    ]
    assert all(b["ticket"]["id"] == ticket["id"] for b in bodies)
    assert all(b["product"]["id"] == product["id"] for b in bodies)
    # unsubscribed events (ticket.created) were not sent
    assert len(bodies) == 3


async def test_retry_after_500_then_success(
    hook_app: TicketryApp, hclient: httpx.AsyncClient, htenant: Tenant, receiver: Receiver
) -> None:
    receiver.statuses = [500, 503]
    hook = await subscribe(hclient, htenant, receiver.url)
    await create_ticket(hclient, htenant)
    worker = new_worker(hook_app)
    try:
        assert await drive(worker, lambda: len(receiver.processed) >= 1)
    finally:
        await worker.close()
    assert [r.status for r in receiver.requests] == [500, 503, 200]
    assert len({r.event_id for r in receiver.requests}) == 1
    (delivery,) = await deliveries_of(hook_app, htenant.account_id)
    assert delivery.status == SUCCEEDED and delivery.attempts == 3
    r = await hclient.get(f"/api/v2/webhooks/{hook['id']}/deliveries", headers=htenant.headers)
    assert r.status_code == 200
    (d,) = r.json()["results"]
    assert [a["status_code"] for a in d["attempts"]] == [500, 503, 200]
    assert [a["success"] for a in d["attempts"]] == [False, False, True]
    assert d["attempts"][0]["error"] == "HTTP 500"
    assert d["attempts"][0]["response_body"] == '{"error": "nope"}'
    assert d["status"] == "succeeded" and d["payload"]["event_type"] == "ticket.created"


async def test_events_of_one_ticket_keep_their_order_across_failures(
    hook_app: TicketryApp, hclient: httpx.AsyncClient, htenant: Tenant, receiver: Receiver
) -> None:
    receiver.statuses = [500, 500, 500]
    await subscribe(hclient, htenant, receiver.url)
    ticket = await create_ticket(hclient, htenant)
    for name in ("A", "B", "C"):
        r = await hclient.patch(
            f"/api/v2/tickets/{ticket['id']}",
            json={"customer": {"name": name}},
            headers=htenant.headers,
        )
        assert r.status_code == 200
    worker = new_worker(hook_app)
    try:
        assert await drive(worker, lambda: len(receiver.processed) >= 4)
    finally:
        await worker.close()
    seen = [r.json["event_type"] for r in receiver.requests]
    # the first event failed three times before anything later was sent
    assert seen == ["ticket.created"] * 4 + ["ticket.updated"] * 3
    names = [r.json["ticket"]["customer"]["name"] for r in receiver.requests[4:]]
    assert len(names) == 3


async def test_given_up_event_unblocks_the_next(
    hook_app: TicketryApp, hclient: httpx.AsyncClient, htenant: Tenant, receiver: Receiver
) -> None:
    receiver.statuses = [500]
    await subscribe(hclient, htenant, receiver.url)
    ticket = await create_ticket(hclient, htenant)
    await hclient.post(f"/api/v2/tickets/{ticket['id']}/close", headers=htenant.headers)
    worker = new_worker(hook_app, webhook_give_up_seconds=0.0)
    try:
        assert await drive(worker, lambda: len(receiver.processed) >= 1)
    finally:
        await worker.close()
    first, second = await deliveries_of(hook_app, htenant.account_id)
    assert first.status == FAILED and first.attempts == 1
    assert second.status == SUCCEEDED and second.event_type == "ticket.updated"


async def test_410_disables_and_patch_reenables(
    hook_app: TicketryApp, hclient: httpx.AsyncClient, htenant: Tenant, receiver: Receiver
) -> None:
    receiver.statuses = [410]
    hook = await subscribe(hclient, htenant, receiver.url)
    await create_ticket(hclient, htenant)
    worker = new_worker(hook_app)
    try:
        assert await drive(worker, lambda: len(receiver.requests) >= 1)
        r = await hclient.get(f"/api/v2/webhooks/{hook['id']}", headers=htenant.headers)
        assert r.json()["is_active"] is False
        assert "410" in r.json()["disabled_reason"]
        # while disabled nothing is queued or sent
        await create_ticket(hclient, htenant)
        for _ in range(5):
            await worker.run_once()
        assert len(receiver.requests) == 1
        r = await hclient.patch(
            f"/api/v2/webhooks/{hook['id']}", json={"is_active": True}, headers=htenant.headers
        )
        assert r.status_code == 200 and r.json()["is_active"] is True
        assert r.json()["disabled_reason"] == ""
        await create_ticket(hclient, htenant)
        assert await drive(worker, lambda: len(receiver.processed) >= 1)
    finally:
        await worker.close()
    assert len(receiver.requests) == 2  # the event of the disabled period was not queued


async def test_sustained_failure_disables(
    hook_app: TicketryApp, hclient: httpx.AsyncClient, htenant: Tenant, receiver: Receiver
) -> None:
    receiver.statuses = [500] * 50
    hook = await subscribe(hclient, htenant, receiver.url)
    await create_ticket(hclient, htenant)
    worker = new_worker(
        hook_app, webhook_disable_after_failures=3, webhook_disable_after_seconds=0.0
    )
    try:
        assert await drive(worker, lambda: len(receiver.requests) >= 3)
        for _ in range(3):
            await worker.run_once()
    finally:
        await worker.close()
    assert len(receiver.requests) == 3
    r = await hclient.get(f"/api/v2/webhooks/{hook['id']}", headers=htenant.headers)
    body = r.json()
    assert body["is_active"] is False and body["consecutive_failures"] == 3
    assert body["disabled_reason"].startswith("Every attempt failed")


async def test_rolled_back_write_emits_nothing(
    hook_app: TicketryApp, hclient: httpx.AsyncClient, htenant: Tenant, receiver: Receiver
) -> None:
    from ticketry.api.retino import schemas as s
    from ticketry.api.retino.serializers import ticket_data
    from ticketry.domain.accounts.models import Account, User
    from ticketry.domain.tickets.services import ticket_create

    await subscribe(hclient, htenant, receiver.url)
    assert hook_app.runtime is not None
    async with hook_app.runtime.sessionmaker() as session:
        account = await session.get(Account, htenant.account_id)
        user = await session.scalar(select(User).where(User.account_id == htenant.account_id))
        before = await session.scalar(
            select(func.count()).select_from(Event).where(Event.account_id == account.id)
        )

        async def failing_commit() -> None:
            raise RuntimeError("the disk is full")

        session.commit = failing_commit  # type: ignore[method-assign]
        import msgspec

        body = msgspec.convert(ticket_body(), s.TicketCreate)
        await ticket_create(session, account=account, actor=user, data=ticket_data(body))
        with pytest.raises(RuntimeError):
            await session.commit()  # the caller's unit of work fails to commit
        await session.rollback()
    async with hook_app.runtime.sessionmaker() as session:
        after = await session.scalar(
            select(func.count()).select_from(Event).where(Event.account_id == htenant.account_id)
        )
    assert after == before
    await create_ticket(hclient, htenant)  # a committed one, to know the worker ran
    worker = new_worker(hook_app)
    try:
        assert await drive(worker, lambda: len(receiver.processed) >= 1)
        for _ in range(3):
            await worker.run_once()
    finally:
        await worker.close()
    assert len(receiver.requests) == 1


async def test_blocked_address_at_delivery_time_is_an_attempt_error(
    hook_app: TicketryApp, hclient: httpx.AsyncClient, htenant: Tenant, receiver: Receiver
) -> None:
    await subscribe(hclient, htenant, receiver.url)
    await create_ticket(hclient, htenant)
    worker = new_worker(hook_app, webhook_allow_private=False, webhook_give_up_seconds=0.0)
    try:
        await drive(worker, lambda: False, limit=1.0)
    finally:
        await worker.close()
    assert receiver.requests == []
    (delivery,) = await deliveries_of(hook_app, htenant.account_id)
    assert delivery.status == FAILED
    assert delivery.last_error.startswith("Blocked: Webhook URLs cannot point to a loopback")
    assert WebhookSubscription  # imported for the model registry
