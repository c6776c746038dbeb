"""Checking a ticket command: every value validated and every reference resolved within the
account, all problems collected before anything is written."""

from __future__ import annotations

from typing import Any

from msgspec import UNSET
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import User
from ticketry.domain.catalog.custom_fields import custom_fields_for, custom_values_check
from ticketry.domain.catalog.departments import department_names
from ticketry.domain.catalog.models import TICKET_STATUSES, Tag, TicketState, TicketType
from ticketry.domain.conversations.models import Contact
from ticketry.domain.errors import Code, ErrorCollector
from ticketry.domain.refs import ref_get
from ticketry.domain.tickets.commands import TicketData
from ticketry.domain.tickets.models import TICKET_CHANNELS, TICKET_PRIORITIES, Ticket
from ticketry.domain.validation import (
    check_country,
    check_currency,
    check_datetime,
    check_email,
    check_language,
    check_text,
)

# The command's free-text fields and the columns that hold them (their length limits).
_TEXT_COLUMNS = (
    ("subject", Ticket.subject),
    ("order_id", Ticket.order_id),
    ("company", Ticket.company),
    ("customer_rating_comment", Ticket.customer_rating_comment),
)


class ResolvedRefs:
    """What a command's references resolved to; None where the command left them out."""

    state: TicketState | None = None
    type_id: int | None = None
    assignee_id: int | None = None
    tag_ids: list[int] | None = None
    custom_fields: dict[str, Any] | None = None
    requester: Contact | None = None


async def ticket_data_check(
    session: AsyncSession, account_id: int, data: TicketData, errors: ErrorCollector
) -> ResolvedRefs:
    """Validate values and resolve references; every problem goes into ``errors``."""
    out = ResolvedRefs()
    if data.currency is not UNSET:
        check_currency(errors, "currency", data.currency)
    if data.language is not UNSET:
        check_language(errors, "language", data.language)
    if data.country not in (UNSET, None):
        check_country(errors, "country", data.country)  # type: ignore[arg-type]
    for field, column in _TEXT_COLUMNS:
        check_text(errors, field, getattr(data, field), column)
    if data.department not in (UNSET, None) and check_text(
        errors, "department", data.department, Ticket.department
    ):
        if data.department not in await department_names(session, account_id):
            errors.add("department", Code.NOT_ALLOWED, value=data.department)
    if data.order_date not in (UNSET, None):
        check_datetime(errors, "order_date", data.order_date)  # type: ignore[arg-type]
    if data.from_email not in (UNSET, None):
        check_email(errors, "from_email", data.from_email)  # type: ignore[arg-type]
        check_text(errors, "from_email", data.from_email, Ticket.from_email)
    if data.priority is not UNSET and data.priority not in TICKET_PRIORITIES:
        errors.add("priority", Code.INVALID_CHOICE, value=data.priority)
    if data.channel is not UNSET and data.channel not in TICKET_CHANNELS:
        errors.add("channel", Code.INVALID_CHOICE, value=data.channel)
    if data.status is not UNSET and data.status not in TICKET_STATUSES:
        errors.add("status", Code.INVALID_CHOICE, value=data.status)
    rating = data.customer_rating
    if rating not in (UNSET, None) and not 1 <= rating <= 5:  # type: ignore[operator]
        errors.add("customer_rating", Code.OUT_OF_RANGE, min=1, max=5)
    if data.customer is not UNSET:
        cust = ErrorCollector()
        customer = data.customer
        if customer.email not in (UNSET, None, "") and check_text(
            cust, "email", customer.email, Ticket.customer_email
        ):
            check_email(cust, "email", customer.email)  # type: ignore[arg-type]
        for part in ("name", "phone"):
            check_text(cust, part, getattr(customer, part), getattr(Ticket, f"customer_{part}"))
        errors.nest("customer", cust.errors)

    if data.pos is not UNSET:
        from ticketry.domain.tickets.pos import pos_problems  # pos builds on the services

        pos_problems(data.pos, errors)
    if data.state not in (UNSET, None):
        out.state = await ref_get(session, TicketState, account_id=account_id, ref=data.state)  # type: ignore[arg-type]
        if out.state is None:
            errors.add("state", Code.INVALID_REF, value=data.state)  # type: ignore[arg-type]
    elif data.state is None:
        errors.add("state", Code.NULL)
    if data.type not in (UNSET, None):
        ticket_type = await ref_get(session, TicketType, account_id=account_id, ref=data.type)  # type: ignore[arg-type]
        if ticket_type is None:
            errors.add("type", Code.INVALID_REF, value=data.type)  # type: ignore[arg-type]
        else:
            out.type_id = ticket_type.id
    if data.assignee not in (UNSET, None):
        assignee = await ref_get(session, User, account_id=account_id, ref=data.assignee)  # type: ignore[arg-type]
        if assignee is None:
            errors.add("assignee", Code.INVALID_REF, value=data.assignee)  # type: ignore[arg-type]
        else:
            out.assignee_id = assignee.id
    if data.tags is not UNSET:
        out.tag_ids = []
        for ref in data.tags:
            tag = await ref_get(session, Tag, account_id=account_id, ref=ref)
            if tag is None:
                errors.add("tags", Code.INVALID_REF, value=ref)
            elif tag.id not in out.tag_ids:
                out.tag_ids.append(tag.id)
    if data.custom_fields is not UNSET:
        fields = await custom_fields_for(session, account_id=account_id, target="ticket")
        out.custom_fields, cf_errors = custom_values_check(fields, data.custom_fields)
        errors.nest("custom_fields", cf_errors)
    if data.requester not in (UNSET, None):
        out.requester = await ref_get(session, Contact, account_id=account_id, ref=data.requester)  # type: ignore[arg-type]
        if out.requester is None:
            errors.add("requester", Code.INVALID_REF, value=data.requester)  # type: ignore[arg-type]
    return out
