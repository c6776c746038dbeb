"""Writing webhook subscriptions and queueing deliveries (test pings, redeliveries)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import Account
from ticketry.domain.errors import Code, ErrorCollector, NotFound, ValidationFailed
from ticketry.domain.refs import Ref, ref_get_or_404
from ticketry.domain.types import utcnow
from ticketry.domain.validation import check_text
from ticketry.domain.webhooks.addresses import BlockedURL, url_resolve
from ticketry.domain.webhooks.models import (
    PENDING,
    WebhookDelivery,
    WebhookSubscription,
    subscription_key,
)

MAX_URL = 2000
MAX_SECRET = 200


def secret_generate() -> str:
    return secrets.token_urlsafe(32)


async def _check(
    errors: ErrorCollector,
    *,
    url: str | None,
    events: list[str] | None,
    secret: str | None,
    allowed_events: Collection[str],
    allow_private: bool,
) -> None:
    if url is not None:
        if check_text(errors, "url", url, limit=MAX_URL):
            try:
                await url_resolve(url, allow_private=allow_private)
            except BlockedURL as exc:
                errors.add("url", str(exc))
    if events is not None:
        if not events:
            errors.add("events", Code.EMPTY_LIST)
        for name in events:
            if name not in allowed_events:
                errors.add("events", Code.INVALID_CHOICE, value=name)
    check_text(errors, "secret", secret, limit=MAX_SECRET)


async def subscription_create(
    session: AsyncSession,
    *,
    account: Account,
    url: str,
    events: list[str],
    secret: str | None,
    flavour: str,
    allowed_events: Collection[str],
    allow_private: bool,
) -> WebhookSubscription:
    """A new enabled subscription; without a secret one is generated."""
    errors = ErrorCollector()
    await _check(
        errors,
        url=url,
        events=events,
        secret=secret,
        allowed_events=allowed_events,
        allow_private=allow_private,
    )
    errors.raise_if_any()
    key = subscription_key(flavour, url, events)
    await _unique_check(session, account_id=account.id, key=key, url=url, own_id=None)
    sub = WebhookSubscription(
        account_id=account.id,
        url=url,
        events=list(dict.fromkeys(events)),
        secret=secret or secret_generate(),
        flavour=flavour,
        is_active=True,
        same_key=key,
    )
    session.add(sub)
    await _flush_unique(session, url)
    return sub


async def _unique_check(
    session: AsyncSession, *, account_id: int, key: str, url: str, own_id: int | None
) -> None:
    """Refuse a second subscription of the same format, URL and events (see
    ``subscription_key``): it would deliver every event twice."""
    stmt = select(WebhookSubscription.id).where(
        WebhookSubscription.account_id == account_id, WebhookSubscription.same_key == key
    )
    if own_id is not None:
        stmt = stmt.where(WebhookSubscription.id != own_id)
    if await session.scalar(stmt.limit(1)) is not None:
        raise ValidationFailed.single("url", Code.UNIQUE, value=url)


async def _flush_unique(session: AsyncSession, url: str) -> None:
    """Flush; a concurrent twin that committed first (the unique constraint) is the same
    refusal as the check's. The caller's unit of work rolls back."""
    try:
        await session.flush()
    except IntegrityError as exc:
        if "same_key" not in str(exc.orig) and "subscriptions_same" not in str(exc.orig):
            raise
        raise ValidationFailed.single("url", Code.UNIQUE, value=url) from exc


async def subscription_update(
    session: AsyncSession,
    *,
    account: Account,
    ref: Ref,
    url: str | None = None,
    events: list[str] | None = None,
    secret: str | None = None,
    is_active: bool | None = None,
    allowed_events: Collection[str],
    allow_private: bool,
) -> WebhookSubscription:
    """Change what is given. Re-enabling clears the failure record; pending deliveries
    that have not expired go out again."""
    sub = await ref_get_or_404(
        session, WebhookSubscription, account_id=account.id, ref=ref, for_update=True
    )
    errors = ErrorCollector()
    await _check(
        errors,
        url=url,
        events=events,
        secret=secret,
        allowed_events=allowed_events,
        allow_private=allow_private,
    )
    errors.raise_if_any()
    if url is not None or events is not None or is_active:
        # Re-enabling a duplicate that migration 0017 disabled is refused as a new one is.
        key = subscription_key(
            sub.flavour, url if url is not None else sub.url, events or list(sub.events)
        )
        if key != sub.same_key:
            await _unique_check(
                session, account_id=account.id, key=key, url=url or sub.url, own_id=sub.id
            )
            sub.same_key = key
    if url is not None:
        sub.url = url
    if events is not None:
        sub.events = list(dict.fromkeys(events))
    if secret is not None:
        sub.secret = secret or secret_generate()
    if is_active is not None and is_active != sub.is_active:
        sub.is_active = is_active
        if is_active:
            sub.disabled_at = None
            sub.disabled_reason = ""
            sub.consecutive_failures = 0
            sub.failing_since = None
        else:
            sub.disabled_at = utcnow()
            sub.disabled_reason = "Disabled by a user."
    sub.updated_at = utcnow()
    await _flush_unique(session, sub.url)
    return sub


async def subscription_delete(session: AsyncSession, *, account: Account, ref: Ref) -> None:
    sub = await ref_get_or_404(session, WebhookSubscription, account_id=account.id, ref=ref)
    await session.delete(sub)
    await session.flush()


async def delivery_enqueue_test(
    session: AsyncSession,
    *,
    account: Account,
    ref: Ref,
    event_type: str,
    payload: str,
    event_public_id: uuid.UUID,
) -> WebhookDelivery:
    """Queue a test event for the worker. A disabled subscription keeps it pending until
    it is re-enabled."""
    sub = await ref_get_or_404(session, WebhookSubscription, account_id=account.id, ref=ref)
    delivery = WebhookDelivery(
        account_id=account.id,
        subscription_id=sub.id,
        event_id=None,
        event_public_id=event_public_id,
        event_type=event_type,
        ordering_key=None,
        payload=payload,
        status=PENDING,
        next_attempt_at=utcnow(),
        is_test=True,
    )
    session.add(delivery)
    await session.flush()
    return delivery


async def delivery_redeliver(
    session: AsyncSession, *, account: Account, subscription_ref: Ref, delivery_ref: Ref
) -> WebhookDelivery:
    """Queue the same payload (same event id) again as a new delivery. Redeliveries are
    outside the per-ticket order: they replay the past on purpose."""
    sub = await ref_get_or_404(
        session, WebhookSubscription, account_id=account.id, ref=subscription_ref
    )
    original = await ref_get_or_404(
        session, WebhookDelivery, account_id=account.id, ref=delivery_ref
    )
    if original.subscription_id != sub.id:
        raise NotFound()
    delivery = WebhookDelivery(
        account_id=account.id,
        subscription_id=sub.id,
        event_id=original.event_id,
        event_public_id=original.event_public_id,
        event_type=original.event_type,
        ordering_key=None,
        payload=original.payload,
        status=PENDING,
        next_attempt_at=utcnow(),
        is_test=original.is_test,
        is_redelivery=True,
    )
    session.add(delivery)
    await session.flush()
    return delivery
