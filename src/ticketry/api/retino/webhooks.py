"""Retino webhook subscriptions: CRUD, test event, delivery history, redelivery.

Admins only (``settings.manage``). Deliveries are made by the worker, never inline.
"""

from __future__ import annotations

import uuid

import msgspec
from litestar import Request, delete, get, patch, post, put
from msgspec import UNSET
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.api.common.auth import Principal
from ticketry.api.retino import schemas as s
from ticketry.api.retino import webhook_schemas as w
from ticketry.api.retino.deps import page_request, read_body, runtime
from ticketry.api.retino.times import iso_ms, iso_ms_or_none
from ticketry.api.retino.webhook_events import RETINO
from ticketry.domain.accounts.rights import SETTINGS_MANAGE
from ticketry.domain.types import utcnow
from ticketry.domain.webhooks import queries, services
from ticketry.domain.webhooks.models import PENDING, SENDING, WebhookDelivery, WebhookSubscription
from ticketry.domain.webhooks.queries import DeliveryView


def webhook_out(sub: WebhookSubscription) -> w.WebhookOut:
    return w.WebhookOut(
        id=sub.public_id,
        url=sub.url,
        events=list(sub.events),
        secret=sub.secret,
        is_active=sub.is_active,
        disabled_at=iso_ms_or_none(sub.disabled_at),
        disabled_reason=sub.disabled_reason,
        consecutive_failures=sub.consecutive_failures,
        last_success_at=iso_ms_or_none(sub.last_success_at),
        created_at=iso_ms(sub.created_at),
        updated_at=iso_ms(sub.updated_at),
    )


def delivery_out(view: DeliveryView) -> w.DeliveryOut:
    d = view.delivery
    return w.DeliveryOut(
        id=d.public_id,
        event_id=d.event_public_id,
        event_type=d.event_type,
        status=d.status,
        is_test=d.is_test,
        is_redelivery=d.is_redelivery,
        attempt_count=d.attempts,
        next_attempt_at=iso_ms_or_none(
            d.next_attempt_at if d.status in (PENDING, SENDING) else None
        ),
        delivered_at=iso_ms_or_none(d.delivered_at),
        created_at=iso_ms(d.created_at),
        payload=msgspec.Raw(d.payload.encode()),
        attempts=[
            w.AttemptOut(
                id=a.public_id,
                created_at=iso_ms(a.created_at),
                success=a.success,
                status_code=a.status_code,
                duration_ms=a.duration_ms,
                response_body=a.response_excerpt,
                error=a.error,
            )
            for a in view.attempts
        ],
    )


def _allow_private(request: Request) -> bool:
    return runtime(request).settings.webhook_allow_private


def _opt(value: object) -> object:
    return None if value is UNSET else value


@get("/webhooks", operation_id="webhooks_list", summary="List webhook subscriptions")
async def webhooks_list(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    page: str | None = None,
    page_size: str | None = None,
) -> s.Paginated[w.WebhookOut]:
    principal.require(SETTINGS_MANAGE)
    result = await queries.subscription_list(
        db, account_id=principal.account.id, page=page_request(request, page, page_size)
    )
    return s.Paginated(
        count=result.count,
        current_page=result.page,
        total_pages=result.total_pages,
        results=[webhook_out(sub) for sub in result.items],
    )


@post(
    "/webhooks",
    operation_id="webhooks_create",
    summary="Create a webhook subscription",
    status_code=201,
)
async def webhooks_create(request: Request, db: AsyncSession, principal: Principal) -> w.WebhookOut:
    """``events``: any of ``ticket.created``, ``ticket.updated``, ``ticket.product.created``,
    ``ticket.product.updated``, ``ticket.product.deleted``, ``retino_credit_note.created``,
    ``retino_credit_note.updated``, ``order.created``, ``order.updated``,
    ``order.status_changed``. Without ``secret`` one is generated."""
    principal.require(SETTINGS_MANAGE)
    body = await read_body(request, w.WebhookCreate)
    sub = await services.subscription_create(
        db,
        account=principal.account,
        url=body.url,
        events=body.events,
        secret=_opt(body.secret),  # type: ignore[arg-type]
        flavour=RETINO.name,
        allowed_events=RETINO.event_names,
        allow_private=_allow_private(request),
    )
    if body.is_active is False:
        sub = await services.subscription_update(
            db,
            account=principal.account,
            ref=sub.id,
            is_active=False,
            allowed_events=RETINO.event_names,
            allow_private=True,
        )
    return webhook_out(sub)


@get(
    "/webhooks/{webhook_id:uuid}",
    operation_id="webhooks_retrieve",
    summary="Webhook subscription detail",
)
async def webhooks_retrieve(
    db: AsyncSession, principal: Principal, webhook_id: uuid.UUID
) -> w.WebhookOut:
    principal.require(SETTINGS_MANAGE)
    sub = await queries.subscription_get(db, account_id=principal.account.id, ref=webhook_id)
    return webhook_out(sub)


