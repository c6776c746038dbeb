"""Retino Orders API v2: upsert (one or a bulk of 100), list, detail, PATCH, status."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, TypeVar

import msgspec
from litestar import Request, Response, get, patch, post
from litestar.openapi import ResponseSpec
from msgspec import UNSET, structs
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.api.common.auth import Principal
from ticketry.api.common.decoding import (
    UnsupportedMediaType,
    collect_errors,
    decode_struct,
    is_json_media,
    json_decode,
)
from ticketry.api.common.drf_wire import drf_wire_message
from ticketry.api.retino import order_schemas as o
from ticketry.api.retino import schemas as s
from ticketry.api.retino.deps import (
    page_request,
    parse_datetime_param,
    parse_text_param,
    raise_param_errors,
)
from ticketry.api.retino.errors import retino_errors
from ticketry.api.retino.times import iso_ms, iso_ms_or_none
from ticketry.domain.accounts.rights import ORDERS_EDIT, ORDERS_VIEW
from ticketry.domain.errors import ValidationFailed
from ticketry.domain.orders import queries, services, upsert
from ticketry.domain.orders.checks import ADDRESS_FIELDS, CUSTOMER_FIELDS, status_kind
from ticketry.domain.orders.commands import OrderData, OrderItemData, StatusData
from ticketry.domain.orders.queries import OrderFilter, OrderView
from ticketry.domain.tickets.commands import PriceData

S = TypeVar("S", bound=msgspec.Struct)
_DECODER = msgspec.json.Decoder(float_hook=Decimal)  # amounts stay exact, never floats
# A bulk of valid orders decodes straight into structs (Decimal fields stay exact).
_BULK_DECODER = msgspec.json.Decoder(list[o.OrderUpsert])


def _json_body(body: bytes, content_type: str | None) -> Any:
    if body.strip() == b"":
        return None
    if not is_json_media(content_type):
        raise UnsupportedMediaType((content_type or "").split(";", 1)[0].strip().lower())
    return json_decode(body, _DECODER)


async def _read_json(request: Request) -> Any:
    return _json_body(await request.body(), request.headers.get("content-type"))


def _decode(raw: Any, cls: type[S], *, partial: bool = False) -> S:
    """msgspec's fast conversion; only a failing body pays for the every-field report."""
    try:
        return msgspec.convert(raw, cls)
    except msgspec.ValidationError:
        return decode_struct(raw, cls, partial=partial, word=drf_wire_message)


# ---- wire → domain --------------------------------------------------------------------


def _sent(struct: Any) -> dict[str, Any]:
    return {k: v for k, v in structs.asdict(struct).items() if v is not UNSET}


def _price(price: Any) -> PriceData | None:
    if price is None:
        return None
    return PriceData(with_vat=price.with_vat, without_vat=price.without_vat, vat=price.vat)


def order_data(body: o.OrderUpsert | o.OrderPatch) -> OrderData:
    data = OrderData()
    for name in ("code", "store_id", "remote_id", "order_date", "currency", "language"):
        setattr(data, name, getattr(body, name))
    if body.price is not UNSET:
        data.price = _price(body.price)
    for name in ("customer", "shipping_address", "billing_address"):
        value = getattr(body, name)
        if value is not UNSET:
            setattr(data, name, None if value is None else _sent(value))
    if body.items is not UNSET:
        data.items = (
            None
            if body.items is None
            else [
                OrderItemData(
                    name=i.name,
                    code=i.code,
                    ean=i.ean,
                    variant=i.variant,
                    amount=i.amount,
                    item_type=i.item_type,
                    total_price=_price(i.total_price),
                )
                for i in body.items
            ]
        )
    if body.statuses is not UNSET:
        data.statuses = (
            None
            if body.statuses is None
            else [StatusData(name=st.name, date=st.date) for st in body.statuses]
        )
    return data


# ---- domain → wire --------------------------------------------------------------------


def _price_out(row: Any, prefix: str) -> s.PriceOut:
    return s.PriceOut(
        with_vat=row[f"{prefix}with_vat"],
        without_vat=row[f"{prefix}without_vat"],
        vat=row[f"{prefix}vat"],
    )


def _address(value: dict[str, Any] | None) -> o.AddressOut | None:
    if value is None:
        return None
    return o.AddressOut(*(value.get(k) for k in ADDRESS_FIELDS))


