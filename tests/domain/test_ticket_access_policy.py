"""Who may write tickets, their products and their conversation, decided by the domain
policy (``tickets/policy.py``) through the services themselves, on both databases: the
acting user's role and the credential's grant (what a face mapped its API key or OAuth
scopes to) must both allow a write; product writes are ticket updates (a closed receipt
stays closed at the till); messages need messages.write / messages.delete."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.domain.catalog_helpers import account_new, ticket_new
from ticketry.domain.accounts.models import Account, User
from ticketry.domain.accounts.rights import (
    MESSAGES_DELETE,
    MESSAGES_VIEW,
    MESSAGES_WRITE,
    TICKETS_CREATE,
    TICKETS_DELETE,
    TICKETS_EDIT,
    TICKETS_UPDATE,
    TICKETS_VIEW,
    Grant,
    rights_expand,
)
from ticketry.domain.conversations.services import (
    internal_note_create,
    message_create,
    message_delete,
)
from ticketry.domain.errors import RightMissing
from ticketry.domain.tickets.commands import ItemData, PosItemData, PosTicketData, TicketData
from ticketry.domain.tickets.errors import TicketClosed
from ticketry.domain.tickets.items import ticket_item_add, ticket_item_remove
from ticketry.domain.tickets.policy import access_check, message_write_check
from ticketry.domain.tickets.services import (
    ticket_close,
    ticket_create,
    ticket_delete,
    ticket_save,
    ticket_update,
)

EVERYTHING = Grant(rights_expand(frozenset({TICKETS_VIEW, TICKETS_EDIT})))


@contextmanager
def missing(right: str) -> Iterator[None]:
    with pytest.raises(RightMissing) as caught:
        yield
    assert caught.value.right == right


async def _user(db: AsyncSession, account: Account, role: str, **extra: object) -> User:
    user = User(
        account_id=account.id, email=f"{role}-{uuid.uuid4().hex[:8]}@access.test", role=role
    )
    for key, value in extra.items():
        setattr(user, key, value)
    db.add(user)
    await db.flush()
    return user


def test_a_grant_allows_exactly_its_rights_and_the_role_still_counts() -> None:
    only_create = Grant(frozenset({TICKETS_CREATE}))
    access_check(actor=None, grant=only_create, right=TICKETS_CREATE)
    for right in (TICKETS_UPDATE, TICKETS_DELETE, TICKETS_VIEW, MESSAGES_WRITE):
        with missing(right):
            access_check(actor=None, grant=only_create, right=right)
    # Nothing is implied inside a grant (a key that views tickets does not see messages).
    with missing(MESSAGES_VIEW):
        access_check(actor=None, grant=Grant(frozenset({TICKETS_VIEW})), right=MESSAGES_VIEW)
    # A role's tickets.edit stands for every single ticket and message write.
    assert rights_expand(frozenset({TICKETS_EDIT})) >= {
        TICKETS_CREATE,
        TICKETS_UPDATE,
        TICKETS_DELETE,
        MESSAGES_WRITE,
        MESSAGES_DELETE,
    }
    # A grant never widens the role: a viewer with a full grant still may not write.
    viewer = User(role="viewer", rights=[])
    with missing(MESSAGES_WRITE):
        message_write_check(actor=viewer, grant=EVERYTHING, action="write")
    agent = User(role="agent", rights=[])
    message_write_check(actor=agent, grant=EVERYTHING, action="write")
    with missing(MESSAGES_DELETE):
        message_write_check(actor=agent, grant=Grant(frozenset({MESSAGES_WRITE})), action="delete")


async def test_ticket_services_decide_with_the_grant(db: AsyncSession) -> None:
    account = await account_new(db)
    create_only = Grant(frozenset({TICKETS_CREATE}))
    data = TicketData(currency="CZK", language="cs")
    ticket = await ticket_create(db, account=account, actor=None, data=data, grant=create_only)
    with missing(TICKETS_UPDATE):
        await ticket_update(
            db,
            account=account,
            actor=None,
            ref=ticket.id,
            data=TicketData(subject="x"),
            grant=create_only,
        )
    with missing(TICKETS_UPDATE):  # closing is an update
        await ticket_close(db, account=account, actor=None, ref=ticket.id, grant=create_only)
    with missing(TICKETS_DELETE):
        await ticket_delete(db, account=account, actor=None, ref=ticket.id, grant=create_only)
    with missing(TICKETS_CREATE):
        await ticket_create(
            db, account=account, actor=None, data=data, grant=Grant(frozenset({TICKETS_VIEW}))
        )
    await ticket_delete(db, account=account, actor=None, ref=ticket.id, grant=EVERYTHING)
    await db.rollback()


async def test_product_writes_are_ticket_updates(db: AsyncSession) -> None:
    account = await account_new(db)
    ticket = await ticket_new(db, account)
    viewer = await _user(db, account, "viewer")
    agent = await _user(db, account, "agent")
    product = ItemData(name="Boots", amount=Decimal(1))
    with missing(TICKETS_UPDATE):
        await ticket_item_add(db, account=account, actor=viewer, ticket_ref=ticket.id, data=product)
    with missing(TICKETS_UPDATE):
        await ticket_item_add(
            db,
            account=account,
            actor=None,
            ticket_ref=ticket.id,
            data=product,
            grant=Grant(frozenset({TICKETS_CREATE})),
        )
    row = await ticket_item_add(
        db, account=account, actor=agent, ticket_ref=ticket.id, data=product
    )
    with missing(TICKETS_UPDATE):
        await ticket_item_remove(
            db, account=account, actor=viewer, ticket_ref=ticket.id, ref=row.id
        )
    await db.rollback()


async def test_a_closed_receipt_is_read_only_for_its_lines_too(db: AsyncSession) -> None:
    account = await account_new(db)
    cashier = await _user(db, account, "admin")
    public_id = uuid.uuid4()
    line = PosItemData(name="Coffee", unit_price=Decimal(50), vat_rate=Decimal(12))
    receipt, _ = await ticket_save(
        db,
        account=account,
        actor=cashier,
        public_id=public_id,
        data=TicketData(currency="CZK", language="cs", pos=PosTicketData(items=[line])),
        till=True,
    )
    await ticket_close(db, account=account, actor=cashier, ref=receipt.id, till=True)
    with pytest.raises(TicketClosed):  # the lines come with the receipt's write at the till
        await ticket_save(
            db,
            account=account,
            actor=cashier,
            public_id=public_id,
            data=TicketData(pos=PosTicketData(items=[line, line])),
            till=True,
        )
    await db.rollback()


async def test_messages_need_the_right_to_write_them(db: AsyncSession) -> None:
    account = await account_new(db)
    ticket = await ticket_new(db, account)
    viewer = await _user(db, account, "viewer")
    agent = await _user(db, account, "agent")
    with missing(MESSAGES_WRITE):
        await message_create(db, account=account, ticket_ref=ticket.id, body="Hello", actor=viewer)
    with missing(MESSAGES_WRITE):
        await internal_note_create(
            db, account=account, actor=viewer, ticket_ref=ticket.id, text="Psst"
        )
    with missing(MESSAGES_WRITE):  # an API may post in someone's name; its grant decides
        await message_create(
            db,
            account=account,
            ticket_ref=ticket.id,
            body="Hello",
            author_user=agent,
            grant=Grant(frozenset({TICKETS_UPDATE})),
        )
    # The customer in the portal writes without a user or a grant.
    message = await message_create(db, account=account, ticket_ref=ticket.id, body="Where?")
    with missing(MESSAGES_DELETE):
        await message_delete(
            db,
            account=account,
            actor=None,
            message_id=message.id,
            grant=Grant(frozenset({MESSAGES_WRITE})),
        )
    with missing(MESSAGES_DELETE):
        await message_delete(db, account=account, actor=viewer, message_id=message.id)
    await message_delete(db, account=account, actor=agent, message_id=message.id)
    await db.rollback()
