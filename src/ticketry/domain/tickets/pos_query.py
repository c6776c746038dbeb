"""Reading point-of-sale tickets: typed filter conditions → SQL (bound parameters only),
sorting, skip/take, and the views the PORTOS face serialises.

The members and their value kinds are the PORTOS ticket list's; the adapter parses NData
text into ``Condition`` values, this module turns them into SQLAlchemy expressions.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    func,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ticketry.domain.accounts.models import User
from ticketry.domain.errors import NotFound
from ticketry.domain.tickets.models import Ticket, TicketItem

Kind = Literal["bool", "str", "int", "decimal", "datetime", "uuid"]
Value = bool | str | int | Decimal | datetime | uuid.UUID

ORDER_OPS = ("gt", "gte", "lt", "lte")
SET_OPS = ("in", "nin")
NULL_OPS = ("null", "notnull")
OPERATORS: dict[Kind, tuple[str, ...]] = {
    "bool": ("eq", "neq"),
    "uuid": ("eq", "neq", *SET_OPS),
    "str": ("eq", "neq", *ORDER_OPS, *SET_OPS, "like", *NULL_OPS),
    "int": ("eq", "neq", *ORDER_OPS, *SET_OPS, *NULL_OPS),
    "decimal": ("eq", "neq", *ORDER_OPS, *SET_OPS, *NULL_OPS),
    "datetime": ("eq", "neq", *ORDER_OPS, *SET_OPS, *NULL_OPS),
}
# How many arguments each operator takes (None: one or more).
ARITY: dict[str, int | None] = {
    "eq": 1,
    "neq": 1,
    "gt": 1,
    "gte": 1,
    "lt": 1,
    "lte": 1,
    "like": 1,
    "in": None,
    "nin": None,
    "null": 0,
    "notnull": 0,
}


@dataclass(frozen=True)
class Condition:
    member: str  # canonical member name, e.g. "DiscountRate"
    op: str
    args: tuple[Value, ...] = ()


@dataclass(frozen=True)
class SortKey:
    member: str
    descending: bool = False


@dataclass
class TicketQuery:
    conditions: list[Condition] = field(default_factory=list)
    sort: list[SortKey] = field(default_factory=list)
    skip: int = 0
    take: int = 100
    count_only: bool = False


_employee = aliased(User)


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


def _item_exists(*where: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(
        TicketItem.ticket_id == Ticket.id, TicketItem.account_id == Ticket.account_id, *where
    )


# Member → (value kind, the ticket expression it compares). Item members compare inside
# an EXISTS over the ticket's lines (see ``_item_condition``).
SCALAR_MEMBERS: dict[str, tuple[Kind, Callable[[], Any]]] = {
    "IsClosed": ("bool", lambda: Ticket.closed_at.is_not(None)),
    "HasCustomer": ("bool", _has_customer),
    "HasDiscount": ("bool", lambda: func.coalesce(Ticket.discount_amount, 0) != 0),
    "HasNegativeItem": ("bool", lambda: _item_exists(TicketItem.total_price < Decimal(0))),
    "HasReturnedItem": (
        "bool",
        lambda: _item_exists(func.lower(TicketItem.item_type) == "returned"),
    ),
    "Id": ("uuid", lambda: Ticket.public_id),
    "ExternalId": ("str", lambda: Ticket.external_id),
    "Name": ("str", lambda: Ticket.subject),
    "DeviceName": ("str", _device_name),
    "PurchaseType": ("str", lambda: Ticket.purchase_type),
    "OriginDeviceName": ("str", lambda: Ticket.origin_device_name),
    "CurrencyLabel": ("str", lambda: Ticket.currency),
    "DiscountRate": ("decimal", lambda: Ticket.discount_rate),
    "OpenDate": ("datetime", lambda: Ticket.created_at),
    "CloseDate": ("datetime", lambda: Ticket.closed_at),
    "CloseInfoDeviceName": ("str", lambda: Ticket.close_device_name),
    "CloseInfoFiscalName": ("str", lambda: Ticket.close_fiscal_name),
    "CloseInfoNumber": ("int", lambda: Ticket.close_number),
    "CloseInfoDailySalesReportNumber": ("int", lambda: Ticket.close_daily_sales_report_number),
    "CloseInfoFiscalMemorySerialNumber": (
        "str",
        lambda: Ticket.close_fiscal_memory_serial_number,
    ),
    "LocationTableName": ("str", lambda: Ticket.location_table_name),
    "LocationZoneName": ("str", lambda: Ticket.location_zone_name),
    "CustomerCardSerialNumber": ("str", lambda: Ticket.customer_card_serial_number),
    "EmployeeUserName": ("str", lambda: _employee.email),
}
ITEM_MEMBERS: dict[str, tuple[Kind, Callable[[], Any]]] = {
    "ItemPluCode": ("int", lambda: TicketItem.plu_code),
    "ItemPluStockName": ("str", lambda: TicketItem.plu_stock_name),
}
FILTER_MEMBERS: dict[str, Kind] = {
    name: kind for name, (kind, _) in {**SCALAR_MEMBERS, **ITEM_MEMBERS}.items()
}
# Sorting: every scalar member but the computed booleans; Id sorts in creation order.
SORT_MEMBERS: dict[str, Callable[[], Any]] = {
    name: expr for name, (kind, expr) in SCALAR_MEMBERS.items() if kind != "bool"
}
SORT_MEMBERS["Id"] = lambda: Ticket.id
SORT_MEMBERS["IsClosed"] = lambda: Ticket.closed_at.is_not(None)


def like_pattern(text: str) -> str:
    """``*`` matches any run of characters; without one, the text matches anywhere."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%") if "*" in text else f"%{escaped}%"


