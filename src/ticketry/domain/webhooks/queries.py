"""Reading webhook subscriptions and their delivery history."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.pagination import Page, PageRequest, paginate_rows
from ticketry.domain.refs import Ref, ref_get_or_404
from ticketry.domain.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription


@dataclass
class DeliveryView:
    delivery: WebhookDelivery
    attempts: list[WebhookAttempt] = field(default_factory=list)


async def subscription_list(
    session: AsyncSession, *, account_id: int, page: PageRequest
) -> Page[WebhookSubscription]:
    stmt = (
        select(WebhookSubscription)
        .where(WebhookSubscription.account_id == account_id)
        .order_by(WebhookSubscription.created_at, WebhookSubscription.id)
    )
    result = await paginate_rows(session, stmt, page)
    result.items = [row[0] for row in result.items]
    return result


async def subscription_get(
    session: AsyncSession, *, account_id: int, ref: Ref
) -> WebhookSubscription:
    return await ref_get_or_404(session, WebhookSubscription, account_id=account_id, ref=ref)


async def delivery_list(
    session: AsyncSession, *, account_id: int, subscription_ref: Ref, page: PageRequest
) -> Page[DeliveryView]:
    """Newest first, each with its attempts (oldest first), in two queries plus the count."""
    sub = await subscription_get(session, account_id=account_id, ref=subscription_ref)
    stmt = (
        select(WebhookDelivery)
        .where(WebhookDelivery.account_id == account_id, WebhookDelivery.subscription_id == sub.id)
        .order_by(WebhookDelivery.id.desc())
    )
    result = await paginate_rows(session, stmt, page)
    deliveries = [row[0] for row in result.items]
    views = {d.id: DeliveryView(delivery=d) for d in deliveries}
    if views:
        attempts = await session.scalars(
            select(WebhookAttempt)
            .where(
                WebhookAttempt.account_id == account_id,
                WebhookAttempt.delivery_id.in_(list(views)),
            )
            .order_by(WebhookAttempt.delivery_id, WebhookAttempt.id)
        )
        for attempt in attempts:
            views[attempt.delivery_id].attempts.append(attempt)
    return Page(
        items=list(views.values()), count=result.count, page=result.page, page_size=result.page_size
    )


async def subscription_list_all(
    session: AsyncSession, *, account_id: int
) -> list[WebhookSubscription]:
    rows = await session.scalars(
        select(WebhookSubscription)
        .where(WebhookSubscription.account_id == account_id)
        .order_by(WebhookSubscription.id)
    )
    return list(rows)
