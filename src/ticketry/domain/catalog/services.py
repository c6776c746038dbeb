"""Writing an account's reference data: ticket states, ticket types, tags, custom fields.

Each function checks every value first and raises one ``ValidationFailed`` naming every bad
field; rows are found by ref within the account (another account's row is ``NotFound``).
Nothing is committed here: the caller owns the transaction and commits or rolls back.

No face keeps reference data in memory (the only caches are settings, ISO code lists,
transliterations, the host's own addresses and the generated OpenAPI documents): every
request reads states, types, tags and fields from the database, so a committed edit is
served at once and there is nothing to invalidate.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, delete, func, literal, select, type_coerce, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from ticketry.domain.base import table_of
from ticketry.domain.catalog.models import (
    CUSTOM_FIELD_TYPES,
    TICKET_STATUSES,
    CustomField,
    Tag,
    TicketState,
    TicketType,
)
from ticketry.domain.errors import ErrorCollector, ValidationFailed
from ticketry.domain.refs import Ref, ref_get_or_404
from ticketry.domain.tickets.models import Ticket, TicketItem, ticket_tags
from ticketry.domain.upsert import dialect_name
from ticketry.domain.validation import check_language

NAME_MAX = 100
LABEL_MAX = 100
KEY_MAX = 64
OPTION_ID_MAX = 64
OPTIONS_MAX = 200
POSITION_MAX = 1_000_000
TYPE_KINDS = ("return", "complaint", "warranty", "other")
FIELD_TARGETS = ("ticket", "product")
SELECT_TYPES = ("SINGLE_SELECT", "MULTI_SELECT")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class OptionInput:
    """A select field's option as an admin gives it; ``id`` None (or blank) for a new one."""

    label: Mapping[str, str]
    id: str | None = None


# ---- shared checks ------------------------------------------------------------------------


def _names(errors: ErrorCollector, field: str, value: Mapping[str, str]) -> dict[str, str]:
    """A localized name: language codes, trimmed texts; blank languages are dropped."""
    clean: dict[str, str] = {}
    for lang, text in value.items():
        code = str(lang).strip().lower()
        probe = ErrorCollector()
        check_language(probe, field, code)
        if probe:
            for message in probe.errors[field]:
                errors.add(field, message)
            continue
        if not isinstance(text, str):
            errors.add(field, f"{code}: Expected a string.")
            continue
        text = text.strip()
        if len(text) > NAME_MAX:
            errors.add(field, f"{code}: Ensure this field has no more than {NAME_MAX} characters.")
        elif text:
            clean[code] = text
    if not clean and field not in errors.errors:
        errors.add(field, "Enter a name in at least one language.")
    return clean


def _choice(errors: ErrorCollector, field: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        errors.add(field, f'"{value}" is not a valid choice.')


def _position(errors: ErrorCollector, value: int | None) -> None:
    if value is not None and not 0 <= value <= POSITION_MAX:
        errors.add("position", f"Ensure this value is between 0 and {POSITION_MAX}.")


async def _position_after_last(session: AsyncSession, model: Any, *where: Any) -> int:
    last = await session.scalar(select(func.max(model.position)).where(*where))
    return 0 if last is None else int(last) + 1


async def _tickets_using(session: AsyncSession, account_id: int, column: Any, value: int) -> int:
    found = await session.scalar(
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.account_id == account_id, column == value)
    )
    return int(found or 0)


def _tickets(count: int) -> str:
    return "1 ticket is" if count == 1 else f"{count} tickets are"


async def _write_unique(
    session: AsyncSession, apply: Callable[[], None], field: str, message: str
) -> None:
    """Apply changes and flush them in a savepoint: a unique key that a concurrent writer
    took after the check is a field error, not an aborted transaction. (The savepoint
    flushes anything pending first, so ``apply`` makes the changes inside it.)"""
    try:
        async with session.begin_nested():
            apply()
            await session.flush()
    except IntegrityError:
        raise ValidationFailed.single(field, message) from None


