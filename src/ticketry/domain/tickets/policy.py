"""Who may write what to a ticket: one decision every ticket write passes through.

``ticket_write_check`` is called by the ticket services (create, update, close, delete),
``ticket_item_write_check`` by the product services and ``message_write_check`` by the
conversation services, before they change anything, whichever face or page asked. Two
sets of rules:

- rights (``domain/accounts/rights.py``): the acting user's role (a user writes tickets
  with ``tickets.edit``) and the credential's grant (an API key's permissions, an OAuth
  token's scopes, mapped to rights by the face that accepted it) must both allow the
  write; a write with neither (the returns portal, the CLI) is decided by its caller. A
  face may ask ``access_check`` before it reads the body, where its vendor refuses first;
  the service asks again, so no face can forget;
- a till's rights (``till=True``, the point-of-sale writes PORTOS makes): PORTOS's "Ticket
  Operations and User Rights", kept in ``users.rights`` (the admin role has them all), and
  a closed (fiscal) receipt is read-only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import User
from ticketry.domain.accounts.rights import (
    MESSAGES_DELETE,
    MESSAGES_WRITE,
    TICKETS_CREATE,
    TICKETS_DELETE,
    TICKETS_UPDATE,
    Grant,
    user_has_right,
)
from ticketry.domain.errors import Forbidden, RightMissing
from ticketry.domain.tickets.commands import CustomerData, PosTicketData, TicketData
from ticketry.domain.tickets.errors import TicketClosed
from ticketry.domain.tickets.models import Ticket

# Rights a till checks (kept in ``users.rights``; the admin role has them all).
TICKET_CREATE = "TicketCreate"
TICKET_UPDATE = "TicketUpdate"
TICKET_UPDATE_ANY = "TicketUpdateAny"
TICKET_RENAME = "TicketRename"
TICKET_SET_DISCOUNT = "TicketSetDiscount"
TICKET_SET_CUSTOMER = "TicketSetCustomer"
TICKET_HANDOVER = "TicketHandover"
TICKET_TAKEOVER = "TicketTakeover"
TICKET_DELETE = "TicketDelete"
POS_RIGHTS = (
    TICKET_CREATE,
    TICKET_UPDATE,
    TICKET_UPDATE_ANY,
    TICKET_RENAME,
    TICKET_SET_DISCOUNT,
    TICKET_SET_CUSTOMER,
    TICKET_HANDOVER,
    TICKET_TAKEOVER,
    TICKET_DELETE,
)

Action = Literal["create", "update", "close", "delete"]
# The right each ticket write needs (outside the till); closing is an update.
ACTION_RIGHTS: dict[str, str] = {
    "create": TICKETS_CREATE,
    "update": TICKETS_UPDATE,
    "close": TICKETS_UPDATE,
    "delete": TICKETS_DELETE,
}
MessageAction = Literal["write", "delete"]


def access_check(*, actor: User | None, grant: Grant | None, right: str) -> None:
    """Raise RightMissing unless both the credential's grant (if any) and the acting user's
    role (if any) allow ``right``."""
    if grant is not None and not grant.allows(right):
        raise RightMissing(right)
    if actor is not None and not user_has_right(actor, right):
        raise RightMissing(right)


def pos_has_right(user: User, right: str) -> bool:
    return user.role == "admin" or right in (user.rights or ())


def _require(user: User, right: str) -> None:
    if not pos_has_right(user, right):
        raise RightMissing(right)


async def employee_email(session: AsyncSession, user_id: int | None) -> str | None:
    """The e-mail of the employee a receipt belongs to (its owner at the till)."""
    if user_id is None:
        return None
    return await session.scalar(select(User.email).where(User.id == user_id))


async def ticket_write_check(
    session: AsyncSession,
    *,
    actor: User | None,
    ticket: Ticket | None,
    data: TicketData | None,
    action: Action,
    till: bool = False,
    grant: Grant | None = None,
) -> None:
    """Raise Forbidden (or TicketClosed) unless ``actor``, with the credential's ``grant``,
    may do ``action`` to ``ticket`` (None when creating) with ``data`` (what a create or
    update writes)."""
    if not till:
        access_check(actor=actor, grant=grant, right=ACTION_RIGHTS[action])
        return
    if actor is None:
        raise Forbidden()
    if action == "delete":
        _require(actor, TICKET_DELETE)
        if ticket is not None and ticket.closed_at is not None:
            raise TicketClosed()
        return
    if ticket is None:
        _till_create_check(actor, data or TicketData())
        return
    if ticket.closed_at is not None:
        raise TicketClosed()
    owner = await employee_email(session, ticket.employee_id)
    _require(actor, TICKET_UPDATE if owner in (None, actor.email) else TICKET_UPDATE_ANY)
    if action == "update" and data is not None:
        _till_update_check(actor, ticket, owner, data)


async def ticket_item_write_check(
    session: AsyncSession,
    *,
    actor: User | None,
    ticket: Ticket,
    grant: Grant | None = None,
    till: bool = False,
) -> None:
    """A product added to, changed on or removed from ``ticket`` is an update of the ticket:
    the same rights, and at the till a closed receipt is read-only for its lines too."""
    await ticket_write_check(
        session, actor=actor, ticket=ticket, data=None, action="update", till=till, grant=grant
    )


def message_write_check(*, actor: User | None, grant: Grant | None, action: MessageAction) -> None:
    """A message (a reply or an internal note) written to a ticket's conversation, or one
    removed from it: what writing the ticket needs (``tickets.edit`` includes both)."""
    access_check(
        actor=actor, grant=grant, right=MESSAGES_WRITE if action == "write" else MESSAGES_DELETE
    )


def _till_create_check(actor: User, data: TicketData) -> None:
    pos = data.pos if isinstance(data.pos, PosTicketData) else None
    new_employee = pos.employee_email if pos is not None else None
    _require(actor, TICKET_CREATE)
    if new_employee and new_employee.lower() != actor.email:
        _require(actor, TICKET_HANDOVER)
    if pos is not None and (pos.discount_rate or 0) != 0:
        if pos.discount_rate != pos.customer_discount_rate:
            _require(actor, TICKET_SET_DISCOUNT)
    customer = data.customer if isinstance(data.customer, CustomerData) else None
    if (pos is not None and pos.customer_card_serial_number) or (
        customer is not None and (customer.email or customer.name)
    ):
        _require(actor, TICKET_SET_CUSTOMER)


def _till_update_check(actor: User, existing: Ticket, owner: str | None, data: TicketData) -> None:
    pos = data.pos if isinstance(data.pos, PosTicketData) else None
    new_employee = pos.employee_email if pos is not None else None
    me = actor.email
    if isinstance(data.subject, str) and data.subject != existing.subject:
        _require(actor, TICKET_RENAME)
    if pos is not None:
        if (new_employee or None) != owner:
            if owner not in (None, me) and (new_employee or "").lower() == me:
                _require(actor, TICKET_TAKEOVER)
                _require(actor, TICKET_UPDATE_ANY)
            elif new_employee:
                _require(actor, TICKET_HANDOVER)
        rate = pos.discount_rate or Decimal(0)
        if rate != (existing.discount_rate or 0) and rate != 0:
            if rate != pos.customer_discount_rate:
                _require(actor, TICKET_SET_DISCOUNT)
        if pos.customer_card_serial_number and (
            pos.customer_card_serial_number != existing.customer_card_serial_number
        ):
            _require(actor, TICKET_SET_CUSTOMER)
    if isinstance(data.customer, CustomerData):
        email = data.customer.email
        if isinstance(email, str) and email and email.lower() != existing.customer_email:
            _require(actor, TICKET_SET_CUSTOMER)
