"""Tags by their plain-string label, for faces whose tags are strings (Next Commerce)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.catalog.models import Tag
from ticketry.domain.errors import ValidationFailed
from ticketry.domain.upsert import insert_for

MAX_LABEL = 100


async def tag_ids_for_labels(
    session: AsyncSession, *, account_id: int, labels: list[str], field: str = "tags"
) -> list[int]:
    """The ids of the tags labelled ``labels`` (in order, once each); missing tags are
    created, as a desk creates a tag the first time an agent types it. No commit."""
    clean: list[str] = []
    for label in labels:
        text = (label or "").strip()
        if not text:
            raise ValidationFailed.single(field, "This field may not be blank.")
        if len(text) > MAX_LABEL:
            raise ValidationFailed.single(
                field, f"Ensure this field has no more than {MAX_LABEL} characters."
            )
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
