"""The audit trail (``tickets/history.py``), written by the services: each kind of change
writes its entry, with named old and new values and who made it, in the change's own
transaction. Runs on both databases."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.domain.catalog_helpers import account_new
from ticketry.domain.accounts.models import Account, User
from ticketry.domain.accounts.services import user_get_or_create
from ticketry.domain.catalog.models import Tag, TicketState, TicketType
from ticketry.domain.conversations.contacts import contact_get_or_create
from ticketry.domain.conversations.services import (
    internal_note_create,
    message_create,
    message_delete,
)
from ticketry.domain.files.models import StoredFile
from ticketry.domain.tickets.commands import CustomerData, ItemData, PriceData, TicketData
from ticketry.domain.tickets.history import Via, history_entry
from ticketry.domain.tickets.history_labels import change_lines, entry_sentence
from ticketry.domain.tickets.items import ticket_item_add, ticket_item_remove, ticket_item_update
from ticketry.domain.tickets.models import HistoryItem, Ticket, TicketItem
from ticketry.domain.tickets.services import (
    ticket_close,
    ticket_create,
    ticket_update,
)


async def _setup(db: AsyncSession) -> tuple[Account, User]:
    # The tests read their objects' ids after each commit.
    db.sync_session.expire_on_commit = False
    account = await account_new(db)
    agent, _ = await user_get_or_create(
        db, account=account, email=f"eva-{uuid.uuid4().hex[:6]}@shop.test", role="admin"
    )
    agent.full_name = "Eva Agentová"
    await db.commit()
    return account, agent


async def _ticket(db: AsyncSession, account: Account, agent: User | None, **data: Any) -> Ticket:
    ticket = await ticket_create(
        db,
        account=account,
        actor=agent,
        data=TicketData(customer=CustomerData(email="jan@example.com", name="Jan"), **data),
    )
    await db.commit()
    return ticket


async def _entries(db: AsyncSession, ticket_id: int) -> list[HistoryItem]:
    rows = await db.scalars(
        select(HistoryItem)
        .where(HistoryItem.ticket_id == ticket_id)
        .order_by(HistoryItem.id)
        .execution_options(populate_existing=True)  # as stored, not as the session has it
    )
    return list(rows)


async def _last(db: AsyncSession, ticket_id: int) -> HistoryItem:
    return (await _entries(db, ticket_id))[-1]


def _change(entry: HistoryItem, field: str) -> dict[str, Any]:
    (found,) = [c for c in entry.data["changes"] if c["field"] == field]
    return found


async def _row(db: AsyncSession, model: Any, account: Account, **where: Any) -> Any:
    clauses = [getattr(model, k) == v for k, v in where.items()]
    return await db.scalar(select(model).where(model.account_id == account.id, *clauses))


async def test_create_records_who_and_how(db: AsyncSession) -> None:
    account, agent = await _setup(db)
    ticket = await _ticket(db, account, agent, channel="api")
    (entry,) = await _entries(db, ticket.id)
    assert entry.item_type == "CREATED"
    assert entry.user_id == agent.id
    assert entry.data["channel"] == "api"
    assert entry.data["by"] == {
        "kind": "user",
        "id": str(agent.public_id),
        "name": "Eva Agentová",
    }


async def test_field_changes_keep_named_old_and_new_values(db: AsyncSession) -> None:
    account, agent = await _setup(db)
    new_state = await _row(db, TicketState, account, status="new", is_default=True)
    working = await _row(db, TicketState, account, status="open", is_default=True)
    question = await _row(db, TicketType, account, kind="other")
    vip = await _row(db, Tag, account, label="vip")
    urgent = await _row(db, Tag, account, label="urgent")
    ticket = await _ticket(db, account, None, tags=[vip.id])

    await ticket_update(
        db,
        account=account,
        actor=agent,
        ref=ticket.id,
        data=TicketData(
            state=working.id,
            type=question.id,
            assignee=agent.id,
            priority="high",
            tags=[urgent.id],
            custom_fields={"resolve_by": "2026-12-24"},
            is_unread=False,
        ),
    )
    await db.commit()
    entry = await _last(db, ticket.id)
    assert entry.item_type == "UPDATED" and entry.user_id == agent.id
    assert _change(entry, "state") == {
        "field": "state",
        "old": {"id": str(new_state.public_id), "name": new_state.name},
        "new": {"id": str(working.public_id), "name": working.name},
    }
    assert _change(entry, "type")["new"] == {"id": str(question.public_id), "name": question.name}
    assert _change(entry, "type")["old"] is None
    assert _change(entry, "assignee")["new"] == {
        "id": str(agent.public_id),
        "name": "Eva Agentová",
    }
    assert _change(entry, "priority") == {"field": "priority", "old": "medium", "new": "high"}
    assert _change(entry, "tags") == {
        "field": "tags",
        "added": [{"id": str(urgent.public_id), "name": urgent.name}],
        "removed": [{"id": str(vip.public_id), "name": vip.name}],
    }
    custom = _change(entry, "custom_field")
    assert custom["key"] == "resolve_by" and custom["name"]["en"] == "Resolve by"
    assert (custom["old"], custom["new"]) == (None, "2026-12-24")
    assert _change(entry, "is_unread") == {"field": "is_unread", "old": True, "new": False}
    fields = [c["field"] for c in entry.data["changes"]]
    assert "status" not in fields  # the state names it

    # The names were taken when the change was made: renaming the state later does not
    # rewrite what the trail says.
    working.name = {"cs": "Jiný", "en": "Renamed"}
    await db.commit()
    assert _change(await _last(db, ticket.id), "state")["new"]["name"]["en"] == "In progress"

    # Labels and values as the readers show them.
    lines = change_lines(history_entry(entry.item_type, entry.data), "en")
    shown = {(line.label, line.old, line.new) for line in lines}
    assert ("State", "New", "In progress") in shown
    assert ("Priority", "medium", "high") in shown
    assert ("Unread", "yes", "no") in shown
    assert ("Resolve by", "—", "2026-12-24") in shown
    (tags,) = [line for line in lines if line.label == "Tags"]
    assert (tags.added, tags.removed) == (["Urgent"], ["VIP"])


async def test_an_unchanged_write_records_nothing(db: AsyncSession) -> None:
    account, agent = await _setup(db)
    ticket = await _ticket(db, account, agent, priority="low")
    await ticket_update(
        db, account=account, actor=agent, ref=ticket.id, data=TicketData(priority="low")
    )
    await db.commit()
    assert [e.item_type for e in await _entries(db, ticket.id)] == ["CREATED"]


async def test_close_and_reopen(db: AsyncSession) -> None:
    account, agent = await _setup(db)
    ticket = await _ticket(db, account, agent)
    await ticket_close(db, account=account, actor=agent, ref=ticket.id)
    await db.commit()
    closed = await _last(db, ticket.id)
    assert closed.item_type == "CLOSED"
    assert _change(closed, "state")["new"]["name"]["en"] == "Closed"

    await ticket_update(
        db, account=account, actor=agent, ref=ticket.id, data=TicketData(status="open")
    )
    await db.commit()
    reopened = await _last(db, ticket.id)
    assert reopened.item_type == "REOPENED"
    assert _change(reopened, "state")["old"]["name"]["en"] == "Closed"
    assert _change(reopened, "state")["new"]["name"]["en"] == "In progress"

    await ticket_update(
        db, account=account, actor=agent, ref=ticket.id, data=TicketData(status="closed")
    )
    await db.commit()
    assert (await _last(db, ticket.id)).item_type == "CLOSED"


async def test_products_added_changed_and_removed(db: AsyncSession) -> None:
    account, agent = await _setup(db)
    ticket = await _ticket(db, account, agent)
    item = await ticket_item_add(
        db,
        account=account,
        actor=agent,
        ticket_ref=ticket.id,
        data=ItemData(name="Kettle", amount=Decimal(1), price=PriceData(with_vat=Decimal(990))),
    )
    await db.commit()
    added = await _last(db, ticket.id)
    assert added.item_type == "PRODUCT_ADDED"
    assert added.data["product"] == "Kettle"
    assert added.data["product_id"] == str(item.public_id)

    await ticket_item_update(
        db,
        account=account,
        actor=agent,
        ticket_ref=ticket.id,
        ref=item.id,
        data=ItemData(amount=Decimal(2), serial="SN-1"),
    )
    await db.commit()
    changed = await _last(db, ticket.id)
    assert changed.item_type == "PRODUCT_UPDATED"
    assert {c["field"]: (c["old"], c["new"]) for c in changed.data["changes"]} == {
        "amount": ("1.0000", "2.0000"),
        "serial": (None, "SN-1"),
    }

    await ticket_item_remove(db, account=account, actor=agent, ticket_ref=ticket.id, ref=item.id)
    await db.commit()
    removed = await _last(db, ticket.id)
    assert removed.item_type == "PRODUCT_REMOVED" and removed.data["product"] == "Kettle"

    # Products dropped by a ticket update (keeping only the listed ones) are named.
    second = await ticket_item_add(
        db, account=account, actor=agent, ticket_ref=ticket.id, data=ItemData(name="Toaster")
    )
    await db.commit()
    await ticket_update(
        db, account=account, actor=agent, ref=ticket.id, data=TicketData(item_ids=[])
    )
    await db.commit()
    assert await db.scalar(select(TicketItem.id).where(TicketItem.id == second.id)) is None
    assert _change(await _last(db, ticket.id), "products_removed")["old"] == ["Toaster"]


async def test_a_public_reply_is_a_reply_with_its_status_change(db: AsyncSession) -> None:
    account, agent = await _setup(db)
    ticket = await _ticket(db, account, agent)
    await message_create(
        db, account=account, ticket_ref=ticket.id, body="We sent a label.", author_user=agent
    )
    await db.commit()
    entries = await _entries(db, ticket.id)
    assert [e.item_type for e in entries] == ["CREATED", "PUBLIC_REPLY"]
    reply = entries[-1]
    assert reply.data["text"] == "We sent a label." and reply.user_id == agent.id
    state = _change(reply, "state")
    assert (state["old"]["name"]["en"], state["new"]["name"]["en"]) == (
        "New",
        "Waiting for customer",
    )
    entry = history_entry(reply.item_type, reply.data)
    assert entry_sentence(entry) == "We sent a label."


async def test_the_customers_reply_and_portal_ticket_name_the_customer(db: AsyncSession) -> None:
    account, agent = await _setup(db)
    ticket = await ticket_create(
        db,
        account=account,
        actor=None,
        data=TicketData(customer=CustomerData(email="jan@example.com"), channel="portal"),
        via=Via("portal"),
    )
    await db.commit()
    created = await _last(db, ticket.id)
    assert created.data["by"]["kind"] == "customer"
    assert created.data["by"]["name"] == "jan@example.com"
    assert created.data["by"]["via"] == {"kind": "portal", "name": ""}
    assert created.user_id is None

    await message_create(
        db, account=account, ticket_ref=ticket.id, body="Any news?", author_user=agent
    )
    await message_create(
        db,
        account=account,
        ticket_ref=ticket.id,
        body="Still broken.",
        author_contact_id=ticket.requester_id,
        from_email="jan@example.com",
        via=Via("portal"),
    )
    await db.commit()
    reply = await _last(db, ticket.id)
    assert reply.item_type == "CUSTOMER_REPLY" and reply.data["text"] == "Still broken."
    assert reply.data["by"]["kind"] == "customer"
    assert reply.data["by"]["name"] == "jan@example.com"
    state = _change(reply, "state")
    assert state["new"]["name"]["en"] == "In progress"  # pending → open again


async def test_internal_note_with_an_attachment_and_a_deleted_message(db: AsyncSession) -> None:
    account, agent = await _setup(db)
    ticket = await _ticket(db, account, agent)
    stored = StoredFile(
        account_id=account.id,
        storage_key=f"t/{uuid.uuid4().hex}",
        filename="invoice.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
    )
    db.add(stored)
    await db.flush()
    note = await internal_note_create(
        db,
        account=account,
        actor=agent,
        ticket_ref=ticket.id,
        text="Refund approved.",
        file_ids=[stored.id],
    )
    await db.commit()
    entry = await _last(db, ticket.id)
    assert entry.item_type == "INTERNAL_NOTE"
    assert entry.data["text"] == "Refund approved."
    assert entry.data["attachments"] == ["invoice.pdf"]
    assert entry.data["message_id"] == str(note.public_id)

    await message_delete(
        db, account=account, actor=None, message_id=note.id, via=Via("api_key", "ERP")
    )
    await db.commit()
    deleted = await _last(db, ticket.id)
    assert deleted.item_type == "MESSAGE_DELETED"
    assert deleted.data["by"] == {"kind": "api_key", "name": "ERP"}


async def test_api_credentials_are_named(db: AsyncSession) -> None:
    account, agent = await _setup(db)
    ticket = await ticket_create(
        db,
        account=account,
        actor=None,
        data=TicketData(subject="Via key"),
        via=Via("api_key", "Billing system"),
    )
    await ticket_update(
        db,
        account=account,
        actor=agent,
        ref=ticket.id,
        data=TicketData(priority="high"),
        via=Via("oauth_app", "Shop app"),
    )
    await db.commit()
    created, updated = await _entries(db, ticket.id)
    assert created.data["by"] == {"kind": "api_key", "name": "Billing system"}
    assert updated.data["by"]["kind"] == "user"
    assert updated.data["by"]["via"] == {"kind": "oauth_app", "name": "Shop app"}
    text = entry_sentence(history_entry(updated.item_type, updated.data))
    assert text == "Eva Agentová (via Shop app) changed the ticket: Priority: medium → high"


async def test_a_rolled_back_change_leaves_no_entry(db: AsyncSession) -> None:
    account, agent = await _setup(db)
    ticket = await _ticket(db, account, agent)
    ticket_id = ticket.id
    await ticket_update(
        db, account=account, actor=agent, ref=ticket_id, data=TicketData(priority="high")
    )
    await message_create(db, account=account, ticket_ref=ticket_id, body="x", author_user=agent)
    await db.rollback()
    assert [e.item_type for e in await _entries(db, ticket_id)] == ["CREATED"]


async def test_customer_contact_found_for_api_messages(db: AsyncSession) -> None:
    account, agent = await _setup(db)
    ticket = await _ticket(db, account, agent)
    contact_id = await contact_get_or_create(db, account_id=account.id, email="anna@example.com")
    await message_create(
        db,
        account=account,
        ticket_ref=ticket.id,
        body="Hello",
        author_contact_id=contact_id,
        via=Via("api_key", "Helpdesk"),
    )
    await db.commit()
    entry = await _last(db, ticket.id)
    assert entry.data["by"]["kind"] == "customer"
    assert entry.data["by"]["name"] == "anna@example.com"
    assert entry.data["by"]["via"] == {"kind": "api_key", "name": "Helpdesk"}


def test_entries_of_the_older_shape_still_read() -> None:
    """Rows written before the trail named values: changes as {field: [old, new]}, no
    ``by``; the readers show them rather than fail."""
    entry = history_entry(
        "UPDATED",
        {"changes": {"is_unread": [True, False], "tags": [[1], [2]], "state": [3, 4]}},
        user_name="eva@shop.test",
    )
    assert entry.by == {"kind": "user", "name": "eva@shop.test"}
    lines = {line.label: line for line in change_lines(entry, "en")}
    assert (lines["Unread"].old, lines["Unread"].new) == ("yes", "no")
    assert (lines["Tags"].added, lines["Tags"].removed) == (["2"], ["1"])
    assert (lines["State"].old, lines["State"].new) == ("3", "4")
    assert history_entry("CLOSED", {}).by == {"kind": "system"}
    assert history_entry("CLOSED", None).changes == []
