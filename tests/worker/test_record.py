"""Recording attempts in batches: the same few statements for one result or many, and a
result whose lease was taken over is dropped."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select, update

from tests.conftest import make_tenant
from ticketry.app import TicketryApp
from ticketry.domain.types import utcnow
from ticketry.domain.webhooks.models import (
    FAILED,
    PENDING,
    SUCCEEDED,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from ticketry.worker.claim import claim
from ticketry.worker.deliver import Claimed, Outcome
from ticketry.worker.record import record

OK = Outcome(200, 3, "ok", "")
BROKEN = Outcome(500, 3, "nope", "HTTP 500")


async def _claimed(app: TicketryApp, sub: WebhookSubscription, n: int) -> list[Claimed]:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        rows = [
            WebhookDelivery(
                account_id=sub.account_id,
                subscription_id=sub.id,
                event_public_id=uuid.uuid4(),
                event_type="ticket.created",
                payload="{}",
                status=PENDING,
                next_attempt_at=utcnow() - timedelta(seconds=1),
            )
            for _ in range(n)
        ]
        session.add_all(rows)
        await session.commit()
        claimed = await claim(session, ids=[r.id for r in rows], lease_seconds=60)
        await session.commit()
        return claimed


async def test_a_batch_costs_the_same_statements_as_one_result(
    app: TicketryApp, count_queries: Any
) -> None:
    tenant = await make_tenant(app)
    assert app.runtime is not None
    settings = replace(app.settings, webhook_retry_base_seconds=60.0)
    async with app.runtime.sessionmaker() as session:
        sub = WebhookSubscription(
            account_id=tenant.account_id, url="http://127.0.0.1:9/", events=["x"]
        )
        session.add(sub)
        await session.commit()
    try:
        one = await _claimed(app, sub, 1)
        many = await _claimed(app, sub, 12)
        async with app.runtime.sessionmaker() as session:
            with count_queries() as few:
                assert await record(session, [(one[0], OK)], settings) == 1
                await session.commit()
            results = [(item, OK if i % 3 else BROKEN) for i, item in enumerate(many)]
            with count_queries() as lots:
                assert await record(session, results, settings) == 8
                await session.commit()
        assert lots.count == few.count
        async with app.runtime.sessionmaker() as session:
            states = dict(
                (
                    await session.execute(
                        select(WebhookDelivery.id, WebhookDelivery.status).where(
                            WebhookDelivery.subscription_id == sub.id
                        )
                    )
                ).all()
            )
            attempts = await session.scalar(
                select(func.count())
                .select_from(WebhookAttempt)
                .where(WebhookAttempt.delivery_id.in_(list(states)))
            )
            failures = await session.scalar(
                select(WebhookSubscription.consecutive_failures).where(
                    WebhookSubscription.id == sub.id
                )
            )
        assert attempts == 13
        assert [states[item.id] for item, _ in results] == [
            PENDING if out is BROKEN else SUCCEEDED for _, out in results
        ]
        # The batch's last attempt succeeded, so the count of failures in a row is 0.
        assert failures == 0
    finally:
        async with app.runtime.sessionmaker() as session:
            await session.execute(
                delete(WebhookSubscription).where(WebhookSubscription.id == sub.id)
            )
            await session.commit()


async def test_a_result_whose_lease_was_taken_over_is_dropped(app: TicketryApp) -> None:
    tenant = await make_tenant(app)
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        sub = WebhookSubscription(
            account_id=tenant.account_id, url="http://127.0.0.1:9/", events=["x"]
        )
        session.add(sub)
        await session.commit()
    try:
        kept, lost = await _claimed(app, sub, 2)
        async with app.runtime.sessionmaker() as session:
            # Another worker took ``lost`` over after its lease ran out.
            await session.execute(
                update(WebhookDelivery).where(WebhookDelivery.id == lost.id).values(lease="other")
            )
            await session.commit()
            recorded = await record(
                session, [(kept, OK), (lost, Outcome(410, 1, "", "HTTP 410"))], app.settings
            )
            await session.commit()
            rows = {
                d.id: d
                for d in await session.scalars(
                    select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id)
                )
            }
            attempts = list(
                await session.scalars(
                    select(WebhookAttempt.delivery_id).where(
                        WebhookAttempt.delivery_id.in_(list(rows))
                    )
                )
            )
            active = await session.scalar(
                select(WebhookSubscription.is_active).where(WebhookSubscription.id == sub.id)
            )
        assert recorded == 1
        assert rows[kept.id].status == SUCCEEDED and rows[kept.id].lease is None
        assert rows[lost.id].status != FAILED and rows[lost.id].lease == "other"
        assert attempts == [kept.id]
        assert active is True  # the dropped 410 did not disable the subscription
    finally:
        async with app.runtime.sessionmaker() as session:
            await session.execute(
                delete(WebhookSubscription).where(WebhookSubscription.id == sub.id)
            )
            await session.commit()