def order_out(view: OrderView) -> o.OrderOut:
    row = view.order
    customer = row["customer"] or {}
    return o.OrderOut(
        id=row["public_id"],
        code=row["code"],
        store_id=row["store_code"],
        remote_id=row["remote_id"],
        order_date=iso_ms_or_none(row["order_date"]),
        currency=row["currency"],
        language=row["language"],
        price=_price_out(row, "price_"),
        customer=o.OrderCustomerOut(*(customer.get(k) for k in CUSTOMER_FIELDS)),
        shipping_address=_address(row["shipping_address"]),
        billing_address=_address(row["billing_address"]),
        items=[
            o.OrderItemOut(
                id=i["public_id"],
                name=i["name"],
                code=i["code"],
                ean=i["ean"],
                variant=i["variant"],
                amount=i["amount"],
                item_type=i["item_type"],
                total_price=_price_out(i, "total_price_"),
            )
            for i in view.items
        ],
        processing_status=row["processing_status"],
        payment_status=row["payment_status"],
        statuses=[o.OrderStatusOut(name=h["name"], date=iso_ms(h["date"])) for h in view.statuses],
        created_at=iso_ms(row["created_at"]),
        updated_at=iso_ms(row["updated_at"]),
    )


# ---- handlers -------------------------------------------------------------------------


def _status_param(errors: dict[str, Any], name: str, value: str | None) -> str | None:
    if value in (None, ""):
        return None
    assert value is not None
    found = status_kind(value)
    if found is None:
        errors[name] = [f'Select a valid choice. "{value}" is not one of the available choices.']
        return None
    return found[1]


