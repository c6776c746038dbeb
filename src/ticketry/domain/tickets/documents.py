"""The SQL that builds a ticket's document: its columns, the public ids of what it refers
to, and the parts a ``Projection`` asks for (products, tags, shipments, the bound order, the
point-of-sale section), nested, in one expression per ticket. Decoded by msgspec into
``records.TicketRecord``; the keys here are that struct's field names."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select

from ticketry.domain.accounts.models import User
from ticketry.domain.catalog.models import Tag, TicketState, TicketType
from ticketry.domain.conversations.models import AgentPerson
from ticketry.domain.orders.models import Order, OrderItem
from ticketry.domain.sql_json import json_array, json_nested, json_object, json_value
from ticketry.domain.tickets.models import HistoryItem, Shipment, Ticket, TicketItem, ticket_tags
from ticketry.domain.tickets.records import Projection

TICKET_COLUMNS = (
    "id",
    "public_id",
    "code",
    "subject",
    "status",
    "state_id",
    "type_id",
    "assignee_id",
    "requester_id",
    "priority",
    "channel",
    "department",
    "from_email",
    "customer_name",
    "customer_email",
    "customer_phone",
    "company",
    "currency",
    "language",
    "country",
    "order_id",
    "order_date",
    "bound_order_id",
    "verification_state",
    "customer_rating",
    "customer_rating_comment",
    "custom_fields",
    "is_unread",
    "closed_at",
    "version",
    "created_at",
    "updated_at",
)
POS_COLUMNS = (
    "external_id",
    "purchase_type",
    "device_name",
    "origin_device_name",
    "discount_rate",
    "location_table_name",
    "location_zone_name",
    "customer_card_serial_number",
    "customer_discount_rate",
    "employee_id",
    "close_device_name",
    "close_fiscal_name",
    "close_number",
    "close_daily_sales_report_number",
    "close_fiscal_memory_serial_number",
    "rounding_amount",
    "total_price",
    "discount_amount",
)
ITEM_COLUMNS = (
    "id",
    "public_id",
    "position",
    "name",
    "manufacturer",
    "category",
    "product_id",
    "variant",
    "ean",
    "serial",
    "amount",
    "price_with_vat",
    "price_without_vat",
    "price_vat",
    "bound_order_item_id",
    "custom_fields",
    "file_ids",
)
POS_ITEM_COLUMNS = (
    "plu_code",
    "plu_stock_name",
    "unit_price",
    "quantity_unit",
    "vat_rate",
    "discount_rate",
    "item_type",
    "is_discount_allowed",
    "total_price",
)
SHIPMENT_COLUMNS = (
    "id",
    "public_id",
    "carrier",
    "tracking_number",
    "tracking_url",
    "direction",
    "created_at",
)
ORDER_COLUMNS = ("id", "public_id", "code", "remote_id", "order_date", "currency")


def _pairs(table: Any, names: tuple[str, ...]) -> list[tuple[str, Any]]:
    return [(name, json_value(table.c[name])) for name in names]


def _public_id_of(model: Any, key: Any) -> Any:
    return select(model.public_id).where(model.id == key).scalar_subquery()


def _items(projection: Projection, dialect: str) -> tuple[str, ColumnElement[Any]]:
    items = TicketItem.__table__
    ordered = (
        select(items.c.id)
        .where(items.c.ticket_id == Ticket.id)
        .order_by(items.c.position, items.c.id)
    )
    if projection.items == "ids":
        return "item_ids", json_array(ordered, dialect, of_json=False, outer=Ticket.__table__)
    pairs = _pairs(items, ITEM_COLUMNS)
    pairs.append(
        ("bound_order_item_public_id", _public_id_of(OrderItem, items.c.bound_order_item_id))
    )
    if projection.pos:
        pairs.append(("pos", json_object(_pairs(items, POS_ITEM_COLUMNS))))
    rows = ordered.with_only_columns(json_object(pairs))
    return "items", json_array(rows, dialect, outer=Ticket.__table__)


def _tags(dialect: str) -> ColumnElement[Any]:
    tags = Tag.__table__
    rows = (
        select(
            json_object(
                [("id", tags.c.id), ("public_id", tags.c.public_id), ("label", tags.c.label)]
            )
        )
        .select_from(ticket_tags.join(tags, tags.c.id == ticket_tags.c.tag_id))
        .where(ticket_tags.c.ticket_id == Ticket.id)
        .order_by(tags.c.id)
    )
    return json_array(rows, dialect, outer=Ticket.__table__)


def _shipments(dialect: str) -> ColumnElement[Any]:
    shipments = Shipment.__table__
    rows = (
        select(json_object(_pairs(shipments, SHIPMENT_COLUMNS)))
        .where(shipments.c.ticket_id == Ticket.id)
        .order_by(shipments.c.id)
    )
    return json_array(rows, dialect, outer=Ticket.__table__)


def _bound_order() -> ColumnElement[Any]:
    orders = Order.__table__
    return json_nested(
        select(json_object(_pairs(orders, ORDER_COLUMNS)))
        .where(orders.c.id == Ticket.bound_order_id)
        .scalar_subquery()
    )


def _history(limit: int, dialect: str) -> ColumnElement[Any]:
    """The ticket's latest ``limit`` history entries, oldest first: the newest are picked
    on the (ticket_id, id) index, then put back in order."""
    history = HistoryItem.__table__
    latest = (
        select(
            *[history.c[n] for n in ("id", "public_id", "item_type", "data", "user_id")],
            history.c.created_at,
        )
        .where(history.c.ticket_id == Ticket.id)
        .order_by(history.c.id.desc())
        .limit(limit)
        .correlate(Ticket.__table__)
        .subquery("latest")
    )
    pairs = _pairs(latest, ("public_id", "item_type", "data", "created_at"))
    pairs.append(("user_public_id", _public_id_of(User, latest.c.user_id)))
    rows = select(json_object(pairs)).select_from(latest).order_by(latest.c.id)
    return json_array(rows, dialect, outer=Ticket.__table__)


def _pos() -> ColumnElement[Any]:
    tickets = Ticket.__table__
    pairs = _pairs(tickets, POS_COLUMNS)
    employee = select(User.email).where(User.id == Ticket.employee_id).scalar_subquery()
    pairs.append(("employee_email", employee))
    return json_object(pairs)


def ticket_document(projection: Projection, dialect: str) -> ColumnElement[Any]:
    """One ticket (the ``tickets`` row in the FROM of the select this goes into) as JSON."""
    tickets = Ticket.__table__
    pairs = _pairs(tickets, TICKET_COLUMNS)
    pairs += [
        ("state_public_id", _public_id_of(TicketState, Ticket.state_id)),
        ("type_public_id", _public_id_of(TicketType, Ticket.type_id)),
        ("assignee_public_id", _public_id_of(User, Ticket.assignee_id)),
        (
            "assignee_contact_id",
            select(AgentPerson.contact_id)
            .where(AgentPerson.user_id == Ticket.assignee_id)
            .scalar_subquery(),
        ),
    ]
    if projection.items != "none":
        pairs.append(_items(projection, dialect))
    if projection.tags:
        pairs.append(("tags", _tags(dialect)))
    if projection.shipments:
        pairs.append(("shipments", _shipments(dialect)))
    if projection.bound_order:
        pairs.append(("bound_order", _bound_order()))
    if projection.pos:
        pairs.append(("pos", _pos()))
    if projection.history:
        pairs.append(("history", _history(projection.history, dialect)))
    return json_object(pairs)
