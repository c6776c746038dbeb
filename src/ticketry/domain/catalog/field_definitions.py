"""Defining an account's custom fields: create, update, delete (with their values).

Checking the values a ticket or product gives a field is ``custom_fields``' job.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, func, literal, select, type_coerce, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from ticketry.domain.base import table_of
from ticketry.domain.catalog.checks import (
    choice_check,
    constraint_as_field_error,
    names_check,
    position_after_last,
    position_check,
)
from ticketry.domain.catalog.models import CUSTOM_FIELD_TYPES, CustomField
from ticketry.domain.errors import Code, ErrorCollector, FieldError
from ticketry.domain.refs import Ref, ref_get_or_404
from ticketry.domain.tickets.models import Ticket, TicketItem
from ticketry.domain.upsert import dialect_name

KEY_MAX = 64
OPTION_ID_MAX = 64
OPTIONS_MAX = 200
FIELD_TARGETS = ("ticket", "product")
SELECT_TYPES = ("SINGLE_SELECT", "MULTI_SELECT")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class OptionInput:
    """A select field's option as an admin gives it; ``id`` None (or blank) for a new one."""

    label: Mapping[str, str]
    id: str | None = None


def _options(
    errors: ErrorCollector, field_type: str, options: Sequence[OptionInput]
) -> list[dict[str, Any]]:
    """Select fields need options ``[{id, label}]``; other types keep none (any sent are
    dropped, so changing a select field's type needs no clearing first). Ids are kept, so
    stored values stay valid; a new option gets a UUID."""
    if field_type not in SELECT_TYPES:
        return []
    if not options:
        errors.add("options", "A select field needs at least one option.")
        return []
    if len(options) > OPTIONS_MAX:
        errors.add("options", f"Ensure there are no more than {OPTIONS_MAX} options.")
        return []
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, option in enumerate(options, start=1):
        problems = ErrorCollector()
        label = names_check(problems, "label", option.label)
        for problem in problems.errors.get("label", []):
            part = f"Option {number}"
            if isinstance(problem, FieldError):
                if "part" in problem.params:
                    part = f"{part}: {problem.params['part']}"
                errors.add("options", problem.code, **{**problem.params, "part": part})
            else:
                errors.add("options", f"{part}: {problem}")
        option_id = (option.id or "").strip() or str(uuid.uuid4())
        if len(option_id) > OPTION_ID_MAX:
            errors.add("options", f"Option {number}: the id is too long.")
        elif option_id in seen:
            errors.add("options", f'Option {number}: the id "{option_id}" is used twice.')
        seen.add(option_id)
        out.append({"id": option_id, "label": label})
    return out


