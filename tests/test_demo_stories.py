"""The demo is a believable shop: subjects match types, conversations go both ways, and
the tickets have a history spread over days. On both databases."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from tests.conftest import Tenant
from ticketry.app import TicketryApp
from ticketry.demo import demo_seed
from ticketry.demo.stories import STORIES, demo_stories
from ticketry.demo.vocabulary import SUBJECTS
from ticketry.domain.accounts.models import Account
from ticketry.domain.accounts.services import user_get_or_create
from ticketry.domain.catalog.models import TicketType
from ticketry.domain.conversations.models import Message
from ticketry.domain.tickets.models import HistoryItem, Ticket


async def test_demo_tickets_are_consistent_and_have_conversations(
    app: TicketryApp, tenant: Tenant
) -> None:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        account = await session.get(Account, tenant.account_id)
        assert account is not None
        agent, _ = await user_get_or_create(
            session, account=account, email="agent@demo.test", role="agent"
        )
        await session.commit()
        await demo_seed(session, account=account, tickets=60, seed=3)
        assert await demo_stories(session, account=account, agent=agent) == len(STORIES)
        await session.commit()

        aid = tenant.account_id
        rows = (
            await session.execute(
                select(Ticket.id, Ticket.subject, TicketType.kind, Ticket.created_at)
                .join(TicketType, TicketType.id == Ticket.type_id)
                .where(Ticket.account_id == aid)
            )
        ).all()
        assert len(rows) == 60 + len(STORIES)
        for _, subject, kind, _ in rows:  # "Vrácení – …" is a return, and so on
            assert subject.startswith(SUBJECTS[kind] + " – "), (subject, kind)

        messages = (
            await session.execute(
                select(Message.ticket_id, Message.author_user_id, Message.is_public).where(
                    Message.account_id == aid
                )
            )
        ).all()
        sides: dict[int, set[str]] = defaultdict(set)
        for ticket_id, author, public in messages:
            sides[ticket_id].add("note" if not public else "agent" if author else "customer")
        both_ways = [t for t, s in sides.items() if {"customer", "agent"} <= s]
        assert len(both_ways) >= 5
        assert any("note" in s for s in sides.values())

        history = (
            await session.execute(
                select(HistoryItem.ticket_id, HistoryItem.created_at).where(
                    HistoryItem.account_id == aid, HistoryItem.ticket_id.in_(both_ways)
                )
            )
        ).all()
        days: dict[int, set[object]] = defaultdict(set)
        for ticket_id, at in history:
            days[ticket_id].add(at.date())
        # Each conversation happened over days, not in the second the demo was loaded.
        assert all(len(days[t]) >= 2 for t in both_ways), days
        statuses = set(
            await session.scalars(
                select(Ticket.status).where(Ticket.id.in_(list(sides)), Ticket.account_id == aid)
            )
        )
        assert {"new", "pending", "solved", "closed"} <= statuses
