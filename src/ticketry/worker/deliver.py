"""Deliveries → HTTP POSTs: claim due deliveries under a lease, send, record the attempt.

A claim is one atomic statement: ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP
LOCKED) RETURNING`` on PostgreSQL, the same statement inside SQLite's single write
transaction. Claiming takes a lease (``locked_until``) and a lease token; the result is
recorded only if the token still matches, so a worker that stalled past its lease cannot
overwrite the attempt of the worker that took over. A delivery is claimable when it is
due, its subscription is enabled, and no earlier delivery of the same ticket to the same
subscription is still open (per-ticket order).
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy import and_, exists, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ticketry.domain.types import utcnow
from ticketry.domain.upsert import dialect_name
from ticketry.domain.webhooks.addresses import BlockedURL, url_resolve
from ticketry.domain.webhooks.models import (
    FAILED,
    OPEN_STATES,
    PENDING,
    SENDING,
    SUCCEEDED,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from ticketry.settings import Settings
from ticketry.worker.flavours import flavours
from ticketry.worker.signing import (
    DELIVERY_HEADER,
    EVENT_ID_HEADER,
    EVENT_TYPE_HEADER,
    SIGNATURE_HEADER,
    signature,
)

EXCERPT_BYTES = 2048
USER_AGENT = "Ticketry-Webhooks/1"


@dataclass
class Claimed:
    id: int
    public_id: str
    account_id: int
    subscription_id: int
    event_public_id: str
    event_type: str
    payload: str
    attempts: int
    lease: str
    created_at: datetime
    is_test: bool
    url: str
    secret: str
    flavour: str


@dataclass
class Outcome:
    status_code: int | None
    duration_ms: int
    excerpt: str
    error: str

    @property
    def success(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def claim(session: AsyncSession, *, limit: int, lease_seconds: float) -> list[Claimed]:
    """Claim up to ``limit`` due deliveries for this worker. Commits."""
    now = utcnow()
    d = WebhookDelivery
    earlier = aliased(WebhookDelivery)
    blocked = exists().where(
        earlier.subscription_id == d.subscription_id,
        earlier.ordering_key == d.ordering_key,
        earlier.event_id < d.event_id,
        earlier.status.in_(OPEN_STATES),
    )
    due = (
        select(d.id)
        .join(WebhookSubscription, WebhookSubscription.id == d.subscription_id)
        .where(
            WebhookSubscription.is_active.is_(True),
            or_(
                and_(d.status == PENDING, d.next_attempt_at <= now),
                and_(d.status == SENDING, d.locked_until < now),
            ),
            or_(d.ordering_key.is_(None), ~blocked),
        )
        .order_by(d.id)
        .limit(limit)
    )
    if dialect_name(session) == "postgresql":
        due = due.with_for_update(skip_locked=True, of=d)
    lease = secrets.token_hex(16)
    rows = (
        await session.execute(
            update(d)
            .where(d.id.in_(due.scalar_subquery()))
            .values(
                status=SENDING,
                lease=lease,
                locked_until=now + timedelta(seconds=lease_seconds),
                attempts=d.attempts + 1,
                updated_at=now,
            )
            .returning(
                d.id,
                d.public_id,
                d.account_id,
                d.subscription_id,
                d.event_public_id,
                d.event_type,
                d.payload,
                d.attempts,
                d.created_at,
                d.is_test,
            )
        )
    ).all()
    claimed: list[Claimed] = []
    if rows:
        subs = {
            s.id: s
            for s in await session.scalars(
                select(WebhookSubscription).where(
                    WebhookSubscription.id.in_({r.subscription_id for r in rows})
                )
            )
        }
        for r in sorted(rows, key=lambda r: r.id):
            sub = subs[r.subscription_id]
            claimed.append(
                Claimed(
                    id=r.id,
                    public_id=str(r.public_id),
                    account_id=r.account_id,
                    subscription_id=r.subscription_id,
                    event_public_id=str(r.event_public_id),
                    event_type=r.event_type,
                    payload=r.payload,
                    attempts=r.attempts,
                    lease=lease,
                    created_at=r.created_at,
                    is_test=r.is_test,
                    url=sub.url,
                    secret=sub.secret,
                    flavour=sub.flavour,
                )
            )
    await session.commit()
    return claimed


def _pinned(url: str, address: str, v6: bool) -> str:
    parts = urlsplit(url)
    host = f"[{address}]" if v6 else address
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


async def send(client: httpx.AsyncClient, item: Claimed, settings: Settings) -> Outcome:
    """One POST. Never raises: every failure becomes an Outcome with an error."""
    body = item.payload.encode()
    started = time.perf_counter()
    try:
        target = await url_resolve(item.url, allow_private=settings.webhook_allow_private)
    except BlockedURL as exc:
        return Outcome(None, 0, "", f"Blocked: {exc}")
    flavour = flavours().get(item.flavour)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Host": urlsplit(item.url).netloc.rsplit("@", 1)[-1],
        EVENT_ID_HEADER: item.event_public_id,
        EVENT_TYPE_HEADER: item.event_type,
        DELIVERY_HEADER: item.public_id,
        SIGNATURE_HEADER: signature(item.secret, body, int(time.time())),
    }
    if flavour is not None:
        headers.update(flavour.headers(secret=item.secret, body=body))
    address = target.addresses[0]
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        request = client.build_request(
            "POST",
            _pinned(item.url, str(address), address.version == 6),
            content=body,
            headers=headers,
            extensions=extensions,
        )
        response = await client.send(request, stream=True)
        try:
            excerpt = b""
            async for chunk in response.aiter_raw():
                excerpt += chunk
                if len(excerpt) >= EXCERPT_BYTES:
                    break
        finally:
            await response.aclose()
        return Outcome(
            response.status_code,
            int((time.perf_counter() - started) * 1000),
            excerpt[:EXCERPT_BYTES].decode("utf-8", "replace"),
            "" if 200 <= response.status_code < 300 else f"HTTP {response.status_code}",
        )
    except httpx.TimeoutException:
        error = f"Timed out after {settings.webhook_timeout_seconds:g} s."
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__
    return Outcome(None, int((time.perf_counter() - started) * 1000), "", error)


def retry_delay(attempts: int, settings: Settings) -> float:
    """Seconds before attempt ``attempts + 1``: base, doubling, capped."""
    base = settings.webhook_retry_base_seconds
    return float(min(base * (2 ** max(attempts - 1, 0)), settings.webhook_retry_cap_seconds))


async def record(
    session: AsyncSession, results: list[tuple[Claimed, Outcome]], settings: Settings
) -> int:
    """Store a round's attempts and decide what comes next for each delivery, in one
    transaction (on SQLite a writer blocks all others: one short write per round). A
    result whose lease was lost (another worker took the delivery over after the lease
    ran out) is dropped: the other worker's record wins. Returns the successes recorded.
    Commits."""
    delivered = 0
    # Subscription rows are locked in one order, so concurrent workers cannot deadlock.
    for item, outcome in sorted(results, key=lambda r: (r[0].subscription_id, r[0].id)):
        if await _record_one(session, item, outcome, settings) and outcome.success:
            delivered += 1
    await session.commit()
    return delivered


async def _record_one(
    session: AsyncSession, item: Claimed, outcome: Outcome, settings: Settings
) -> bool:
    now = utcnow()
    d = WebhookDelivery
    values: dict[str, object] = {
        "lease": None,
        "locked_until": None,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error[:500],
        "updated_at": now,
    }
    gone = outcome.status_code == 410
    if outcome.success:
        values.update(status=SUCCEEDED, delivered_at=now)
    elif gone or item.is_test:
        values.update(status=FAILED)
    else:
        next_at = now + timedelta(seconds=retry_delay(item.attempts, settings))
        if next_at > item.created_at + timedelta(seconds=settings.webhook_give_up_seconds):
            values.update(status=FAILED)
        else:
            values.update(status=PENDING, next_attempt_at=next_at)
    result = await session.execute(
        update(d).where(d.id == item.id, d.lease == item.lease).values(**values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await session.execute(
        insert(WebhookAttempt).values(
            public_id=uuid.uuid4(),
            account_id=item.account_id,
            delivery_id=item.id,
            status_code=outcome.status_code,
            duration_ms=outcome.duration_ms,
            response_excerpt=outcome.excerpt,
            error=outcome.error[:500],
            success=outcome.success,
            created_at=now,
            updated_at=now,
        )
    )
    if not item.is_test:
        await _subscription_health(session, item, outcome, settings, now, gone)
    return True


async def _subscription_health(
    session: AsyncSession,
    item: Claimed,
    outcome: Outcome,
    settings: Settings,
    now: datetime,
    gone: bool,
) -> None:
    s = WebhookSubscription
    if outcome.success:
        # Write only when something changes, so busy endpoints don't contend on the row.
        await session.execute(
            update(s)
            .where(
                s.id == item.subscription_id,
                or_(
                    s.consecutive_failures != 0,
                    s.failing_since.is_not(None),
                    s.last_success_at.is_(None),
                    s.last_success_at < now - timedelta(seconds=60),
                ),
            )
            .values(consecutive_failures=0, failing_since=None, last_success_at=now)
        )
        return
    sub = await session.get(s, item.subscription_id, with_for_update=True)
    if sub is None:
        return
    sub.consecutive_failures += 1
    if sub.failing_since is None:
        sub.failing_since = now
    if gone:
        _disable(sub, now, "The endpoint answered 410 Gone.")
    elif (
        sub.consecutive_failures >= settings.webhook_disable_after_failures
        and now - sub.failing_since >= timedelta(seconds=settings.webhook_disable_after_seconds)
    ):
        _disable(
            sub,
            now,
            f"Every attempt failed for {settings.webhook_disable_after_seconds / 3600:g} h "
            f"({sub.consecutive_failures} attempts).",
        )


def _disable(sub: WebhookSubscription, now: datetime, reason: str) -> None:
    if sub.is_active:
        sub.is_active = False
        sub.disabled_at = now
        sub.disabled_reason = reason[:200]