@get("/orders", operation_id="orders_list", summary="List orders")
async def orders_list(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    store_id: str | None = None,
    code: str | None = None,
    updated_at_from: str | None = None,
    created_at_from: str | None = None,
    processing_status: str | None = None,
    payment_status: str | None = None,
    status: str | None = None,
    ordering: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> s.Paginated[o.OrderOut]:
    """Filters: ``store_id``, ``code``, ``updated_at_from``, ``created_at_from``,
    ``processing_status``, ``payment_status``, ``status`` (either kind). Ordering:
    ``created_at``, ``updated_at``, ``order_date`` (``-`` for descending; unknown fields are
    ignored, as DRF does); default ``-updated_at``."""
    principal.require(ORDERS_VIEW)
    errors: dict[str, Any] = {}
    flt = OrderFilter(
        store_id=parse_text_param(errors, "store_id", store_id),
        code=parse_text_param(errors, "code", code),
        updated_at_from=parse_datetime_param(errors, "updated_at_from", updated_at_from),
        created_at_from=parse_datetime_param(errors, "created_at_from", created_at_from),
        processing_status=_status_param(errors, "processing_status", processing_status),
        payment_status=_status_param(errors, "payment_status", payment_status),
        status=_status_param(errors, "status", status),
    )
    try:
        flt.ordering = queries.parse_ordering(ordering)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    raise_param_errors(errors)
    result = await queries.order_list(
        db,
        account_id=principal.account.id,
        flt=flt,
        page=page_request(request, page, page_size),
    )
    return s.Paginated(
        count=result.count,
        current_page=result.page,
        total_pages=result.total_pages,
        results=[order_out(v) for v in result.items],
    )


@post(
    "/orders",
    operation_id="orders_create",
    summary="Create or update an order",
    responses={
        200: ResponseSpec(
            o.OrderOut, description="An order with this (store_id, code) existed: updated."
        )
    },
)
async def orders_create(
    request: Request, db: AsyncSession, principal: Principal
) -> Response[o.OrderOut]:
    """Upsert by (``store_id``, ``code``): 201 with the order when it was created, 200 when
    an order with that key existed and was updated. Fields not sent keep their values;
    ``items`` replaces the items; ``statuses`` adds the entries not yet in the history."""
    principal.require(ORDERS_EDIT)
    account_id = principal.account.id
    body = _decode(await _read_json(request), o.OrderUpsert)
    result = await upsert.order_upsert(
        db, account=principal.account, actor=principal.user, data=order_data(body)
    )
    assert result.order_id is not None
    view = await queries.order_get(db, account_id=account_id, ref=result.order_id)
    return Response(order_out(view), status_code=201 if result.status == "created" else 200)


def _check_bulk_size(count: int) -> None:
    if count > upsert.MAX_BATCH:
        raise ValidationFailed.single(
            "non_field_errors",
            f"Ensure this field has no more than {upsert.MAX_BATCH} elements.",
        )


@post(
    "/orders/bulk",
    operation_id="orders_bulk",
    summary="Create or update up to 100 orders",
    status_code=200,
)
async def orders_bulk(request: Request, db: AsyncSession, principal: Principal) -> o.BulkOut:
    """The body is a JSON array of at most 100 ``OrderUpsert`` objects. Each is checked and
    upserted on its own: a bad order fails alone. The answer (200) reports every position:
    ``{"processed", "created", "updated", "failed", "results": [{"index", "status":
    "created"|"updated"|"failed", "id", "errors"}]}``. More than 100 orders → 400 and
    nothing is written."""
    principal.require(ORDERS_EDIT)
    # The token lookup began a transaction, which on SQLite holds the one write lock: end
    # it, so that reading and checking the orders runs beside other writers. The upsert
    # takes the lock again for its statements only.
    await db.commit()
    body = await request.body()
    content_type = request.headers.get("content-type")
    failed: dict[int, dict[str, Any]] = {}
    decoded: list[tuple[int, OrderData]] = []
    try:
        orders = _BULK_DECODER.decode(body) if is_json_media(content_type) else None
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        orders = None  # not JSON, not a list, or a bad order: the slow path below says which
    if orders is not None:
        count = len(orders)
        _check_bulk_size(count)
        decoded = [(index, order_data(order)) for index, order in enumerate(orders)]
    else:
        raw = _json_body(body, content_type)
        if not isinstance(raw, list):
            got = "null" if raw is None else type(raw).__name__
            raise ValidationFailed.single(
                "non_field_errors", f'Expected a list of items but got type "{got}".'
            )
        count = len(raw)
        _check_bulk_size(count)
        for index, element in enumerate(raw):
            try:
                # The fast path; only a failing order pays for the every-field report.
                decoded.append((index, order_data(msgspec.convert(element, o.OrderUpsert))))
            except msgspec.ValidationError as exc:
                failed[index] = collect_errors(element, o.OrderUpsert, word=drf_wire_message) or {
                    "non_field_errors": [str(exc)]
                }
    datas = [d for _, d in decoded]
    try:
        written = await upsert.orders_upsert(
            db, account=principal.account, actor=principal.user, orders=datas
        )
    except upsert.OrdersBatchRejected:
        # The request's transaction is spoiled; start it again, each order on its own.
        await db.rollback()
        written = await upsert.orders_upsert(
            db, account=principal.account, actor=principal.user, orders=datas, one_by_one=True
        )
    results: dict[int, o.BulkResultOut] = {
        index: o.BulkResultOut(index=index, status="failed", id=None, errors=errs)
        for index, errs in failed.items()
    }
    for (index, _), r in zip(decoded, written, strict=True):
        errors = retino_errors(r.errors) if r.errors else r.errors
        results[index] = o.BulkResultOut(index=index, status=r.status, id=r.id, errors=errors)
    ordered = [results[i] for i in range(count)]
    counts = {k: sum(1 for r in ordered if r.status == k) for k in ("created", "updated")}
    return o.BulkOut(
        processed=counts["created"] + counts["updated"],
        created=counts["created"],
        updated=counts["updated"],
        failed=sum(1 for r in ordered if r.status == "failed"),
        results=ordered,
    )


@get("/orders/{order_id:uuid}", operation_id="orders_retrieve", summary="Order detail")
async def orders_retrieve(
    db: AsyncSession, principal: Principal, order_id: uuid.UUID
) -> o.OrderOut:
    principal.require(ORDERS_VIEW)
    return order_out(await queries.order_get(db, account_id=principal.account.id, ref=order_id))


@patch(
    "/orders/{order_id:uuid}",
    operation_id="orders_partial_update",
    summary="Partially update an order",
)
async def orders_partial_update(
    request: Request, db: AsyncSession, principal: Principal, order_id: uuid.UUID
) -> o.OrderOut:
    """Only the fields sent change; ``customer``, ``shipping_address`` and
    ``billing_address`` merge field by field (``null`` clears a field). ``store_id`` cannot
    change."""
    principal.require(ORDERS_EDIT)
    account_id = principal.account.id
    await queries.order_id_for(db, account_id=account_id, ref=order_id)
    body = _decode(await _read_json(request), o.OrderPatch, partial=True)
    await services.order_update(
        db, account=principal.account, actor=principal.user, ref=order_id, data=order_data(body)
    )
    return order_out(await queries.order_get(db, account_id=account_id, ref=order_id))


@patch(
    "/orders/{order_id:uuid}/status",
    operation_id="orders_status_update",
    summary="Change an order's processing or payment status",
)
async def orders_status_update(
    db: AsyncSession, principal: Principal, order_id: uuid.UUID, status_value: str | None = None
) -> o.OrderOut:
    """``status_value``: processing NEW, PICKING, PACKED, DISPATCHED, ON_HOLD,
    READY_FOR_PICKUP, PICKED_UP; payment AWAITING_PAYMENT, PAID, PARTIALLY_REFUNDED,
    REFUNDED, PAYMENT_FAILED (``FAILED`` is accepted and stored as PAYMENT_FAILED). The
    change is added to the order's ``statuses``; setting the current value changes
    nothing."""
    principal.require(ORDERS_EDIT)
    account_id = principal.account.id
    await services.order_set_status(
        db, account=principal.account, actor=principal.user, ref=order_id, value=status_value
    )
    return order_out(await queries.order_get(db, account_id=account_id, ref=order_id))


HANDLERS = [
    orders_list,
    orders_create,
    orders_bulk,
    orders_retrieve,
    orders_partial_update,
    orders_status_update,
]