def _field_checks(
    errors: ErrorCollector,
    name: Mapping[str, str],
    type: str,
    options: Sequence[OptionInput],
    position: int | None,
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The clean name and options; every problem goes into ``errors``."""
    clean = names_check(errors, "name", name)
    choice_check(errors, "type", type, CUSTOM_FIELD_TYPES)
    position_check(errors, position)
    return clean, _options(errors, type, options)


def _key_message(key: str) -> str:
    return f'A field with the key "{key}" already exists.'


async def _key_check(
    session: AsyncSession, errors: ErrorCollector, *, account_id: int, target: str, key: str
) -> None:
    """A ticket field's key: a slug, unique among the account's ticket fields."""
    if not key:
        errors.add("key", Code.BLANK)
    elif len(key) > KEY_MAX:
        errors.add("key", Code.TOO_LONG, max=KEY_MAX)
    elif not _KEY.match(key):
        errors.add("key", "Use lower-case letters, digits and underscores, starting with a letter.")
    elif target in FIELD_TARGETS:
        taken = await session.scalar(
            select(CustomField.id).where(
                CustomField.account_id == account_id,
                CustomField.target == target,
                CustomField.key == key,
            )
        )
        if taken is not None:
            errors.add("key", _key_message(key))


async def custom_field_create(
    session: AsyncSession,
    *,
    account_id: int,
    target: str,
    key: str | None,
    type: str,
    name: Mapping[str, str],
    options: Sequence[OptionInput] = (),
    is_required: bool = False,
    position: int | None = None,
) -> CustomField:
    """A new field of tickets or of products (ticket items).

    A ticket field's ``key`` (a slug, unique among the account's ticket fields) names its
    value in a ticket's ``custom_fields``. Product fields are keyed by their id, as the
    Retino wire has them: their ``key`` must be left empty. Key and target are fixed once
    created: values are stored under the key."""
    errors = ErrorCollector()
    choice_check(errors, "target", target, FIELD_TARGETS)
    public_id = uuid.uuid4()
    key = (key or "").strip()
    if target == "product":
        if key:
            errors.add("key", "Product fields are keyed by their id: leave the key empty.")
        key = str(public_id)
    else:
        await _key_check(session, errors, account_id=account_id, target=target, key=key)
    clean, clean_options = _field_checks(errors, name, type, options, position)
    errors.raise_if_any()
    if position is None:
        position = await position_after_last(
            session,
            CustomField,
            CustomField.account_id == account_id,
            CustomField.target == target,
        )
    field = CustomField(
        account_id=account_id,
        public_id=public_id,
        target=target,
        key=key,
        type=type,
        name=clean,
        options=clean_options,
        is_required=is_required,
        position=position,
    )
    async with constraint_as_field_error(session, "key", _key_message(key)):
        session.add(field)
    return field


async def custom_field_update(
    session: AsyncSession,
    *,
    account_id: int,
    ref: Ref,
    type: str,
    name: Mapping[str, str],
    options: Sequence[OptionInput] = (),
    is_required: bool = False,
    position: int | None = None,
) -> CustomField:
    """Change a field's name, type, options, requiredness or place (``position`` None:
    unchanged). Stored values are not rewritten: a value that no longer fits (an option
    removed, another type) is reported when that ticket's custom fields are next written."""
    field = await ref_get_or_404(
        session, CustomField, account_id=account_id, ref=ref, for_update=True
    )
    errors = ErrorCollector()
    clean, clean_options = _field_checks(errors, name, type, options, position)
    errors.raise_if_any()
    field.name = clean
    field.type = type
    field.options = clean_options
    field.is_required = is_required
    if position is not None:
        field.position = position
    await session.flush()
    return field


async def custom_field_delete(session: AsyncSession, *, account_id: int, ref: Ref) -> None:
    """Delete a field and its values from the account's tickets (ticket fields) or ticket
    products (product fields).

    Refusing while values exist would leave admins no practical way out (a ticket can only
    set a value to null, one ticket at a time), and keeping the values would leave them in
    every API response with no definition to read them by, ready to reattach to a later
    field with the same key but another type. Like a removed tag, this touches no ticket's
    history, version or webhooks: it is a change of the account's schema, not of a ticket.
    """
    field = await ref_get_or_404(
        session, CustomField, account_id=account_id, ref=ref, for_update=True
    )
    model = Ticket if field.target == "ticket" else TicketItem
    table = table_of(model)
    column = table.c.custom_fields
    has_value: ColumnElement[Any]
    without: ColumnElement[Any]
    if dialect_name(session) == "postgresql":
        as_jsonb = type_coerce(column, JSONB)
        has_value = as_jsonb.has_key(field.key)
        without = as_jsonb.op("-", return_type=JSONB)(cast(literal(field.key), Text))
    else:
        path = '$."' + field.key.replace('"', '\\"') + '"'
        has_value = func.json_type(column, path).is_not(None)
        without = func.json_remove(column, path)
    await session.execute(
        update(table)
        .where(table.c.account_id == account_id, has_value)
        .values(custom_fields=without)
    )
    await session.delete(field)
    await session.flush()
