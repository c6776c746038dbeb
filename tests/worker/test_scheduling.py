"""Which due deliveries a worker claims first: accounts take turns, then each account's
subscriptions, least busy first; a subscription is capped; claims check again."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

from sqlalchemy import delete, select

from tests.conftest import make_tenant
from ticketry.app import TicketryApp
from ticketry.domain.types import utcnow
from ticketry.domain.webhooks.models import (
    PENDING,
    SENDING,
    WebhookDelivery,
    WebhookSubscription,
)
from ticketry.worker.claim import Due, Schedule, claim, due_in_order


def _delivery(sub: WebhookSubscription, status: str = PENDING) -> WebhookDelivery:
    now = utcnow()
    return WebhookDelivery(
        account_id=sub.account_id,
        subscription_id=sub.id,
        event_public_id=uuid.uuid4(),
        event_type="ticket.created",
        payload="{}",
        status=status,
        next_attempt_at=now - timedelta(seconds=1),
        locked_until=now + timedelta(seconds=60) if status == SENDING else None,
        lease="x" * 32 if status == SENDING else None,
    )


async def test_due_deliveries_take_turns_least_busy_first(app: TicketryApp) -> None:
    a, b = await make_tenant(app), await make_tenant(app)
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        subs = {
            # Each its own URL: the same subscription twice in an account is refused.
            name: WebhookSubscription(
                account_id=tenant.account_id, url=f"http://127.0.0.1:9/{name}", events=["x"]
            )
            for name, tenant in (("A1", a), ("A2", a), ("B1", b))
        }
        session.add_all(subs.values())
        await session.flush()
        label: dict[int, str] = {}
        for name in ("A1", "A2", "B1"):
            rows = [_delivery(subs[name]) for _ in range(3)]
            session.add_all(rows)
            await session.flush()
            label.update({row.id: name for row in rows})
        await session.commit()
        try:
            dues, busy = await due_in_order(session, limit=10_000)
            mine = [label[d.id] for d in dues if d.id in label]
            # Accounts alternate; within account A its two subscriptions alternate.
            assert mine == ["A1", "B1", "A2", "B1", "A1", "B1", "A2", "A1", "A2"]

            # Two deliveries of B1 in flight: B1 (and account B) now go after A's first two.
            session.add_all([_delivery(subs["B1"], SENDING) for _ in range(2)])
            await session.commit()
            dues, busy = await due_in_order(session, limit=10_000)
            mine = [label[d.id] for d in dues if d.id in label]
            assert mine == ["A1", "A2", "A1", "B1", "A2", "B1", "A1", "B1", "A2"]
            assert busy[subs["B1"].id] == 2 and busy[subs["A1"].id] == 0

            # A disabled subscription's deliveries wait.
            subs["A2"].is_active = False
            await session.commit()
            dues, _ = await due_in_order(session, limit=10_000)
            assert "A2" not in {label.get(d.id) for d in dues}
        finally:
            await session.execute(
                delete(WebhookSubscription).where(
                    WebhookSubscription.id.in_([s.id for s in subs.values()])
                )
            )
            await session.commit()


async def test_a_claim_takes_only_what_is_still_claimable(app: TicketryApp) -> None:
    tenant = await make_tenant(app)
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        sub = WebhookSubscription(
            account_id=tenant.account_id, url="http://127.0.0.1:9/", events=["x"]
        )
        session.add(sub)
        await session.flush()
        due, taken, later = _delivery(sub), _delivery(sub, SENDING), _delivery(sub)
        later.next_attempt_at = utcnow() + timedelta(hours=1)
        session.add_all([due, taken, later])
        await session.commit()
        try:
            claimed = await claim(session, ids=[due.id, taken.id, later.id], lease_seconds=60)
            await session.commit()
            assert [c.id for c in claimed] == [due.id]
            assert claimed[0].attempts == 1 and claimed[0].url == sub.url
            again = await claim(session, ids=[due.id], lease_seconds=60)
            assert again == []  # its lease holds
            state = await session.scalar(
                select(WebhookDelivery.status).where(WebhookDelivery.id == due.id)
            )
            assert state == SENDING
        finally:
            await session.execute(
                delete(WebhookSubscription).where(WebhookSubscription.id == sub.id)
            )
            await session.commit()


def test_schedule_keeps_each_subscription_under_its_cap() -> None:
    schedule = Schedule(per_subscription=2, size=10, max_age=1.0)
    dues = [Due(1, 10), Due(2, 10), Due(3, 10), Due(4, 20), Due(5, 20), Due(6, 30)]
    # Subscription 10 has two in flight, one of them this worker's: one more elsewhere.
    schedule.replace(dues, {10: 2, 20: 0, 30: 0}, Counter({10: 1}), now=0.0)
    assert schedule.pick(10, Counter({10: 1})) == [4, 5, 6]
    assert schedule.pick(10, Counter({10: 1, 20: 2, 30: 1})) == []
    # This worker's attempt for 10 was recorded: room for one of 10's.
    assert schedule.pick(10, Counter({20: 2, 30: 1})) == [1]
    assert schedule.pick(1, Counter()) == [2]


def test_schedule_is_read_again_only_when_it_may_help() -> None:
    schedule = Schedule(per_subscription=1, size=3, max_age=1.0)
    assert schedule.wants_read(Counter(), now=0.0)  # never read
    schedule.replace([Due(1, 10), Due(2, 10)], {10: 0}, Counter(), now=0.0)
    assert not schedule.wants_read(Counter(), now=0.1)  # work left
    assert schedule.pick(5, Counter()) == [1]
    # Subscription 10 is at its cap and the read saw everything: wait for a change.
    assert not schedule.wants_read(Counter({10: 1}), now=0.2)
    schedule.changed()
    assert schedule.wants_read(Counter({10: 1}), now=0.2)
    schedule.replace([Due(2, 10)], {10: 1}, Counter({10: 1}), now=0.3)
    assert not schedule.wants_read(Counter({10: 1}), now=0.4)
    assert schedule.wants_read(Counter({10: 1}), now=1.3)  # retries may have come due
    # A read cut off at ``size`` is read again as soon as it is used up.
    schedule.replace([Due(7, 11), Due(8, 12), Due(9, 13)], {}, Counter(), now=2.0)
    assert schedule.pick(5, Counter()) == [7, 8, 9]
    assert schedule.wants_read(Counter({11: 1, 12: 1, 13: 1}), now=2.0)
