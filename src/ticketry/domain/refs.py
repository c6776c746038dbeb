"""Finding an account's objects by integer id or public UUID, whichever a face uses."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.errors import NotFound

Ref = uuid.UUID | int
M = TypeVar("M")


def ref_clause(model: Any, ref: Ref) -> Any:
    if isinstance(ref, uuid.UUID):
        return model.public_id == ref
    return model.id == ref


async def ref_get(
    session: AsyncSession, model: type[M], *, account_id: int, ref: Ref, for_update: bool = False
) -> M | None:
    stmt = select(model).where(ref_clause(model, ref), model.account_id == account_id)  # type: ignore[attr-defined]
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def ref_get_or_404(
    session: AsyncSession,
    model: type[M],
    *,
    account_id: int,
    ref: Ref,
    for_update: bool = False,
    message: str = "Not found.",
) -> M:
    obj = await ref_get(session, model, account_id=account_id, ref=ref, for_update=for_update)
    if obj is None:
        raise NotFound(message)
    return obj


async def ref_id_or_404(session: AsyncSession, model: Any, *, account_id: int, ref: Ref) -> int:
    """The object's integer id, or NotFound: a 404 comes before any body validation."""
    found = await session.scalar(
        select(model.id).where(ref_clause(model, ref), model.account_id == account_id)
    )
    if found is None:
        raise NotFound()
    return int(found)