def _compare(expr: ColumnElement[Any], op: str, args: tuple[Value, ...]) -> ColumnElement[bool]:
    if op == "null":
        return expr.is_(None)
    if op == "notnull":
        return expr.is_not(None)
    if op == "in":
        return expr.in_(args)
    if op == "nin":
        return or_(expr.not_in(args), expr.is_(None))
    (arg,) = args
    if op == "eq":
        return expr == arg
    if op == "neq":
        return or_(expr != arg, expr.is_(None))
    if op == "gt":
        return expr > arg
    if op == "gte":
        return expr >= arg
    if op == "lt":
        return expr < arg
    if op == "lte":
        return expr <= arg
    if op == "like":
        return expr.ilike(like_pattern(str(arg)), escape="\\")
    raise ValueError(op)  # the parser admits only the operators above


def _bool_condition(expr: ColumnElement[bool], op: str, arg: Value) -> ColumnElement[bool]:
    wanted = bool(arg) if op == "eq" else not bool(arg)
    return expr if wanted else not_(expr)


def condition_clause(cond: Condition) -> ColumnElement[bool]:
    if cond.member in ITEM_MEMBERS:
        _, item_expr = ITEM_MEMBERS[cond.member]
        # A negative operator means "no line matches"; the others "some line matches".
        if cond.op == "neq":
            return not_(_item_exists(item_expr() == cond.args[0]))
        if cond.op == "nin":
            return not_(_item_exists(item_expr().in_(cond.args)))
        return _item_exists(_compare(item_expr(), cond.op, cond.args))
    kind, make = SCALAR_MEMBERS[cond.member]
    if kind == "bool":
        return _bool_condition(make(), cond.op, cond.args[0])
    return _compare(make(), cond.op, cond.args)


def _base(account_id: int) -> Select[Any]:
    return (
        select(Ticket.__table__, _employee.email.label("employee_email"))
        .outerjoin(_employee, _employee.id == Ticket.employee_id)
        .where(Ticket.account_id == account_id)
    )


def _filtered(account_id: int, query: TicketQuery) -> Select[Any]:
    stmt = _base(account_id)
    clauses = [condition_clause(c) for c in query.conditions]
    return stmt.where(and_(true(), *clauses))


def _order_by(keys: list[SortKey]) -> list[Any]:
    clauses: list[Any] = []
    for key in keys:
        expr = SORT_MEMBERS[key.member]()
        clauses.append(expr.desc().nulls_last() if key.descending else expr.asc().nulls_last())
    last_desc = keys[-1].descending if keys else False
    clauses.append(Ticket.id.desc() if last_desc else Ticket.id.asc())
    return clauses


@dataclass
class PosTicketView:
    ticket: RowMapping
    items: list[RowMapping] = field(default_factory=list)


async def _views(session: AsyncSession, account_id: int, rows: list[RowMapping]) -> list[Any]:
    views = [PosTicketView(ticket=row) for row in rows]
    if not views:
        return views
    by_id = {v.ticket["id"]: v for v in views}
    items = await session.execute(
        select(TicketItem.__table__)
        .where(TicketItem.ticket_id.in_(list(by_id)), TicketItem.account_id == account_id)
        .order_by(TicketItem.ticket_id, TicketItem.position, TicketItem.id)
    )
    for item in items.mappings():
        by_id[item["ticket_id"]].items.append(item)
    return views


async def ticket_pos_count(session: AsyncSession, *, account_id: int, query: TicketQuery) -> int:
    stmt = select(func.count()).select_from(_filtered(account_id, query).subquery())
    return int(await session.scalar(stmt) or 0)


async def ticket_pos_list(
    session: AsyncSession, *, account_id: int, query: TicketQuery
) -> list[PosTicketView]:
    """One page: two queries (tickets with their employee, then their lines)."""
    stmt = (
        _filtered(account_id, query)
        .order_by(*_order_by(query.sort))
        .offset(query.skip)
        .limit(query.take)
    )
    rows = [r._mapping for r in (await session.execute(stmt)).all()]
    return await _views(session, account_id, rows)


async def ticket_pos_get(
    session: AsyncSession, *, account_id: int, public_id: uuid.UUID
) -> PosTicketView:
    row = (await session.execute(_base(account_id).where(Ticket.public_id == public_id))).first()
    if row is None:
        raise NotFound()
    (view,) = await _views(session, account_id, [row._mapping])
    return view


__all__ = [
    "FILTER_MEMBERS",
    "OPERATORS",
    "SORT_MEMBERS",
    "Condition",
    "PosTicketView",
    "SortKey",
    "TicketQuery",
    "ticket_pos_count",
    "ticket_pos_get",
    "ticket_pos_list",
]
