"""The ticket write policy (``ticket_write_check``), called directly: role rights for the
desk and the APIs, PORTOS till rights for point-of-sale writes. The till rules read the
receipt's owner from the database, so these run on both databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Tenant
from ticketry.domain.accounts.models import User
from ticketry.domain.errors import Forbidden, RightMissing
from ticketry.domain.tickets.commands import CustomerData, PosTicketData, TicketData
from ticketry.domain.tickets.errors import TicketClosed
from ticketry.domain.tickets.models import Ticket
from ticketry.domain.tickets.policy import (
    TICKET_CREATE,
    TICKET_DELETE,
    TICKET_HANDOVER,
    TICKET_RENAME,
    TICKET_SET_CUSTOMER,
    TICKET_SET_DISCOUNT,
    TICKET_TAKEOVER,
    TICKET_UPDATE,
    TICKET_UPDATE_ANY,
    ticket_write_check,
)


async def _user(
    db: AsyncSession, tenant: Tenant, *, role: str = "agent", rights: list[str] | None = None
) -> User:
    user = User(
        account_id=tenant.account_id,
        email=f"{role}-{uuid.uuid4().hex[:8]}@policy.test",
        role=role,
        rights=rights or [],
    )
    db.add(user)
    await db.flush()
    return user


@contextmanager
def missing(right: str) -> Iterator[None]:
    """The block is refused for lacking ``right`` (each face words that its own way)."""
    with pytest.raises(RightMissing) as caught:
        yield
    assert caught.value.right == right


def _receipt(owner: User | None, **values: object) -> Ticket:
    """A ticket as the policy sees it (not stored: the policy only reads its fields)."""
    return Ticket(employee_id=owner.id if owner else None, **values)


async def _refused(db: AsyncSession, **kwargs: object) -> str:
    """The right the policy found missing."""
    with pytest.raises(RightMissing) as caught:
        await ticket_write_check(db, **kwargs)  # type: ignore[arg-type]
    return caught.value.right


async def test_roles_decide_writes_outside_the_till(db: AsyncSession, tenant: Tenant) -> None:
    agent = await _user(db, tenant, role="agent")
    viewer = await _user(db, tenant, role="viewer")
    for action in ("create", "update", "close", "delete"):
        await ticket_write_check(db, actor=agent, ticket=None, data=None, action=action)  # type: ignore[arg-type]
        # Writes without a user (API keys, the portal, the CLI) are decided by their caller.
        await ticket_write_check(db, actor=None, ticket=None, data=None, action=action)  # type: ignore[arg-type]
        with pytest.raises(Forbidden):
            await ticket_write_check(db, actor=viewer, ticket=None, data=None, action=action)  # type: ignore[arg-type]
    # A viewer given tickets.edit on top of the role may write.
    promoted = await _user(db, tenant, role="viewer", rights=["tickets.edit"])
    await ticket_write_check(db, actor=promoted, ticket=None, data=None, action="update")
    await db.rollback()


async def test_the_till_needs_a_user_and_its_rights(db: AsyncSession, tenant: Tenant) -> None:
    admin = await _user(db, tenant, role="admin")
    bare = await _user(db, tenant, role="agent")
    with pytest.raises(Forbidden):
        await ticket_write_check(db, actor=None, ticket=None, data=None, action="create", till=True)
    # The admin role has every till right; an agent has none unless given them.
    await ticket_write_check(db, actor=admin, ticket=None, data=None, action="create", till=True)
    missing = await _refused(db, actor=bare, ticket=None, data=None, action="create", till=True)
    assert missing == TICKET_CREATE
    assert (
        await _refused(db, actor=bare, ticket=_receipt(None), data=None, action="delete", till=True)
        == TICKET_DELETE
    )
    await db.rollback()


async def test_till_create_rights_follow_what_is_written(db: AsyncSession, tenant: Tenant) -> None:
    cashier = await _user(db, tenant, rights=[TICKET_CREATE])

    async def create(data: TicketData) -> None:
        await ticket_write_check(
            db, actor=cashier, ticket=None, data=data, action="create", till=True
        )

    await create(TicketData(pos=PosTicketData(employee_email=cashier.email.upper())))
    with missing(TICKET_HANDOVER):
        await create(TicketData(pos=PosTicketData(employee_email="someone@else.test")))
    # The customer's own discount needs no right; any other does.
    await create(
        TicketData(pos=PosTicketData(discount_rate=Decimal(5), customer_discount_rate=Decimal(5)))
    )
    with missing(TICKET_SET_DISCOUNT):
        await create(TicketData(pos=PosTicketData(discount_rate=Decimal(10))))
    with missing(TICKET_SET_CUSTOMER):
        await create(TicketData(customer=CustomerData(email="c@customer.test")))
    with missing(TICKET_SET_CUSTOMER):
        await create(TicketData(pos=PosTicketData(customer_card_serial_number="CARD-1")))
    await db.rollback()


async def test_a_closed_receipt_is_read_only(db: AsyncSession, tenant: Tenant) -> None:
    admin = await _user(db, tenant, role="admin")
    closed = _receipt(admin, closed_at=datetime(2025, 1, 1, tzinfo=UTC))
    for action in ("update", "close", "delete"):
        with pytest.raises(TicketClosed):
            await ticket_write_check(
                db,
                actor=admin,
                ticket=closed,
                data=None,
                action=action,
                till=True,  # type: ignore[arg-type]
            )
    await db.rollback()


async def test_till_updates_depend_on_whose_receipt_it_is(db: AsyncSession, tenant: Tenant) -> None:
    owner = await _user(db, tenant, rights=[TICKET_UPDATE])
    colleague = await _user(db, tenant, rights=[TICKET_UPDATE])
    mine = _receipt(owner, subject="Table 4")
    nobodys = _receipt(None, subject="Table 5")

    async def update(actor: User, ticket: Ticket, data: TicketData | None = None) -> None:
        await ticket_write_check(
            db, actor=actor, ticket=ticket, data=data, action="update", till=True
        )

    await update(owner, mine)
    await update(colleague, nobodys)  # a receipt nobody owns is anyone's
    with missing(TICKET_UPDATE_ANY):
        await update(colleague, mine)
    # Renaming needs its right; sending the same subject does not.
    await update(owner, mine, TicketData(subject="Table 4"))
    with missing(TICKET_RENAME):
        await update(owner, mine, TicketData(subject="Table 9"))
    # Handing the receipt over needs TicketHandover; taking it over needs TicketTakeover
    # and TicketUpdateAny.
    with missing(TICKET_HANDOVER):
        await update(owner, mine, TicketData(pos=PosTicketData(employee_email=colleague.email)))
    taker = await _user(db, tenant, rights=[TICKET_UPDATE, TICKET_UPDATE_ANY])
    with missing(TICKET_TAKEOVER):
        await update(taker, mine, TicketData(pos=PosTicketData(employee_email=taker.email)))
    taker.rights = [TICKET_UPDATE, TICKET_UPDATE_ANY, TICKET_TAKEOVER]
    await update(taker, mine, TicketData(pos=PosTicketData(employee_email=taker.email)))
    # A new customer e-mail needs TicketSetCustomer; the one already there does not.
    known = _receipt(owner, customer_email="c@customer.test")
    await update(owner, known, TicketData(customer=CustomerData(email="C@customer.test")))
    with missing(TICKET_SET_CUSTOMER):
        await update(owner, known, TicketData(customer=CustomerData(email="d@customer.test")))
    await db.rollback()
