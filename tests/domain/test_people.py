"""One id space of people: every agent has a contact, linked by ``contact_for_user``."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.services import account_get_or_create, user_get_or_create
from ticketry.domain.conversations.contacts import contact_for_user, contact_get_or_create
from ticketry.domain.conversations.models import AgentPerson
from ticketry.domain.conversations.people import agent_of_person, person_get


async def test_agents_are_people(db: AsyncSession) -> None:
    account, _ = await account_get_or_create(db, slug=f"p-{uuid.uuid4().hex[:8]}")
    customer_id = await contact_get_or_create(
        db, account_id=account.id, email="ann@example.com", name="Ann"
    )
    # A new agent gets a person record; one who already wrote in as a customer is linked.
    bob, _ = await user_get_or_create(db, account=account, email="bob@shop.test", full_name="Bob")
    ann, _ = await user_get_or_create(db, account=account, email="ann@example.com", role="agent")
    await db.commit()
    bob_person = await contact_for_user(db, user=bob)
    ann_person = await contact_for_user(db, user=ann)
    assert ann_person.id == customer_id
    assert bob_person.name == "Bob" and bob_person.email == "bob@shop.test"
    assert (await contact_for_user(db, user=bob)).id == bob_person.id  # idempotent
    links = await db.scalar(
        select(func.count()).select_from(AgentPerson).where(AgentPerson.account_id == account.id)
    )
    assert links == 2
    row = await person_get(db, account_id=account.id, person_id=bob_person.id)
    assert row is not None and row["user_id"] == bob.id
    agent = await agent_of_person(db, account_id=account.id, person_id=bob_person.id)
    assert agent is not None and agent.id == bob.id
    other = await contact_get_or_create(db, account_id=account.id, email="carl@example.com")
    assert (await person_get(db, account_id=account.id, person_id=other))["user_id"] is None  # type: ignore[index]
    assert await agent_of_person(db, account_id=account.id, person_id=other) is None
