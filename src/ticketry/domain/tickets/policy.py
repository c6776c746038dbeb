"""Who may write what to a ticket: one decision every ticket write passes through.

``ticket_write_check`` is called by the ticket services (create, update, close, delete)
before they change anything, whichever face or page asked. Two sets of rules:

- the role's rights (``domain/accounts/rights.py``): a user writes tickets with
  ``tickets.edit``; writes without a user (API keys scoped by their own permissions, the
  returns portal, the CLI) are decided by their caller;
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
from ticketry.domain.accounts.rights import TICKETS_EDIT, user_has_right
from ticketry.domain.errors import Forbidden
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


def pos_has_right(user: User, right: str) -> bool:
    return user.role == "admin" or right in (user.rights or ())


def _require(user: User, right: str) -> None:
    if not pos_has_right(user, right):
        raise Forbidden(f"The right {right} is required.")


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
) -> None:
    """Raise Forbidden (or TicketClosed) unless ``actor`` may do ``action`` to ``ticket``
    (None when creating) with ``data`` (what a create or update writes)."""
    if not till:
        if actor is not None and not user_has_right(actor, TICKETS_EDIT):
            raise Forbidden()
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
