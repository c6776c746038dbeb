"""The one person behind a ticket, whichever face wrote it.

Every face gives the customer its own way: Retino and PORTOS a ``customer`` (name, e-mail,
phone), Next Commerce a ``requester`` id or a ``from_email``, Paymenter a ``user_id``, the
portal and the desk a name and an e-mail. All of them come here and end as one person of the
account (``contacts``), matched by e-mail in any letter case, and the ticket shows that person:
``requester_id`` and the customer snapshot (``customer_email/name/phone``) are written
together, so every face reads the same e-mail and name, and every search finds it.

The rule, on create and on every update that touches the customer:

* a person named by id (``TicketData.requester``) is the requester;
* otherwise the person is the one of the ticket's e-mail: its customer's e-mail, or, when it
  has none, the e-mail it came from (``from_email``). A name or phone given with it becomes
  the person's (``person_resolve``). ``requester: null`` thus names nobody by id; the ticket
  keeps the person of its e-mail (a ticket is detached from a person by clearing the e-mail);
* a ticket with no e-mail at all has no person: a name alone identifies nobody;
* a name or phone given empty is emptied on the ticket only: the person keeps theirs.
"""

from __future__ import annotations

from msgspec import UNSET
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.conversations.contacts import Person, email_key, person_resolve
from ticketry.domain.tickets.checks import ResolvedRefs
from ticketry.domain.tickets.commands import CustomerData, TicketData
from ticketry.domain.tickets.models import Ticket

# The ticket's columns that show its person, with the requester id.
REQUESTER_COLUMNS = ("requester_id", "customer_name", "customer_email", "customer_phone")


def _given(customer: CustomerData | object, part: str) -> str | None:
    """A customer part the command sets (None: left alone)."""
    if not isinstance(customer, CustomerData):
        return None
    value = getattr(customer, part)
    if value is UNSET:
        return None
    return (value or "").strip()


def _show(ticket: Ticket, person: Person) -> None:
    ticket.requester_id = person.id
    ticket.customer_email = person.email
    ticket.customer_name = person.name
    ticket.customer_phone = person.phone


def touches_requester(data: TicketData) -> bool:
    """Whether the command says anything about the ticket's customer."""
    return data.requester is not UNSET or data.customer is not UNSET or data.from_email is not UNSET


async def ticket_requester_apply(
    session: AsyncSession,
    *,
    ticket: Ticket,
    data: TicketData,
    resolved: ResolvedRefs,
    creating: bool,
) -> None:
    """Set the ticket's person and customer snapshot from the command (see the module's
    rule). Call after the command's plain fields (``from_email``) are on the ticket; on an
    update, only when ``touches_requester``."""
    if resolved.requester is not None:
        _show(ticket, Person.of(resolved.requester))
        return

    def now(column: str) -> str:
        return "" if creating else (getattr(ticket, column) or "")

    email, name, phone = (_given(data.customer, part) for part in ("email", "name", "phone"))
    email_now = email if email is not None else now("customer_email")
    name_now = name if name is not None else now("customer_name")
    phone_now = phone if phone is not None else now("customer_phone")
    wanted = email_key(email_now) or email_key(ticket.from_email or "")
    # A ticket moving to another person carries its customer's name and phone along; staying
    # with its person, only what the command says is news about them.
    moving = creating or wanted != email_key(now("customer_email"))
    person = await person_resolve(
        session,
        account_id=ticket.account_id,
        email=wanted,
        name=name_now if moving else (name or ""),
        phone=phone_now if moving else (phone or ""),
    )
    if person is not None:
        _show(ticket, person)
        # A name or phone the command empties is emptied on this ticket (it reads back what
        # was written), not on the person, whom another face may have told otherwise.
        if name == "":
            ticket.customer_name = ""
        if phone == "":
            ticket.customer_phone = ""
        return
    ticket.requester_id = None
    ticket.customer_email = ""
    ticket.customer_name = name_now
    ticket.customer_phone = phone_now
