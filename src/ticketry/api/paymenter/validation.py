"""Paymenter's FormRequest rules, all failures reported at once (worded by ``errors``).

As Laravel's middleware does, strings are trimmed and empty strings become null first.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.api.common.decoding import MalformedBody, json_decode
from ticketry.api.paymenter.mapping import PRIORITIES, STATUSES
from ticketry.domain.conversations.people import person_get
from ticketry.domain.errors import Code, ErrorCollector
from ticketry.domain.tickets.checks import ticket_data_check
from ticketry.domain.tickets.commands import TicketData
from ticketry.domain.tickets.queries import ticket_get_many
from ticketry.domain.tickets.records import FLAT
from ticketry.http.params import as_id

MAX_MESSAGE = 5000  # Paymenter's own limit, below what the domain stores


def read_input(body: bytes, content_type: str | None) -> dict[str, Any]:
    """The request's input: a JSON object or a form; anything else is no input (Laravel)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    raw: Any
    if media == "application/x-www-form-urlencoded":
        raw = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    else:
        try:
            raw = json_decode(body) if body.strip() else {}
        except MalformedBody:
            raw = {}
    if not isinstance(raw, dict):
        return {}
    return {k: _clean(v) for k, v in raw.items()}


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


class Rules:
    """The FormRequest rules that are this face's own (presence, type, its vocabulary);
    failures are domain codes, worded by ``errors``."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.errors = ErrorCollector()
        self.valid: dict[str, Any] = {}

    def present(self, name: str) -> bool:
        return name in self.data

    def required(self, name: str) -> bool:
        if self.data.get(name) is None:
            self.errors.add(name, Code.REQUIRED)
            return False
        return True

    def string(self, name: str, max_length: int | None = None) -> bool:
        value = self.data[name]
        if not isinstance(value, str):
            self.errors.add(name, Code.NOT_A_STRING)
            return False
        if max_length is not None and len(value) > max_length:
            self.errors.add(name, Code.TOO_LONG, max=max_length)
            return False
        self.valid[name] = value
        return True

    def one_of(self, name: str, choices: list[str] | tuple[str, ...]) -> None:
        value = self.data[name]
        if isinstance(value, str) and value in choices:
            self.valid[name] = value
        else:
            self.invalid(name)

    def invalid(self, name: str) -> None:
        self.errors.add(name, Code.INVALID_CHOICE, value=self.data.get(name))

    def raise_if_any(self) -> None:
        self.errors.raise_if_any()


async def _person(
    rules: Rules, db: AsyncSession, account_id: int, name: str, *, staff: bool = False
) -> RowMapping | None:
    person_id = as_id(rules.data[name])
    person = (
        await person_get(db, account_id=account_id, person_id=person_id)
        if person_id is not None
        else None
    )
    if person is None or (staff and person["user_id"] is None):
        rules.errors.add(name, Code.INVALID_REF, value=rules.data[name])
        return None
    rules.valid[name] = person
    return person


def check_ticket(data: dict[str, Any], *, creating: bool) -> Rules:
    """CreateTicketRequest (every field) or UpdateTicketRequest (fields present only): the
    rules of this face's own. Subject length, the requester's existence and the allowed
    departments are the domain's rules, checked by the service (``ticket_command``).

    The valid values: ``user_id`` an id, ``assigned_to`` (resolved later) the raw value."""
    rules = Rules(data)
    if (creating or rules.present("subject")) and rules.required("subject"):
        rules.string("subject")
    if (creating or rules.present("user_id")) and rules.required("user_id"):
        user_id = as_id(data["user_id"])
        if user_id is None:
            rules.errors.add("user_id", Code.INVALID_REF, value=data["user_id"])
        else:
            rules.valid["user_id"] = user_id
    if rules.present("department"):
        if data["department"] is None:
            rules.valid["department"] = None
        else:
            rules.string("department")
    for name, choices, default in (
        ("priority", PRIORITIES, "medium"),
        ("status", STATUSES, "open"),
    ):
        if creating and data.get(name) is None:
            rules.valid[name] = default
        elif rules.present(name) and rules.required(name):
            rules.one_of(name, choices)
    return rules


async def check_assignee(rules: Rules, db: AsyncSession, account_id: int) -> None:
    """``assigned_to``: a staff person of the account (or null), as a person row."""
    if rules.present("assigned_to"):
        if rules.data["assigned_to"] is None:
            rules.valid["assigned_to"] = None
        else:
            await _person(rules, db, account_id, "assigned_to", staff=True)


async def raise_with_domain_problems(
    db: AsyncSession, rules: Rules, *, account_id: int, data: TicketData
) -> None:
    """When this face's rules failed, the domain's problems with the rest of the command
    join them in the one 422, as Laravel reports every failing rule at once."""
    if rules.errors:
        await ticket_data_check(db, account_id, data, rules.errors)
        rules.raise_if_any()


async def check_message(
    db: AsyncSession, *, account_id: int, data: dict[str, Any]
) -> dict[str, Any]:
    """CreateTicketMessageRequest; ``user_id`` a person row, ``ticket_id`` a ticket row."""
    rules = Rules(data)
    if rules.required("message"):
        rules.string("message", MAX_MESSAGE)
    if rules.required("user_id"):
        await _person(rules, db, account_id, "user_id")
    if rules.required("ticket_id"):
        ticket_id = as_id(data["ticket_id"])
        ticket = (
            (
                await ticket_get_many(db, account_id=account_id, ids=[ticket_id], projection=FLAT)
            ).get(ticket_id)
            if ticket_id is not None
            else None
        )
        if ticket is None:
            rules.errors.add("ticket_id", Code.INVALID_REF, value=data["ticket_id"])
        else:
            rules.valid["ticket_id"] = ticket
    rules.raise_if_any()
    return rules.valid
