"""Tags: edited by admins (create, update, delete), and found or created by their plain-string
label for faces whose tags are strings (Next Commerce)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.catalog.checks import constraint_as_field_error, names_check
from ticketry.domain.catalog.models import Tag
from ticketry.domain.errors import Code, ErrorCollector, FieldError, ValidationFailed
from ticketry.domain.refs import Ref, ref_get_or_404
from ticketry.domain.tickets.models import ticket_tags
from ticketry.domain.upsert import insert_for

MAX_LABEL = 100
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _label_problem(label: str) -> FieldError | None:
    """What is wrong with a (trimmed) label, or None."""
    if not label:
        return FieldError(Code.BLANK)
    if "\x00" in label:
        return FieldError(Code.NUL_CHARACTER)
    if len(label) > MAX_LABEL:
        return FieldError(Code.TOO_LONG, {"max": MAX_LABEL})
    return None


async def tag_ids_for_labels(
    session: AsyncSession, *, account_id: int, labels: list[str], field: str = "tags"
) -> list[int]:
    """The ids of the tags labelled ``labels`` (in order, once each); missing tags are
    created, as a desk creates a tag the first time an agent types it. No commit."""
    clean: list[str] = []
    for label in labels:
        text = (label or "").strip()
        problem = _label_problem(text)
        if problem:
            raise ValidationFailed({field: [problem]})
        if text not in clean:
            clean.append(text)
    if not clean:
        return []
    table = Tag.__table__
    for label in clean:
        await session.execute(
            insert_for(session, table)
            .values(account_id=account_id, label=label, name={"en": label})
            .on_conflict_do_nothing(index_elements=[table.c.account_id, table.c.label])
        )
    rows = await session.execute(
        select(Tag.label, Tag.id).where(Tag.account_id == account_id, Tag.label.in_(clean))
    )
    by_label = dict(rows.tuples().all())
    return [by_label[label] for label in clean]


async def _tag_values(
    session: AsyncSession,
    account_id: int,
    tag_id: int | None,
    name: Mapping[str, str],
    label: str,
    colours: tuple[str, str],
) -> dict[str, Any]:
    """A tag's checked columns (``tag_id`` None: a new tag), or ``ValidationFailed`` naming
    every bad field; a label another of the account's tags has is one."""
    errors = ErrorCollector()
    clean = names_check(errors, "name", name)
    label = label.strip()
    problem = _label_problem(label)
    if problem:
        errors.add("label", problem.code, **problem.params)
    elif await _label_taken(session, account_id, label, but=tag_id):
        errors.add("label", _label_message(label))
    for field, colour in zip(("fgcolor", "bgcolor"), colours, strict=True):
        if not _COLOUR.match(colour):
            errors.add(field, "Enter a colour as #rrggbb.")
    errors.raise_if_any()
    fgcolor, bgcolor = (colour.lower() for colour in colours)
    return {"name": clean, "label": label, "fgcolor": fgcolor, "bgcolor": bgcolor}


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
    values = await _tag_values(session, account_id, None, name, label, (fgcolor, bgcolor))
    tag = Tag(account_id=account_id, **values)
    async with constraint_as_field_error(session, "label", _label_message(tag.label)):
        session.add(tag)
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
    values = await _tag_values(session, account_id, tag.id, name, label, (fgcolor, bgcolor))
    async with constraint_as_field_error(session, "label", _label_message(values["label"])):
        for column, value in values.items():
            setattr(tag, column, value)
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
