"""The ticket.created / ticket.updated envelope and its signature."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import select

from tests.api.nextcommerce.helpers import NCClient, vendor_spec
from ticketry.api.nextcommerce import schemas as s
from ticketry.api.nextcommerce.webhook_events import NEXTCOMMERCE
from ticketry.api.nextcommerce.webhooks import WebhookTarget, webhook_payload
from ticketry.app import TicketryApp
from ticketry.domain.events.models import Event

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _ticket() -> s.TicketOut:
    return s.TicketOut(
        id=7,
        subject="Broken",
        status="open",
        priority="high",
        channel="api",
        requester=3,
        assignee=None,
        from_email="eva@example.com",
        order="100",
        products=[11],
        tags=["vip"],
        ticket_type=None,
        comments=[
            s.TicketCommentOut(
                id=1,
                author=None,
                body="Hello",
                from_email="eva@example.com",
                is_public=True,
                created_at=NOW,
                attachments=[s.AttachmentOut(id=5, file="https://h/a/5/", file_name="a.png")],
            )
        ],
        created_at=NOW,
        updated_at=NOW,
    )


@pytest.mark.parametrize("event_type", ["ticket.created", "ticket.updated"])
def test_envelope_matches_vendor_schema_and_is_signed(event_type: str) -> None:
    hook = WebhookTarget(id=1, target="https://example.com/webhook/", secret="s3cret", store="acme")
    event_id = uuid.uuid4()
    body, headers = webhook_payload(
        event_type=event_type, ticket=_ticket(), hook=hook, event_id=event_id
    )
    payload = json.loads(body)
    assert payload["event_type"] == event_type and payload["object"] == "ticket"
    assert payload["event_id"] == str(event_id) and payload["api_version"] == "2024-04-01"
    assert payload["webhook"] == {
        "events": ["ticket.created", "ticket.updated"],
        "id": 1,
        "store": "acme",
        "target": "https://example.com/webhook/",
    }
    assert payload["data"]["id"] == 7 and payload["data"]["tags"] == ["vip"]
    schema = vendor_spec()["webhooks"][event_type]["post"]["requestBody"]["content"][
        "application/json"
    ]["schema"]
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    assert list(validator.iter_errors(payload)) == []
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-29Next-Signature"] == expected
    assert headers["Content-Type"] == "application/json"


def test_other_events_are_refused() -> None:
    hook = WebhookTarget(id=1, target="https://example.com/", secret="x")
    with pytest.raises(ValueError):
        webhook_payload(event_type="order.created", ticket=_ticket(), hook=hook)


async def test_worker_flavour_builds_the_api_ticket(nc: NCClient, app: TicketryApp) -> None:
    t = await nc.create_ticket(subject="Hooked", tags=["vip"], comment={"body": "hi"})
    await nc.patch(f"/tickets/{t['id']}/", json={"status": "open"})
    shown = (await nc.get(f"/tickets/{t['id']}/")).json()
    assert app.runtime is not None and nc.tenant is not None
    async with app.runtime.sessionmaker() as session:
        events = list(
            await session.scalars(
                select(Event).where(Event.ticket_id == t["id"]).order_by(Event.id)
            )
        )
        built = await NEXTCOMMERCE.build(session, events)
    names = [built[e.id].event_type for e in events if e.id in built]
    assert names[0] == "ticket.created" and set(names[1:]) == {"ticket.updated"}
    schema = vendor_spec()["webhooks"]["ticket.updated"]["post"]["requestBody"]["content"][
        "application/json"
    ]["schema"]
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    last = built[events[-1].id].payload
    assert list(validator.iter_errors(last)) == []
    assert last["data"] == shown
    assert last["event_id"] == str(events[-1].public_id)
    assert last["webhook"]["store"] == nc.tenant.slug
    body = b'{"x":1}'
    assert NEXTCOMMERCE.headers(secret="k", body=body) == {
        "X-29Next-Signature": hmac.new(b"k", body, hashlib.sha256).hexdigest()
    }


def test_attachment_links_follow_the_runtime_settings() -> None:
    """The flavour is configured from the settings the runtime was built with, not read
    from the process's environment when a payload is built."""
    from dataclasses import replace

    from ticketry.api.nextcommerce.webhook_events import NextCommerceFlavour
    from ticketry.registries import webhook_flavours
    from ticketry.settings import load_settings

    settings = replace(load_settings(), host="files.example", port=9)
    flavour = webhook_flavours(settings)["nextcommerce"]
    assert isinstance(flavour, NextCommerceFlavour)
    assert flavour._files_base().startswith("http://files.example:9/")
