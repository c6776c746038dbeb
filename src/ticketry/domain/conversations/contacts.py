"""Customer contacts, found or created by e-mail without races."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.conversations.models import Contact
from ticketry.domain.upsert import insert_for


async def contact_get_or_create(
    session: AsyncSession, *, account_id: int, email: str, name: str = "", phone: str = ""
) -> int:
    email = email.strip().lower()
    table = Contact.__table__
    stmt = (
        insert_for(session, table)
        .values(account_id=account_id, email=email, name=name, phone=phone)
        .on_conflict_do_nothing(index_elements=[table.c.account_id, table.c.email])
    )
    # Column defaults (public_id, timestamps) are applied by SQLAlchemy for Core inserts too.
    await session.execute(stmt)
    contact_id = await session.scalar(
        select(Contact.id).where(Contact.account_id == account_id, Contact.email == email)
    )
    assert contact_id is not None
    return int(contact_id)
