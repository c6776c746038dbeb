"""Next Commerce ticket types: the account's ticket types, integer ids."""

from __future__ import annotations

from litestar import Request, get
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.api.nextcommerce import schemas as s
from ticketry.api.nextcommerce.deps import Caller, Params, check_id
from ticketry.domain.catalog.models import TicketType
from ticketry.domain.errors import NotFound
from ticketry.domain.search import fold

READ = {"access": "read"}


def type_name(names: dict, language: str) -> str:
    for key in (language, "en"):
        if names.get(key):
            return str(names[key])
    return next((str(v) for v in names.values() if v), "")


@get(
    "/tickettypes/",
    operation_id="tickettypesList",
    summary="Retrieve a list of ticket types.",
    opt=READ,
)
async def tickettypes_list(
    request: Request,
    db: AsyncSession,
    caller: Caller,
    name: str | None = None,
    cursor: str | None = None,
) -> s.CursorPage[s.TicketTypeOut]:
    """An account has a handful of types: they come in one page (``next`` is null).
    ``name`` matches part of the name, ignoring case and accents."""
    q = Params(request)
    wanted = q.text("name")
    q.raise_if_any()
    rows = await db.execute(
        select(TicketType.id, TicketType.name)
        .where(TicketType.account_id == caller.account.id)
        .order_by(TicketType.position, TicketType.id)
    )
    out = [s.TicketTypeOut(id=i, name=type_name(n, caller.account.language)) for i, n in rows]
    if wanted:
        needle = fold(wanted)
        out = [t for t in out if needle in fold(t.name)]
    return s.CursorPage(next=None, previous=None, results=out)


@get(
    "/tickettypes/{id:int}/",
    operation_id="tickettypesRetrieve",
    summary="Retrieve a ticket type.",
    opt=READ,
)
async def tickettypes_retrieve(db: AsyncSession, caller: Caller, id: int) -> s.TicketTypeOut:
    row = (
        await db.execute(
            select(TicketType.id, TicketType.name).where(
                TicketType.id == check_id(id), TicketType.account_id == caller.account.id
            )
        )
    ).first()
    if row is None:
        raise NotFound()
    return s.TicketTypeOut(id=row[0], name=type_name(row[1], caller.account.language))


HANDLERS = [tickettypes_list, tickettypes_retrieve]
