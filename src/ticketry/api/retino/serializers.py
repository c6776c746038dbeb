"""Domain reads → Retino wire structs, and Retino requests → domain commands."""

from __future__ import annotations

import uuid
from typing import Any

from msgspec import UNSET, structs
from sqlalchemy.engine import RowMapping

from ticketry.api.retino import schemas as s
from ticketry.api.retino.times import iso_ms, iso_ms_or_none
from ticketry.domain.tickets.commands import CustomerData, ItemData, PriceData, TicketData
from ticketry.domain.tickets.history import history_entry
from ticketry.domain.tickets.history_labels import entry_sentence
from ticketry.domain.tickets.records import (
    HistoryRecord,
    ItemRecord,
    Projection,
    TicketRecord,
)

# Domain field → Retino field, for error bodies.
FIELD_NAMES = {"assignee": "owner"}

# What a Retino ticket carries: everything, and its latest history entries. A long-lived
# ticket may have hundreds; a list page carries fewer per ticket than the detail.
HISTORY_DETAIL = 200
HISTORY_LIST = 50
DETAIL = Projection(history=HISTORY_DETAIL)
LIST = Projection(history=HISTORY_LIST)


def history_item_out(record: HistoryRecord) -> s.HistoryItemOut:
    entry = history_entry(record.item_type, record.data)
    return s.HistoryItemOut(
        id=record.public_id,
        history_item_type=record.item_type,
        history_item_data=s.HistoryItemDataOut(
            text=entry_sentence(entry),
            created_at=iso_ms(record.created_at),
            user=record.user_public_id,
            author=entry.by,
            changes=entry.changes,
        ),
    )


def product_out(row: RowMapping) -> s.ProductOut:
    """A product read on its own (the products endpoints)."""
    return s.ProductOut(
        id=row["public_id"],
        bound_order_item=row["bound_order_item_public_id"],
        price=s.PriceOut(
            with_vat=row["price_with_vat"],
            without_vat=row["price_without_vat"],
            vat=row["price_vat"],
        ),
        files=[uuid.UUID(f) for f in row["file_ids"] or []],
        name=row["name"],
        manufacturer=row["manufacturer"],
        category=row["category"],
        product_id=row["product_id"],
        variant=row["variant"],
        ean=row["ean"],
        serial=row["serial"],
        amount=row["amount"],
        custom_fields=row["custom_fields"] or {},
    )


def item_out(item: ItemRecord) -> s.ProductOut:
    return s.ProductOut(
        id=item.public_id,
        bound_order_item=item.bound_order_item_public_id,
        price=s.PriceOut(
            with_vat=item.price_with_vat, without_vat=item.price_without_vat, vat=item.price_vat
        ),
        files=item.file_ids,
        name=item.name,
        manufacturer=item.manufacturer,
        category=item.category,
        product_id=item.product_id,
        variant=item.variant,
        ean=item.ean,
        serial=item.serial,
        amount=item.amount,
        custom_fields=item.custom_fields,
    )


def ticket_out(t: TicketRecord) -> s.TicketOut:
    order = t.bound_order
    return s.TicketOut(
        id=t.public_id,
        code=t.code,
        state=t.state_public_id,  # type: ignore[arg-type]  # every ticket has a state
        tags=[tag.public_id for tag in t.tags],
        type=t.type_public_id,
        owner=t.assignee_public_id,
        bound_order=s.BoundOrderOut(
            id=order.public_id,
            code=order.code,
            remote_id=order.remote_id,
            order_date=iso_ms_or_none(order.order_date),
            currency=order.currency,
        )
        if order is not None
        else None,
        products=[item_out(item) for item in t.items],
        shipping=[
            s.ShippingOut(
                id=sh.public_id,
                carrier=sh.carrier,
                tracking_number=sh.tracking_number,
                tracking_url=sh.tracking_url,
                direction=sh.direction,
                created_at=iso_ms(sh.created_at),
            )
            for sh in t.shipments
        ],
        customer=s.CustomerOut(
            name=t.customer_name, email=t.customer_email, phone=t.customer_phone
        ),
        company=t.company,
        currency=t.currency,
        language=t.language,
        country=t.country,
        order_id=t.order_id,
        order_date=iso_ms_or_none(t.order_date),
        customer_rating=t.customer_rating,
        customer_rating_comment=t.customer_rating_comment,
        custom_fields=t.custom_fields,
        verification_state=t.verification_state,
        is_unread=t.is_unread,
        created_at=iso_ms(t.created_at),
        updated_at=iso_ms(t.updated_at),
        closed_at=iso_ms_or_none(t.closed_at),
        history_items=[history_item_out(h) for h in t.history],
    )


def _price(price: Any) -> PriceData | None:
    if price is UNSET:
        return UNSET  # type: ignore[return-value]
    if price is None:
        return None
    return PriceData(with_vat=price.with_vat, without_vat=price.without_vat, vat=price.vat)


def item_data(product: s.ProductCreate | s.ProductPatch) -> ItemData:
    values = structs.asdict(product)
    values["price"] = _price(product.price)
    return ItemData(**values)


def _customer(customer: Any) -> CustomerData:
    if customer is UNSET:
        return UNSET  # type: ignore[return-value]
    return CustomerData(name=customer.name, email=customer.email, phone=customer.phone)


def ticket_data(body: s.TicketCreate | s.TicketPut | s.TicketPatch) -> TicketData:
    values: dict[str, Any] = {}
    for name in (
        "currency",
        "language",
        "country",
        "order_id",
        "order_date",
        "state",
        "type",
        "tags",
        "company",
        "custom_fields",
        "is_unread",
        "customer_rating",
        "customer_rating_comment",
    ):
        value = getattr(body, name, UNSET)
        if value is not UNSET:
            values[name] = value
    values["customer"] = _customer(body.customer)
    values["assignee"] = body.owner
    products = getattr(body, "products", UNSET)
    if products is not UNSET:
        values["products"] = [item_data(p) for p in products]
    return TicketData(**values)


def rename_fields(errors: dict[str, Any]) -> dict[str, Any]:
    return {FIELD_NAMES.get(k, k): v for k, v in errors.items()}