# ---- ticket states ------------------------------------------------------------------------


async def _states_locked(session: AsyncSession, account_id: int) -> list[TicketState]:
    """All the account's states, locked: default and last-of-status rules span rows."""
    rows = await session.scalars(
        select(TicketState)
        .where(TicketState.account_id == account_id)
        .order_by(TicketState.position, TicketState.id)
        .with_for_update()
    )
    return list(rows)


def _settle_default(
    states: Sequence[TicketState], status: str, chosen: TicketState | None = None
) -> None:
    """Exactly one default among the states of ``status``: ``chosen``, else the current
    default, else the first by position (the state ``ticket_create`` would pick anyway)."""
    same = sorted((s for s in states if s.status == status), key=lambda s: (s.position, s.id))
    if not same:
        return
    keep = chosen if chosen in same else next((s for s in same if s.is_default), same[0])
    for state in same:
        state.is_default = state is keep


async def state_create(
    session: AsyncSession,
    *,
    account_id: int,
    name: Mapping[str, str],
    status: str,
    is_default: bool = False,
    position: int | None = None,
) -> TicketState:
    """A new state. The first state of a status becomes its default whatever
    ``is_default`` says; a new default replaces the status's old one. ``position`` None:
    after the last."""
    errors = ErrorCollector()
    clean = _names(errors, "name", name)
    _choice(errors, "status", status, TICKET_STATUSES)
    _position(errors, position)
    errors.raise_if_any()
    states = await _states_locked(session, account_id)
    if position is None:
        position = max((s.position for s in states), default=-1) + 1
    state = TicketState(
        account_id=account_id, name=clean, status=status, is_default=False, position=position
    )
    session.add(state)
    await session.flush()
    _settle_default([*states, state], status, state if is_default else None)
    await session.flush()
    return state


async def state_update(
    session: AsyncSession,
    *,
    account_id: int,
    ref: Ref,
    name: Mapping[str, str],
    status: str,
    is_default: bool,
    position: int | None = None,
) -> TicketState:
    """Rename, reorder, make default, or move to another status.

    A state cannot leave its status when it is the status's last one (other faces set
    only the status and need a state for it) or while tickets are in it (a ticket's status
    is always its state's). Unticking the default is refused: which state would take over
    is the admin's choice, made by ticking another one. Moving the default away hands the
    old status's default to its first remaining state. ``position`` None: unchanged."""
    state = await ref_get_or_404(session, TicketState, account_id=account_id, ref=ref)
    states = await _states_locked(session, account_id)
    errors = ErrorCollector()
    clean = _names(errors, "name", name)
    _choice(errors, "status", status, TICKET_STATUSES)
    _position(errors, position)
    old = state.status
    if status in TICKET_STATUSES and status != old:
        if sum(1 for s in states if s.status == old) == 1:
            errors.add(
                "status",
                f'This is the only state with status "{old}": add another one first, '
                "so that tickets given that status still get a state.",
            )
        used = await _tickets_using(session, account_id, Ticket.state_id, state.id)
        if used:
            errors.add(
                "status",
                f"{_tickets(used)} in this state: move them to another state before "
                "changing its status.",
            )
    elif state.is_default and not is_default:
        errors.add(
            "is_default",
            f'Each status needs a default state: make another "{old}" state the default instead.',
        )
    errors.raise_if_any()
    state.name = clean
    if position is not None:
        state.position = position
    if status != old:
        state.status = status
        state.is_default = False
        _settle_default(states, old)
    _settle_default(states, status, state if is_default else None)
    await session.flush()
    return state


