"""A subscription in Next Commerce's format gets its envelope, signed with X-29Next-Signature."""

from __future__ import annotations

import hashlib
import hmac

import httpx

from tests.conftest import make_tenant
from tests.factories import create_ticket
from tests.worker.helpers import drive, new_worker
from tests.worker.receiver import Receiver
from ticketry.app import TicketryApp
from ticketry.domain.accounts.services import account_get
from ticketry.domain.webhooks.services import subscription_create
from ticketry.registries import webhook_flavours


async def test_nextcommerce_envelope_is_delivered_and_signed(
    hook_app: TicketryApp, receiver: Receiver
) -> None:
    tenant = await make_tenant(hook_app)
    flavour = webhook_flavours()["nextcommerce"]
    assert hook_app.runtime is not None
    async with hook_app.runtime.sessionmaker() as session:
        account = await account_get(session, slug=tenant.slug)
        await subscription_create(
            session,
            account=account,
            url=receiver.url,
            events=["ticket.created"],
            secret="nc-secret",
            flavour=flavour.name,
            allowed_events=flavour.event_names,
            allow_private=True,
        )
        await session.commit()
    transport = httpx.ASGITransport(app=hook_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        ticket = await create_ticket(client, tenant)
    worker = new_worker(hook_app)
    try:
        assert await drive(worker, lambda: len(receiver.processed) >= 1)
    finally:
        await worker.close()
    (req,) = receiver.requests
    body = req.json
    assert body["event_type"] == "ticket.created" and body["object"] == "ticket"
    assert {"api_version", "data", "event_id", "webhook"} <= set(body)
    assert isinstance(body["data"]["id"], int) and body["data"]["status"] == "new"
    assert body["data"]["order"] == ticket["order_id"]
    expected = hmac.new(b"nc-secret", req.body, hashlib.sha256).hexdigest()
    assert req.headers["x-29next-signature"] == expected
