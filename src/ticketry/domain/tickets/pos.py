"""Point-of-sale tickets (receipts): writing the POS fields, the till's rights, fiscal
close and delete. Usable by every face; the PORTOS face is its first user."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import Account, User
from ticketry.domain.errors import Conflict, ErrorCollector, Forbidden, NotFound, ValidationFailed
from ticketry.domain.tickets import services
from ticketry.domain.tickets.commands import (
    CloseInfoData,
    CustomerData,
    PosTicketData,
    TicketData,
)
from ticketry.domain.tickets.models import Ticket, TicketItem
from ticketry.domain.tickets.pos_math import item_math, retino_prices, ticket_math
from ticketry.domain.validation import check_max_length

# Rights a till checks (kept in ``users.rights``; the admin role has them all).
TICKET_CREATE = "TicketCreate"
TICKET_UPDATE = "TicketUpdate"
TICKET_UPDATE_ANY = "TicketUpdateAny"
TICKET_RENAME = "TicketRename"
TICKET_SET_DISCOUNT = "TicketSetDiscount"
TICKET_SET_CUSTOMER = "TicketSetCustomer"
TICKET_HANDOVER = "TicketHandover"
TICKET_TAKEOVER = "TicketTakeover"
TICKET_DELETE = "TicketDelete"
POS_RIGHTS = (
    TICKET_CREATE,
    TICKET_UPDATE,
    TICKET_UPDATE_ANY,
    TICKET_RENAME,
    TICKET_SET_DISCOUNT,
    TICKET_SET_CUSTOMER,
    TICKET_HANDOVER,
    TICKET_TAKEOVER,
    TICKET_DELETE,
)

_MAX_RATE = Decimal(100)
_MAX_MONEY = Decimal("1000000000")  # unit prices, quantities and rounding below 10^9
_TEXT = {
    "external_id": 100,
    "purchase_type": 40,
    "device_name": 100,
    "origin_device_name": 100,
    "location_table_name": 100,
    "location_zone_name": 100,
    "customer_card_serial_number": 100,
}
_ITEM_TEXT = {"name": 255, "plu_stock_name": 100, "unit": 20, "item_type": 20}
_TICKET_COLUMNS = (
    "external_id",
    "purchase_type",
    "device_name",
    "origin_device_name",
    "discount_rate",
    "location_table_name",
    "location_zone_name",
    "customer_card_serial_number",
    "customer_discount_rate",
    "rounding_amount",
)


class VersionMismatch(Conflict):
    """The client wrote against a version of the resource that is no longer current."""

    def __init__(self, *, name: str, id: str, version: int) -> None:
        super().__init__(f"{name} {id} is at version {version}.")
        self.name, self.id, self.version = name, id, version


class TicketClosed(Forbidden):
    def __init__(self) -> None:
        super().__init__("The ticket is closed; closed tickets cannot be changed.")


def pos_has_right(user: User, right: str) -> bool:
    return user.role == "admin" or right in (user.rights or ())


def _require(user: User, right: str) -> None:
    if not pos_has_right(user, right):
        raise Forbidden(f"The right {right} is required.")


def _check_rate(errors: ErrorCollector, field: str, value: Decimal | None) -> None:
    if value is not None and (not value.is_finite() or not 0 <= value <= _MAX_RATE):
        errors.add(field, "Must be between 0 and 100.")


def _check_money(errors: ErrorCollector, field: str, value: Decimal | None) -> None:
    if value is not None and (not value.is_finite() or abs(value) >= _MAX_MONEY):
        errors.add(field, "Must be a finite number below 10^9.")


def pos_check(pos: PosTicketData) -> None:
    """Every problem with the POS fields, at once (field names are the domain's)."""
    errors = ErrorCollector()
    for field, limit in _TEXT.items():
        check_max_length(errors, field, getattr(pos, field), limit)
    _check_rate(errors, "discount_rate", pos.discount_rate)
    _check_rate(errors, "customer_discount_rate", pos.customer_discount_rate)
    _check_money(errors, "rounding_amount", pos.rounding_amount)
    items: dict[str, Any] = {}
    for index, item in enumerate(pos.items):
        item_errors = ErrorCollector()
        for field, limit in _ITEM_TEXT.items():
            check_max_length(item_errors, field, getattr(item, field), limit)
        _check_rate(item_errors, "vat_rate", item.vat_rate)
        _check_rate(item_errors, "discount_rate", item.discount_rate)
        _check_money(item_errors, "unit_price", item.unit_price)
        _check_money(item_errors, "quantity", item.quantity)
        if item.plu_code is not None and not 0 <= item.plu_code < 2**31:
            item_errors.add("plu_code", "Must be between 0 and 2147483647.")
        if item_errors:
            items[str(index)] = item_errors.errors
    errors.nest("items", items)
    errors.raise_if_any()


def _q(value: Decimal | None, places: int) -> str | None:
    return None if value is None else str(value.quantize(Decimal(1).scaleb(-places)))


def _snapshot_items(rows: list[TicketItem]) -> list[tuple[Any, ...]]:
    return [
        (
            r.name,
            r.plu_code,
            r.plu_stock_name,
            _q(r.unit_price, 6),
            _q(r.amount, 4),
            r.quantity_unit,
            _q(r.vat_rate, 4),
            _q(r.discount_rate, 4),
            r.item_type,
            r.is_discount_allowed,
        )
        for r in rows
    ]


async def ticket_pos_apply(
    session: AsyncSession, *, ticket: Ticket, pos: PosTicketData, changes: dict[str, list[Any]]
) -> None:
    """Write the POS fields and the receipt lines of a locked, flushed ticket; recompute
    its totals; record what changed in ``changes``. Called by ticket_create/update."""
    pos_check(pos)
    employee_id: int | None = None
    if pos.employee_email:
        employee_id = await session.scalar(
            select(User.id).where(
                User.account_id == ticket.account_id,
                User.email == pos.employee_email.strip().lower(),
            )
        )
        if employee_id is None:
            raise ValidationFailed.single("employee", "No such user.")
    for column in _TICKET_COLUMNS:
        new = getattr(pos, column)
        if column in ("discount_rate", "rounding_amount") and new is None:
            new = Decimal(0)
        old = getattr(ticket, column)
        if old != new:
            changes[column] = [None if old is None else str(old), None if new is None else str(new)]
            setattr(ticket, column, new)
    if ticket.employee_id != employee_id:
        changes["employee"] = [ticket.employee_id, employee_id]
        ticket.employee_id = employee_id

    old_rows = list(
        await session.scalars(
            select(TicketItem)
            .where(TicketItem.ticket_id == ticket.id)
            .order_by(TicketItem.position, TicketItem.id)
        )
    )
    new_rows: list[TicketItem] = []
    maths = []
    for position, item in enumerate(pos.items):
        math = item_math(
            unit_price=item.unit_price,
            vat_rate=item.vat_rate,
            quantity=item.quantity,
            ticket_discount_rate=ticket.discount_rate,
            item_discount_rate=item.discount_rate,
            is_discount_allowed=item.is_discount_allowed,
        )
        maths.append(math)
        with_vat, without_vat, vat = retino_prices(math, item.unit_price)
        new_rows.append(
            TicketItem(
                account_id=ticket.account_id,
                ticket_id=ticket.id,
                position=position,
                name=item.name or "",
                product_id="" if item.plu_code is None else str(item.plu_code),
                amount=item.quantity,
                price_with_vat=with_vat,
                price_without_vat=without_vat,
                price_vat=vat,
                custom_fields={},
                file_ids=[],
                plu_code=item.plu_code,
                plu_stock_name=item.plu_stock_name,
                unit_price=item.unit_price,
                quantity_unit=item.unit,
                vat_rate=item.vat_rate,
                discount_rate=item.discount_rate or Decimal(0),
                item_type=item.item_type,
                is_discount_allowed=item.is_discount_allowed,
                total_price=math.total_price,
            )
        )
    if _snapshot_items(old_rows) != _snapshot_items(new_rows):
        changes["items"] = [len(old_rows), len(new_rows)]
        await session.execute(delete(TicketItem).where(TicketItem.ticket_id == ticket.id))
        session.add_all(new_rows)
        await session.flush()
    totals = ticket_math(maths, pos.rounding_amount)
    if ticket.total_price != totals.total_price:
        changes.setdefault("total_price", [str(ticket.total_price), str(totals.total_price)])
    ticket.total_price, ticket.discount_amount = totals.total_price, totals.discount_amount


async def _locked(session: AsyncSession, account_id: int, public_id: uuid.UUID) -> Ticket | None:
    return await session.scalar(
        select(Ticket)
        .where(Ticket.account_id == account_id, Ticket.public_id == public_id)
        .with_for_update()
    )


async def _taken_elsewhere(session: AsyncSession, account_id: int, public_id: uuid.UUID) -> bool:
    """Whether another account has a ticket with this id (ids are unique across accounts)."""
    found = await session.scalar(
        select(Ticket.id).where(Ticket.public_id == public_id, Ticket.account_id != account_id)
    )
    return found is not None


def _not_usable() -> NotFound:
    """An id of another account's ticket: answered as any id the caller cannot use, the same
    as a read of it, telling nothing about the other account."""
    return NotFound()


async def _employee_email(session: AsyncSession, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return await session.scalar(select(User.email).where(User.id == user_id))


async def pos_rights_check(
    session: AsyncSession, *, actor: User, existing: Ticket | None, data: TicketData
) -> None:
    """PORTOS "Ticket Operations and User Rights", for a create or an update."""
    pos = data.pos if isinstance(data.pos, PosTicketData) else None
    new_employee = pos.employee_email if pos is not None else None
    me = actor.email
    if existing is None:
        _require(actor, TICKET_CREATE)
        if new_employee and new_employee.lower() != me:
            _require(actor, TICKET_HANDOVER)
        if pos is not None and (pos.discount_rate or 0) != 0:
            if pos.discount_rate != pos.customer_discount_rate:
                _require(actor, TICKET_SET_DISCOUNT)
        customer = data.customer if isinstance(data.customer, CustomerData) else None
        if (pos is not None and pos.customer_card_serial_number) or (
            customer is not None and (customer.email or customer.name)
        ):
            _require(actor, TICKET_SET_CUSTOMER)
        return
    owner = await _employee_email(session, existing.employee_id)
    _require(actor, TICKET_UPDATE if owner in (None, me) else TICKET_UPDATE_ANY)
    if isinstance(data.subject, str) and data.subject != existing.subject:
        _require(actor, TICKET_RENAME)
    if pos is not None:
        if (new_employee or None) != owner:
            if owner not in (None, me) and (new_employee or "").lower() == me:
                _require(actor, TICKET_TAKEOVER)
                _require(actor, TICKET_UPDATE_ANY)
            elif new_employee:
                _require(actor, TICKET_HANDOVER)
        rate = pos.discount_rate or Decimal(0)
        if rate != (existing.discount_rate or 0) and rate != 0:
            if rate != pos.customer_discount_rate:
                _require(actor, TICKET_SET_DISCOUNT)
        if pos.customer_card_serial_number and (
            pos.customer_card_serial_number != existing.customer_card_serial_number
        ):
            _require(actor, TICKET_SET_CUSTOMER)
    if isinstance(data.customer, CustomerData):
        email = data.customer.email
        if isinstance(email, str) and email and email.lower() != existing.customer_email:
            _require(actor, TICKET_SET_CUSTOMER)


async def ticket_pos_save(
    session: AsyncSession,
    *,
    account: Account,
    actor: User,
    public_id: uuid.UUID,
    data: TicketData,
    expected_version: int | None = None,
    create_only: bool = False,
    _retried: bool = False,
) -> tuple[Ticket, bool]:
    """Create the ticket with this public id, or update it while it is open.

    Returns the ticket and whether it was created. A closed ticket is read-only.
    """
    existing = await _locked(session, account.id, public_id)
    if isinstance(data.pos, PosTicketData) and not data.pos.employee_email:
        # No employee given: the caller's ticket when new, unchanged otherwise.
        owner = await _employee_email(session, existing.employee_id) if existing else None
        data.pos.employee_email = owner if existing is not None else actor.email
    if existing is not None:
        if create_only:
            raise ValidationFailed({"id": ["A ticket with this id already exists."]})
        if existing.closed_at is not None:
            raise TicketClosed()
        if expected_version is not None and existing.version != expected_version:
            raise VersionMismatch(name="Ticket", id=str(public_id), version=existing.version)
        await pos_rights_check(session, actor=actor, existing=existing, data=data)
        ticket = await services.ticket_update(
            session, account=account, actor=actor, ref=existing.id, data=data
        )
        return ticket, False
    if await _taken_elsewhere(session, account.id, public_id):
        raise _not_usable()
    await pos_rights_check(session, actor=actor, existing=None, data=data)
    data.public_id = public_id
    if data.status is None or not isinstance(data.status, str):
        data.status = "open"
    data.channel = "pos"
    try:
        ticket = await services.ticket_create(session, account=account, actor=actor, data=data)
    except IntegrityError:
        # Another request created this id meanwhile: this one becomes its update.
        await session.rollback()
        await session.refresh(account)
        await session.refresh(actor)
        if await _taken_elsewhere(session, account.id, public_id):
            raise _not_usable() from None
        if create_only or _retried:
            raise ValidationFailed({"id": ["A ticket with this id already exists."]}) from None
        return await ticket_pos_save(
            session,
            account=account,
            actor=actor,
            public_id=public_id,
            data=data,
            expected_version=expected_version,
            _retried=True,
        )
    return ticket, True


async def ticket_pos_close(
    session: AsyncSession,
    *,
    account: Account,
    actor: User,
    public_id: uuid.UUID,
    info: CloseInfoData,
    expected_version: int | None = None,
) -> Ticket:
    """Fiscal close: record the printer's close info and close the ticket."""
    ticket = await _locked(session, account.id, public_id)
    if ticket is None:
        raise NotFound()
    if ticket.closed_at is not None:
        raise TicketClosed()
    if expected_version is not None and ticket.version != expected_version:
        raise VersionMismatch(name="Ticket", id=str(public_id), version=ticket.version)
    owner = await _employee_email(session, ticket.employee_id)
    _require(actor, TICKET_UPDATE if owner in (None, actor.email) else TICKET_UPDATE_ANY)
    errors = ErrorCollector()
    for field in ("device_name", "fiscal_name", "fiscal_memory_serial_number"):
        check_max_length(errors, field, getattr(info, field), 100)
    for field in ("number", "daily_sales_report_number"):
        value = getattr(info, field)
        if value is not None and not 0 <= value < 2**31:
            errors.add(field, "Must be between 0 and 2147483647.")
    errors.raise_if_any()
    ticket.close_device_name = info.device_name or ticket.device_name
    ticket.close_fiscal_name = info.fiscal_name
    ticket.close_number = info.number
    ticket.close_daily_sales_report_number = info.daily_sales_report_number
    ticket.close_fiscal_memory_serial_number = info.fiscal_memory_serial_number
    closed, _ = await services.ticket_close(session, account=account, actor=actor, ref=ticket.id)
    return closed


async def ticket_pos_delete(
    session: AsyncSession, *, account: Account, actor: User, public_id: uuid.UUID
) -> None:
    """Delete an open ticket with its lines; a closed (fiscal) ticket is kept."""
    ticket = await _locked(session, account.id, public_id)
    if ticket is None:
        raise NotFound()
    _require(actor, TICKET_DELETE)
    if ticket.closed_at is not None:
        raise TicketClosed()
    await services.ticket_delete(session, account=account, actor=actor, ref=ticket.id)
