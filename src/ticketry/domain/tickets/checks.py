"""Checking a ticket command: every value validated and every reference resolved within the
account, all problems collected before anything is written."""

from __future__ import annotations

from typing import Any

from msgspec import UNSET
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import User
from ticketry.domain.catalog.custom_fields import custom_fields_for, custom_values_check
from ticketry.domain.catalog.models import TICKET_STATUSES, Tag, TicketState, TicketType
from ticketry.domain.conversations.models import Contact
from ticketry.domain.errors import ErrorCollector
from ticketry.domain.refs import missing_ref_message, ref_get
from ticketry.domain.tickets.commands import TicketData
from ticketry.domain.tickets.models import TICKET_CHANNELS, TICKET_PRIORITIES
from ticketry.domain.validation import (
    check_country,
    check_currency,
    check_datetime,
    check_email,
    check_language,
    check_max_length,
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
    if data.subject is not UNSET:
        check_max_length(errors, "subject", data.subject, 255)
    if data.order_id not in (UNSET, None):
        check_max_length(errors, "order_id", data.order_id, 100)  # type: ignore[arg-type]
    if data.company not in (UNSET, None):
        check_max_length(errors, "company", data.company, 200)  # type: ignore[arg-type]
    if data.order_date not in (UNSET, None):
        check_datetime(errors, "order_date", data.order_date)  # type: ignore[arg-type]
    if data.from_email not in (UNSET, None):
        check_email(errors, "from_email", data.from_email)  # type: ignore[arg-type]
        check_max_length(errors, "from_email", data.from_email, 254)  # type: ignore[arg-type]
    if data.priority is not UNSET and data.priority not in TICKET_PRIORITIES:
        errors.add("priority", f'"{data.priority}" is not a valid choice.')
    if data.channel is not UNSET and data.channel not in TICKET_CHANNELS:
        errors.add("channel", f'"{data.channel}" is not a valid choice.')
    if data.status is not UNSET and data.status not in TICKET_STATUSES:
        errors.add("status", f'"{data.status}" is not a valid choice.')
    rating = data.customer_rating
    if rating not in (UNSET, None) and not 1 <= rating <= 5:  # type: ignore[operator]
        errors.add("customer_rating", "Ensure this value is between 1 and 5.")
    if data.customer is not UNSET:
        cust = ErrorCollector()
        if data.customer.email not in (UNSET, None, ""):
            check_email(cust, "email", data.customer.email)  # type: ignore[arg-type]
        if data.customer.name not in (UNSET, None):
            check_max_length(cust, "name", data.customer.name, 200)  # type: ignore[arg-type]
        if data.customer.phone not in (UNSET, None):
            check_max_length(cust, "phone", data.customer.phone, 40)  # type: ignore[arg-type]
        errors.nest("customer", cust.errors)

    if data.state not in (UNSET, None):
        out.state = await ref_get(session, TicketState, account_id=account_id, ref=data.state)  # type: ignore[arg-type]
        if out.state is None:
            errors.add("state", missing_ref_message(data.state))  # type: ignore[arg-type]
    elif data.state is None:
        errors.add("state", "This field may not be null.")
    if data.type not in (UNSET, None):
        ticket_type = await ref_get(session, TicketType, account_id=account_id, ref=data.type)  # type: ignore[arg-type]
        if ticket_type is None:
            errors.add("type", missing_ref_message(data.type))  # type: ignore[arg-type]
        else:
            out.type_id = ticket_type.id
    if data.assignee not in (UNSET, None):
        assignee = await ref_get(session, User, account_id=account_id, ref=data.assignee)  # type: ignore[arg-type]
        if assignee is None:
            errors.add("assignee", missing_ref_message(data.assignee))  # type: ignore[arg-type]
        else:
            out.assignee_id = assignee.id
    if data.tags is not UNSET:
        out.tag_ids = []
        for ref in data.tags:
            tag = await ref_get(session, Tag, account_id=account_id, ref=ref)
            if tag is None:
                errors.add("tags", missing_ref_message(ref))
            elif tag.id not in out.tag_ids:
                out.tag_ids.append(tag.id)
    if data.custom_fields is not UNSET:
        fields = await custom_fields_for(session, account_id=account_id, target="ticket")
        out.custom_fields, cf_errors = custom_values_check(fields, data.custom_fields)
        errors.nest("custom_fields", cf_errors)
    if data.requester not in (UNSET, None):
        out.requester = await ref_get(session, Contact, account_id=account_id, ref=data.requester)  # type: ignore[arg-type]
        if out.requester is None:
            errors.add("requester", missing_ref_message(data.requester))  # type: ignore[arg-type]
    return out