async def _update(
    request: Request, db: AsyncSession, principal: Principal, webhook_id: uuid.UUID, partial: bool
) -> w.WebhookOut:
    principal.require(SETTINGS_MANAGE)
    current = await queries.subscription_get(db, account_id=principal.account.id, ref=webhook_id)
    # A subscription keeps its own payload format (one made for Next Commerce through the CLI
    # or the desk takes Next Commerce's event names), whichever API edits it.
    allowed = runtime(request).flavours[current.flavour].event_names
    body: w.WebhookPatch | w.WebhookPut = await read_body(
        request, w.WebhookPatch if partial else w.WebhookPut, partial=partial
    )
    sub = await services.subscription_update(
        db,
        account=principal.account,
        ref=webhook_id,
        url=_opt(body.url),  # type: ignore[arg-type]
        events=_opt(body.events),  # type: ignore[arg-type]
        secret=_opt(body.secret),  # type: ignore[arg-type]
        is_active=_opt(body.is_active),  # type: ignore[arg-type]
        allowed_events=allowed,
        allow_private=_allow_private(request),
    )
    return webhook_out(sub)


@put(
    "/webhooks/{webhook_id:uuid}",
    operation_id="webhooks_update",
    summary="Update a webhook subscription",
)
async def webhooks_update(
    request: Request, db: AsyncSession, principal: Principal, webhook_id: uuid.UUID
) -> w.WebhookOut:
    return await _update(request, db, principal, webhook_id, partial=False)


@patch(
    "/webhooks/{webhook_id:uuid}",
    operation_id="webhooks_partial_update",
    summary="Partially update a webhook subscription (re-enable with is_active: true)",
)
async def webhooks_partial_update(
    request: Request, db: AsyncSession, principal: Principal, webhook_id: uuid.UUID
) -> w.WebhookOut:
    return await _update(request, db, principal, webhook_id, partial=True)


@delete(
    "/webhooks/{webhook_id:uuid}",
    operation_id="webhooks_destroy",
    summary="Delete a webhook subscription",
    status_code=204,
)
async def webhooks_destroy(db: AsyncSession, principal: Principal, webhook_id: uuid.UUID) -> None:
    principal.require(SETTINGS_MANAGE)
    await services.subscription_delete(db, account=principal.account, ref=webhook_id)


@post(
    "/webhooks/{webhook_id:uuid}/test",
    operation_id="webhooks_test",
    summary="Send a test event",
    status_code=202,
)
async def webhooks_test(
    db: AsyncSession, principal: Principal, webhook_id: uuid.UUID
) -> w.WebhookTestOut:
    """Queues a ``webhook.test`` event; the worker sends it once (no retries). Its result
    appears in the delivery history."""
    principal.require(SETTINGS_MANAGE)
    event_id = uuid.uuid4()
    built = RETINO.test_payload(str(event_id), msgspec.json.encode(utcnow()).decode().strip('"'))
    delivery = await services.delivery_enqueue_test(
        db,
        account=principal.account,
        ref=webhook_id,
        event_type=built.event_type,
        payload=msgspec.json.encode(built.payload).decode(),
        event_public_id=event_id,
    )
    return w.WebhookTestOut(delivery_id=delivery.public_id, event_id=event_id, status=PENDING)


@get(
    "/webhooks/{webhook_id:uuid}/deliveries",
    operation_id="webhooks_deliveries_list",
    summary="Delivery history (newest first, each with its attempts)",
)
async def webhooks_deliveries_list(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    webhook_id: uuid.UUID,
    page: str | None = None,
    page_size: str | None = None,
) -> s.Paginated[w.DeliveryOut]:
    principal.require(SETTINGS_MANAGE)
    result = await queries.delivery_list(
        db,
        account_id=principal.account.id,
        subscription_ref=webhook_id,
        page=page_request(request, page, page_size),
    )
    return s.Paginated(
        count=result.count,
        current_page=result.page,
        total_pages=result.total_pages,
        results=[delivery_out(v) for v in result.items],
    )


@post(
    "/webhooks/{webhook_id:uuid}/deliveries/{delivery_id:uuid}/redeliver",
    operation_id="webhooks_deliveries_redeliver",
    summary="Send a delivery again",
    status_code=202,
)
async def webhooks_deliveries_redeliver(
    db: AsyncSession, principal: Principal, webhook_id: uuid.UUID, delivery_id: uuid.UUID
) -> w.DeliveryOut:
    """Queues the same payload, with the same event id, as a new delivery."""
    principal.require(SETTINGS_MANAGE)
    delivery: WebhookDelivery = await services.delivery_redeliver(
        db, account=principal.account, subscription_ref=webhook_id, delivery_ref=delivery_id
    )
    return delivery_out(DeliveryView(delivery=delivery))


HANDLERS = [
    webhooks_list,
    webhooks_create,
    webhooks_retrieve,
    webhooks_update,
    webhooks_partial_update,
    webhooks_destroy,
    webhooks_test,
    webhooks_deliveries_list,
    webhooks_deliveries_redeliver,
]

REQUEST_BODIES: dict[str, type[msgspec.Struct]] = {
    "webhooks_create": w.WebhookCreate,
    "webhooks_update": w.WebhookPut,
    "webhooks_partial_update": w.WebhookPatch,
}
