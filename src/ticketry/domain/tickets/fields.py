"""The ticket fields a filter compares and an ordering sorts by: their value kinds, the SQL
expressions behind them (columns, and computed ones such as a receipt's device or whether a
ticket has a customer), and which may be missing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import ColumnElement, case, exists, func, or_, select

from ticketry.domain.accounts.models import User
from ticketry.domain.catalog.models import TICKET_STATUSES
from ticketry.domain.tickets.models import TICKET_PRIORITIES, Ticket, TicketItem

Kind = Literal["bool", "str", "int", "decimal", "datetime", "uuid"]
Value = bool | str | int | Decimal | datetime | uuid.UUID

ORDER_OPS = ("gt", "gte", "lt", "lte")
SET_OPS = ("in", "nin")
NULL_OPS = ("null", "notnull")
OPERATORS: dict[Kind, tuple[str, ...]] = {
    "bool": ("eq", "neq"),
    "uuid": ("eq", "neq", *SET_OPS),
    "str": ("eq", "neq", *ORDER_OPS, *SET_OPS, "like", "contains", *NULL_OPS),
    "int": ("eq", "neq", *ORDER_OPS, *SET_OPS, *NULL_OPS),
    "decimal": ("eq", "neq", *ORDER_OPS, *SET_OPS, *NULL_OPS),
    "datetime": ("eq", "neq", *ORDER_OPS, *SET_OPS, *NULL_OPS),
}
# How many arguments each operator takes (None: one or more).
ARITY: dict[str, int | None] = {
    **{op: 1 for op in ("eq", "neq", *ORDER_OPS, "like")},
    "in": None,
    "nin": None,
    "contains": None,
    "null": 0,
    "notnull": 0,
}


@dataclass(frozen=True)
class Sort:
    """One key of an ordering. ``nulls`` places missing values (on nullable fields only:
    on the others NULLS LAST would keep PostgreSQL from reading the ordering's index)."""

    field: str
    descending: bool = False
    nulls: Literal["first", "last"] | None = None


NEWEST_FIRST = [Sort("created_at", descending=True)]


_employee = User.__table__.alias("employee")


def _device_name() -> ColumnElement[Any]:
    # An open ticket is where it is open; a closed one where it was fiscally closed.
    return case(
        (Ticket.closed_at.is_(None), Ticket.device_name),
        else_=func.coalesce(Ticket.close_device_name, Ticket.device_name),
    )


def _has_customer() -> ColumnElement[bool]:
    return or_(
        Ticket.customer_name != "",
        Ticket.customer_email != "",
        Ticket.customer_card_serial_number.is_not(None),
    )


def item_exists(*where: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(
        TicketItem.ticket_id == Ticket.id, TicketItem.account_id == Ticket.account_id, *where
    )


def _employee_email() -> ColumnElement[Any]:
    return select(_employee.c.email).where(_employee.c.id == Ticket.employee_id).scalar_subquery()


def _column(name: str) -> Callable[[], Any]:
    return lambda: getattr(Ticket, name)


# Field → (value kind, the expression it compares, whether it can be missing).
FIELDS: dict[str, tuple[Kind, Callable[[], Any], bool]] = {
    "public_id": ("uuid", _column("public_id"), False),
    "subject": ("str", _column("subject"), False),
    "is_closed": ("bool", lambda: Ticket.closed_at.is_not(None), False),
    "has_customer": ("bool", _has_customer, False),
    "has_discount": ("bool", lambda: func.coalesce(Ticket.discount_amount, 0) != 0, False),
    "has_negative_item": (
        "bool",
        lambda: item_exists(TicketItem.total_price < Decimal(0)),
        False,
    ),
    "has_returned_item": (
        "bool",
        lambda: item_exists(func.lower(TicketItem.item_type) == "returned"),
        False,
    ),
    "device_name": ("str", _device_name, True),
    "employee_email": ("str", _employee_email, True),
    "currency": ("str", _column("currency"), False),
    "created_at": ("datetime", _column("created_at"), False),
    "updated_at": ("datetime", _column("updated_at"), False),
    "closed_at": ("datetime", _column("closed_at"), True),
    "id": ("int", _column("id"), False),
    "department": ("str", _column("department"), True),
}
for _name in (
    "external_id",
    "purchase_type",
    "origin_device_name",
    "location_table_name",
    "location_zone_name",
    "customer_card_serial_number",
    "close_device_name",
    "close_fiscal_name",
    "close_fiscal_memory_serial_number",
):
    FIELDS[_name] = ("str", _column(_name), True)
for _name in ("close_number", "close_daily_sales_report_number"):
    FIELDS[_name] = ("int", _column(_name), True)
FIELDS["discount_rate"] = ("decimal", _column("discount_rate"), True)

ITEM_FIELDS: dict[str, tuple[Kind, Callable[[], Any]]] = {
    "item.plu_code": ("int", lambda: TicketItem.plu_code),
    "item.plu_stock_name": ("str", lambda: TicketItem.plu_stock_name),
}
FIELD_KINDS: dict[str, Kind] = {
    **{name: kind for name, (kind, _, _) in FIELDS.items()},
    **{name: kind for name, (kind, _) in ITEM_FIELDS.items()},
}


def _lifecycle() -> Any:
    return case({s: i for i, s in enumerate(TICKET_STATUSES)}, value=Ticket.status)


def _severity() -> Any:
    return case({p: i for i, p in enumerate(TICKET_PRIORITIES)}, value=Ticket.priority)


# Sortable fields: every non-boolean field, whether a ticket is closed, status by lifecycle
# and priority by severity (not alphabetically).
SORTS: dict[str, tuple[Callable[[], Any], bool]] = {
    **{name: (expr, nullable) for name, (kind, expr, nullable) in FIELDS.items() if kind != "bool"},
    "is_closed": (lambda: Ticket.closed_at.is_not(None), False),
    "status": (_lifecycle, False),
    "priority": (_severity, False),
}


def sort_expression(key: Sort) -> Any:
    make, nullable = SORTS[key.field]
    expr = make()
    clause = expr.desc() if key.descending else expr.asc()
    if nullable and key.nulls == "last":
        return clause.nulls_last()
    if nullable and key.nulls == "first":
        return clause.nulls_first()
    return clause
