"""Paymenter's FormRequest rules with Laravel's messages, all failures reported at once.

As Laravel's middleware does, strings are trimmed and empty strings become null first.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.api.common.decoding import MalformedBody, json_decode
from ticketry.api.common.params import as_id
from ticketry.api.paymenter.mapping import PRIORITIES, STATUSES
from ticketry.domain.conversations.people import person_get
from ticketry.domain.errors import ValidationFailed
from ticketry.domain.tickets.queries import ticket_get_many
from ticketry.domain.tickets.records import FLAT

MAX_SUBJECT = 255
MAX_MESSAGE = 5000
DEFAULT_DEPARTMENTS = ["Support", "Sales"]


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
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, list[str]] = {}
        self.valid: dict[str, Any] = {}

    @staticmethod
    def _label(name: str) -> str:
        return name.replace("_", " ")

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def present(self, name: str) -> bool:
        return name in self.data

    def required(self, name: str) -> bool:
        if self.data.get(name) is None:
            self.fail(name, f"The {self._label(name)} field is required.")
            return False
        return True

    def string(self, name: str, max_length: int | None = None) -> bool:
        value = self.data[name]
        if not isinstance(value, str):
            self.fail(name, f"The {self._label(name)} field must be a string.")
            return False
        if max_length is not None and len(value) > max_length:
            self.fail(
                name,
                f"The {self._label(name)} field must not be greater than {max_length} characters.",
            )
            return False
        self.valid[name] = value
        return True

    def one_of(self, name: str, choices: list[str] | tuple[str, ...]) -> None:
        value = self.data[name]
        if isinstance(value, str) and value in choices:
            self.valid[name] = value
        else:
            self.fail(name, f"The selected {self._label(name)} is invalid.")

    def invalid(self, name: str) -> None:
        self.fail(name, f"The selected {self._label(name)} is invalid.")

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


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
        rules.invalid(name)
        return None
    rules.valid[name] = person
    return person


async def check_ticket(
    db: AsyncSession,
    *,
    account_id: int,
    departments: list[str],
    data: dict[str, Any],
    creating: bool,
) -> dict[str, Any]:
    """CreateTicketRequest (every field) or UpdateTicketRequest (fields present only).

    Returns the valid values: ``user_id``/``assigned_to`` as person rows."""
    rules = Rules(data)
    if (creating or rules.present("subject")) and rules.required("subject"):
        rules.string("subject", MAX_SUBJECT)
    if (creating or rules.present("user_id")) and rules.required("user_id"):
        await _person(rules, db, account_id, "user_id")
    if rules.present("department"):
        if data["department"] is None:
            rules.valid["department"] = None
        elif rules.string("department"):
            rules.one_of("department", departments)
    for name, choices, default in (
        ("priority", PRIORITIES, "medium"),
        ("status", STATUSES, "open"),
    ):
        if creating and data.get(name) is None:
            rules.valid[name] = default
        elif rules.present(name) and rules.required(name):
            rules.one_of(name, choices)
    if rules.present("assigned_to"):
        if data["assigned_to"] is None:
            rules.valid["assigned_to"] = None
        else:
            await _person(rules, db, account_id, "assigned_to", staff=True)
    rules.raise_if_any()
    return rules.valid


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
            rules.invalid("ticket_id")
        else:
            rules.valid["ticket_id"] = ticket
    rules.raise_if_any()
    return rules.valid


def departments_of(settings: dict[str, Any] | None) -> list[str]:
    configured = (settings or {}).get("ticket_departments")
    if isinstance(configured, str):
        configured = [d.strip() for d in configured.split(",") if d.strip()]
    if isinstance(configured, list) and configured:
        return [str(d) for d in configured]
    return list(DEFAULT_DEPARTMENTS)
