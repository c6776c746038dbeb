"""Products in a ticket: checks, and the add/update/remove services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from msgspec import UNSET
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import Account, User
from ticketry.domain.accounts.rights import Grant
from ticketry.domain.catalog.custom_fields import custom_fields_for, custom_values_check
from ticketry.domain.errors import Code, ErrorCollector, FieldErrors, NotFound, ValidationFailed
from ticketry.domain.events.services import event_record
from ticketry.domain.orders.checks import check_price_data
from ticketry.domain.refs import Ref, ref_clause, ref_get_or_404
from ticketry.domain.tickets.commands import ItemData
from ticketry.domain.tickets.history import Kind, history_record
from ticketry.domain.tickets.models import Ticket, TicketItem
from ticketry.domain.tickets.policy import ticket_item_write_check
from ticketry.domain.tickets.searchdoc import ticket_search_refresh
from ticketry.domain.types import utcnow
from ticketry.domain.validation import check_text

# The item's text fields; their columns hold the limits.
_TEXT_FIELDS = ("name", "manufacturer", "category", "product_id", "variant", "ean", "serial")
_MAX_AMOUNT = Decimal("100000000")
_PLACES = Decimal("0.0001")


async def item_check(
    session: AsyncSession, account_id: int, item: ItemData, *, creating: bool
) -> FieldErrors:
    errors = ErrorCollector()
    if creating and item.name is UNSET:
        errors.add("name", Code.REQUIRED)
    elif item.name is not UNSET and not (item.name or "").strip():
        errors.add("name", Code.BLANK)  # a product always has a name, on change too
    for field in _TEXT_FIELDS:
        check_text(errors, field, getattr(item, field), getattr(TicketItem, field))
    if item.amount is not UNSET:
        if not item.amount.is_finite() or item.amount <= 0 or item.amount >= _MAX_AMOUNT:
            errors.add("amount", Code.OUT_OF_RANGE, min=0, max=_MAX_AMOUNT, exclusive=True)
    if item.price not in (UNSET, None):
        # The same checks as an order's prices: finite, below 10^14, at most 4 places (the
        # column's scale: more would be rounded silently), and the three parts add up.
        problems = check_price_data(item.price)  # type: ignore[arg-type]
        if list(problems) == ["non_field_errors"]:
            for message in problems["non_field_errors"]:
                errors.add("price", message)  # type: ignore[arg-type]
        else:
            errors.nest("price", problems)
    if item.custom_fields is not UNSET:
        fields = await custom_fields_for(session, account_id=account_id, target="product")
        normalised, cf_errors = custom_values_check(fields, item.custom_fields)
        errors.nest("custom_fields", cf_errors)
        if not cf_errors:
            item.custom_fields = normalised
    return errors.errors


def item_apply(row: TicketItem, item: ItemData) -> None:
    for field in ("name", "manufacturer", "category", "product_id", "variant", "ean"):
        value = getattr(item, field)
        if value is not UNSET:
            setattr(row, field, value or "")
    if item.serial is not UNSET:
        row.serial = item.serial
    if item.amount is not UNSET:
        row.amount = item.amount
        row.total_price = None  # a till's line total: derived again from the new amount
    if item.price is not UNSET:
        # The price entered here replaces a till's unit price and rate: every face then
        # derives its view from this price (``pos_math.unit_prices``), not a stale one.
        row.unit_price = row.vat_rate = row.total_price = None
    if item.price is None:
        row.price_with_vat = row.price_without_vat = row.price_vat = None
    elif item.price is not UNSET:
        # A price is one value: parts it leaves out become null. Merging parts into the
        # stored ones could leave a price whose parts no longer add up.
        for part, column in (
            ("with_vat", "price_with_vat"),
            ("without_vat", "price_without_vat"),
            ("vat", "price_vat"),
        ):
            value = getattr(item.price, part)
            setattr(row, column, None if value is UNSET else value)
    if item.custom_fields is not UNSET:
        merged = dict(row.custom_fields or {})
        merged.update(item.custom_fields)
        row.custom_fields = {k: v for k, v in merged.items() if v is not None}


def item_new(ticket: Ticket, item: ItemData, *, position: int) -> TicketItem:
    row = TicketItem(
        account_id=ticket.account_id,
        ticket_id=ticket.id,
        position=position,
        amount=Decimal(1),
        custom_fields={},
        file_ids=[],
    )
    item_apply(row, item)
    return row


async def _touch(
    session: AsyncSession,
    ticket: Ticket,
    actor: User | None,
    event_type: str,
    item: TicketItem,
    data: dict[str, Any],
    changes: list[dict[str, Any]] | None = None,
) -> None:
    ticket.updated_at = utcnow()
    ticket.version += 1
    await session.flush()
    from ticketry.domain.orders.binding import ticket_bind_order

    await ticket_bind_order(session, ticket=ticket)
    await ticket_search_refresh(session, ticket=ticket)
    await history_record(
        session,
        ticket=ticket,
        kind=Kind(event_type.split(".", 1)[1].upper()),
        actor=actor,
        changes=changes,
        product=item.name,
        product_id=str(item.public_id),
    )
    event_record(
        session,
        account_id=ticket.account_id,
        event_type=event_type,
        entity_type="ticket_item",
        entity_id=item.id,
        ticket_id=ticket.id,
        actor_user_id=actor.id if actor else None,
        data={"item_public_id": str(item.public_id), **data},
    )


# What a product's history entry compares (the columns ``item_apply`` writes).
_SNAPSHOT = (
    *_TEXT_FIELDS,
    "amount",
    "price_with_vat",
    "price_without_vat",
    "price_vat",
    "custom_fields",
)


def _snapshot(row: TicketItem) -> dict[str, Any]:
    return {name: getattr(row, name) for name in _SNAPSHOT}


def _shown(value: Any) -> Any:
    """Amounts and prices with their four stored places, however they were given."""
    return str(value.quantize(_PLACES)) if isinstance(value, Decimal) else value


async def _item_get(
    session: AsyncSession, account_id: int, ticket: Ticket, ref: Ref, *, for_update: bool = False
) -> TicketItem:
    stmt = select(TicketItem).where(
        ref_clause(TicketItem, ref),
        TicketItem.ticket_id == ticket.id,
        TicketItem.account_id == account_id,
    )
    if for_update:
        stmt = stmt.with_for_update()
    row = await session.scalar(stmt)
    if row is None:
        raise NotFound()
    return row


async def ticket_item_add(
    session: AsyncSession,
    *,
    account: Account,
    actor: User | None,
    ticket_ref: Ref,
    data: ItemData,
    grant: Grant | None = None,
) -> TicketItem:
    ticket = await ref_get_or_404(
        session, Ticket, account_id=account.id, ref=ticket_ref, for_update=True
    )
    await ticket_item_write_check(session, actor=actor, ticket=ticket, grant=grant)
    problems = await item_check(session, account.id, data, creating=True)
    if problems:
        raise ValidationFailed(problems)
    last = await session.scalar(
        select(func.max(TicketItem.position)).where(TicketItem.ticket_id == ticket.id)
    )
    row = item_new(ticket, data, position=(last or 0) + 1)
    session.add(row)
    await session.flush()
    await _touch(session, ticket, actor, "ticket.product_added", row, {})
    await session.flush()
    return row


async def ticket_item_update(
    session: AsyncSession,
    *,
    account: Account,
    actor: User | None,
    ticket_ref: Ref,
    ref: Ref,
    data: ItemData,
    grant: Grant | None = None,
) -> TicketItem:
    ticket = await ref_get_or_404(
        session, Ticket, account_id=account.id, ref=ticket_ref, for_update=True
    )
    await ticket_item_write_check(session, actor=actor, ticket=ticket, grant=grant)
    row = await _item_get(session, account.id, ticket, ref, for_update=True)
    problems = await item_check(session, account.id, data, creating=False)
    if problems:
        raise ValidationFailed(problems)
    before = _snapshot(row)
    item_apply(row, data)
    row.updated_at = utcnow()
    after = _snapshot(row)
    changes = [
        {"field": name, "old": _shown(before[name]), "new": _shown(after[name])}
        for name in before
        if before[name] != after[name]
    ]
    await _touch(session, ticket, actor, "ticket.product_updated", row, {}, changes)
    await session.flush()
    return row


async def ticket_item_remove(
    session: AsyncSession,
    *,
    account: Account,
    actor: User | None,
    ticket_ref: Ref,
    ref: Ref,
    grant: Grant | None = None,
) -> None:
    ticket = await ref_get_or_404(
        session, Ticket, account_id=account.id, ref=ticket_ref, for_update=True
    )
    await ticket_item_write_check(session, actor=actor, ticket=ticket, grant=grant)
    row = await _item_get(session, account.id, ticket, ref, for_update=True)
    await _touch(session, ticket, actor, "ticket.product_removed", row, {})
    await session.delete(row)
    await session.flush()
    await ticket_search_refresh(session, ticket=ticket)
    await session.flush()


async def ticket_item_get(
    session: AsyncSession, *, account: Account, ticket_ref: Ref, ref: Ref
) -> TicketItem:
    ticket = await ref_get_or_404(session, Ticket, account_id=account.id, ref=ticket_ref)
    return await _item_get(session, account.id, ticket, ref)