async def state_delete(session: AsyncSession, *, account_id: int, ref: Ref) -> None:
    """Delete a state no ticket is in, unless it is its status's last one. When it was the
    default, the status's first remaining state becomes the default."""
    state = await ref_get_or_404(session, TicketState, account_id=account_id, ref=ref)
    states = await _states_locked(session, account_id)
    errors = ErrorCollector()
    if sum(1 for s in states if s.status == state.status) == 1:
        errors.add(
            "state",
            f'This is the only state with status "{state.status}" and cannot be deleted: '
            "tickets given that status need a state.",
        )
    used = await _tickets_using(session, account_id, Ticket.state_id, state.id)
    if used:
        errors.add(
            "state",
            f"{_tickets(used)} in this state: move them to another state first.",
        )
    errors.raise_if_any()
    await session.delete(state)
    await session.flush()
    _settle_default([s for s in states if s is not state], state.status)
    await session.flush()


# ---- ticket types -------------------------------------------------------------------------


async def ticket_type_create(
    session: AsyncSession,
    *,
    account_id: int,
    name: Mapping[str, str],
    kind: str = "other",
    position: int | None = None,
) -> TicketType:
    """A new type; ``kind`` decides whether the returns portal offers it."""
    errors = ErrorCollector()
    clean = _names(errors, "name", name)
    _choice(errors, "kind", kind, TYPE_KINDS)
    _position(errors, position)
    errors.raise_if_any()
    if position is None:
        position = await _position_after_last(
            session, TicketType, TicketType.account_id == account_id
        )
    ticket_type = TicketType(account_id=account_id, name=clean, kind=kind, position=position)
    session.add(ticket_type)
    await session.flush()
    return ticket_type


async def ticket_type_update(
    session: AsyncSession,
    *,
    account_id: int,
    ref: Ref,
    name: Mapping[str, str],
    kind: str,
    position: int | None = None,
) -> TicketType:
    """Rename, re-kind or reorder a type; ``position`` None: unchanged."""
    ticket_type = await ref_get_or_404(
        session, TicketType, account_id=account_id, ref=ref, for_update=True
    )
    errors = ErrorCollector()
    clean = _names(errors, "name", name)
    _choice(errors, "kind", kind, TYPE_KINDS)
    _position(errors, position)
    errors.raise_if_any()
    ticket_type.name = clean
    ticket_type.kind = kind
    if position is not None:
        ticket_type.position = position
    await session.flush()
    return ticket_type


async def ticket_type_delete(session: AsyncSession, *, account_id: int, ref: Ref) -> None:
    """Delete a type no ticket has (the database would quietly clear it on theirs)."""
    ticket_type = await ref_get_or_404(
        session, TicketType, account_id=account_id, ref=ref, for_update=True
    )
    used = await _tickets_using(session, account_id, Ticket.type_id, ticket_type.id)
    if used:
        raise ValidationFailed.single(
            "type", f"{_tickets(used)} of this type: give them another type first."
        )
    await session.delete(ticket_type)
    await session.flush()


# ---- tags ---------------------------------------------------------------------------------


def _tag_checks(
    errors: ErrorCollector, name: Mapping[str, str], label: str, fgcolor: str, bgcolor: str
) -> tuple[dict[str, str], str]:
    clean = _names(errors, "name", name)
    label = label.strip()
    if not label:
        errors.add("label", "This field may not be blank.")
    elif len(label) > LABEL_MAX:
        errors.add("label", f"Ensure this field has no more than {LABEL_MAX} characters.")
    for field, colour in (("fgcolor", fgcolor), ("bgcolor", bgcolor)):
        if not _COLOUR.match(colour):
            errors.add(field, "Enter a colour as #rrggbb.")
    return clean, label


async def _label_taken(
    session: AsyncSession, account_id: int, label: str, but: int | None = None
) -> bool:
    stmt = select(Tag.id).where(Tag.account_id == account_id, Tag.label == label)
    if but is not None:
        stmt = stmt.where(Tag.id != but)
    return await session.scalar(stmt.limit(1)) is not None


def _label_message(label: str) -> str:
    return f'A tag labelled "{label}" already exists.'


async def tag_create(
    session: AsyncSession,
    *,
    account_id: int,
    name: Mapping[str, str],
    label: str,
    fgcolor: str = "#ffffff",
    bgcolor: str = "#3f51b5",
) -> Tag:
    """A new tag; ``label`` (its name in APIs whose tags are strings) is unique."""
    errors = ErrorCollector()
    clean, label = _tag_checks(errors, name, label, fgcolor, bgcolor)
    if label and "label" not in errors.errors and await _label_taken(session, account_id, label):
        errors.add("label", _label_message(label))
    errors.raise_if_any()
    tag = Tag(
        account_id=account_id,
        name=clean,
        label=label,
        fgcolor=fgcolor.lower(),
        bgcolor=bgcolor.lower(),
    )
    await _write_unique(session, lambda: session.add(tag), "label", _label_message(label))
    return tag


async def tag_update(
    session: AsyncSession,
    *,
    account_id: int,
    ref: Ref,
    name: Mapping[str, str],
    label: str,
    fgcolor: str,
    bgcolor: str,
) -> Tag:
    tag = await ref_get_or_404(session, Tag, account_id=account_id, ref=ref, for_update=True)
    errors = ErrorCollector()
    clean, label = _tag_checks(errors, name, label, fgcolor, bgcolor)
    if (
        label
        and "label" not in errors.errors
        and await _label_taken(session, account_id, label, but=tag.id)
    ):
        errors.add("label", _label_message(label))
    errors.raise_if_any()

    def apply() -> None:
        tag.name = clean
        tag.label = label
        tag.fgcolor = fgcolor.lower()
        tag.bgcolor = bgcolor.lower()

    await _write_unique(session, apply, "label", _label_message(label))
    return tag


async def tag_delete(session: AsyncSession, *, account_id: int, ref: Ref) -> None:
    """Delete a tag and take it off every ticket that has it. The tickets are otherwise
    untouched: no history row, no version bump, no webhook event per ticket."""
    tag = await ref_get_or_404(session, Tag, account_id=account_id, ref=ref, for_update=True)
    # The foreign key cascades too; saying it here keeps the rule visible and independent
    # of SQLite's foreign_keys pragma.
    await session.execute(
        delete(ticket_tags).where(
            ticket_tags.c.account_id == account_id, ticket_tags.c.tag_id == tag.id
        )
    )
    await session.delete(tag)
    await session.flush()


# ---- custom fields ------------------------------------------------------------------------


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
        label = _names(problems, "label", option.label)
        for message in problems.errors.get("label", []):
            errors.add("options", f"Option {number}: {message}")
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
    *,
    name: Mapping[str, str],
    type: str,
    options: Sequence[OptionInput],
    position: int | None,
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    clean = _names(errors, "name", name)
    _choice(errors, "type", type, CUSTOM_FIELD_TYPES)
    _position(errors, position)
    return clean, _options(errors, type, options)


def _key_message(key: str) -> str:
    return f'A field with the key "{key}" already exists.'


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
    _choice(errors, "target", target, FIELD_TARGETS)
    public_id = uuid.uuid4()
    key = (key or "").strip()
    if target == "product":
        if key:
            errors.add("key", "Product fields are keyed by their id: leave the key empty.")
        key = str(public_id)
    elif not key:
        errors.add("key", "This field may not be blank.")
    elif len(key) > KEY_MAX:
        errors.add("key", f"Ensure this field has no more than {KEY_MAX} characters.")
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
    clean, clean_options = _field_checks(
        errors, name=name, type=type, options=options, position=position
    )
    errors.raise_if_any()
    if position is None:
        position = await _position_after_last(
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
    await _write_unique(session, lambda: session.add(field), "key", _key_message(key))
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
    clean, clean_options = _field_checks(
        errors, name=name, type=type, options=options, position=position
    )
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
