"""Writing tickets: create, update, create-or-update by id, close, delete.

Services never commit: the caller (a request, a CLI command, a job) owns the transaction.

Every ticket write goes through here, whichever face asks: the rights first
(``policy.ticket_write_check``), then the checks, the row, its point-of-sale section
(``pos.py``), history and outbox events."""

from __future__ import annotations

import uuid
from typing import Any

from msgspec import UNSET
from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import Account, User
from ticketry.domain.accounts.rights import Grant
from ticketry.domain.catalog.models import Tag, TicketState, TicketType
from ticketry.domain.errors import Code, ErrorCollector, NotFound, ValidationFailed
from ticketry.domain.events.services import event_record
from ticketry.domain.refs import Ref, ref_get, ref_get_or_404
from ticketry.domain.statements import built
from ticketry.domain.tickets.checks import ResolvedRefs, ticket_data_check
from ticketry.domain.tickets.codes import ticket_code_allocate
from ticketry.domain.tickets.commands import CloseInfoData, PosTicketData, TicketData
from ticketry.domain.tickets.counts import ticket_count_move
from ticketry.domain.tickets.errors import VersionMismatch
from ticketry.domain.tickets.history import (
    Kind,
    Via,
    history_changes,
    history_record,
    product_names,
)
from ticketry.domain.tickets.items import item_apply, item_check, item_new
from ticketry.domain.tickets.models import (
    Ticket,
    TicketItem,
    ticket_tags,
)
from ticketry.domain.tickets.policy import ticket_write_check
from ticketry.domain.tickets.pos import (
    pos_close_info_apply,
    pos_employee_default,
    ticket_pos_apply,
)
from ticketry.domain.tickets.requester import (
    REQUESTER_COLUMNS,
    ticket_requester_apply,
    touches_requester,
)
from ticketry.domain.tickets.searchdoc import (
    ItemParts,
    ticket_search_refresh,
    ticket_search_values,
)
from ticketry.domain.types import utcnow

_SIMPLE_FIELDS = (
    "subject",
    "currency",
    "language",
    "country",
    "order_id",
    "order_date",
    "priority",
    "channel",
    "department",
    "from_email",
    "company",
    "customer_rating",
    "customer_rating_comment",
    "is_unread",
)


async def _default_state(session: AsyncSession, account_id: int, status: str) -> TicketState:
    state = await session.scalar(
        built(session, _default_state_select), {"a": account_id, "s": status}
    )
    if state is None:
        raise NotFound(f"The account has no state for status '{status}'.")
    return state


def _default_state_select(_dialect: str) -> Any:
    return (
        select(TicketState)
        .where(TicketState.account_id == bindparam("a"), TicketState.status == bindparam("s"))
        .order_by(TicketState.is_default.desc(), TicketState.position, TicketState.id)
        .limit(1)
        .with_for_update(key_share=True)  # see _references_hold; one deleted meanwhile is skipped
    )


async def _references_hold(session: AsyncSession, data: TicketData, resolved: ResolvedRefs) -> None:
    """Lock the state, type and tags the command names FOR KEY SHARE, the lock their foreign keys
    take when the ticket is written, taken earlier: ticket writers do not wait for each
    other, and an admin deleting one waits for this transaction and then counts the ticket.
    One deleted meanwhile is a field error, as if it had never existed (not a foreign-key
    failure at the insert). On SQLite, whose writers run one at a time, no lock is needed
    (nor taken)."""
    errors = ErrorCollector()
    state_id = resolved.state.id if resolved.state is not None else None
    for field, model, row_id, ref in (
        ("state", TicketState, state_id, data.state),
        ("type", TicketType, resolved.type_id, data.type),
    ):
        if row_id is not None and not await session.scalar(
            select(model.id).where(model.id == row_id).with_for_update(key_share=True)
        ):
            errors.add(field, Code.INVALID_REF, value=ref)  # type: ignore[arg-type]
    if resolved.tag_ids:
        held = set(
            await session.scalars(
                select(Tag.id).where(Tag.id.in_(resolved.tag_ids)).with_for_update(key_share=True)
            )
        )
        if len(held) < len(set(resolved.tag_ids)):
            errors.add("tags", "A tag was deleted meanwhile; reload the tags and try again.")
    errors.raise_if_any()


async def _keep_items(
    session: AsyncSession, ticket: Ticket, item_ids: list[int], errors: ErrorCollector
) -> list[int]:
    """Check that ``item_ids`` are the ticket's items; return the ids of the others."""
    current = list(
        await session.scalars(select(TicketItem.id).where(TicketItem.ticket_id == ticket.id))
    )
    for item_id in item_ids:
        if item_id not in current:
            errors.add("products", Code.INVALID_REF, value=item_id)
    return [i for i in current if i not in item_ids]


async def _set_tags(session: AsyncSession, ticket: Ticket, tag_ids: list[int]) -> None:
    await session.execute(delete(ticket_tags).where(ticket_tags.c.ticket_id == ticket.id))
    if tag_ids:
        await session.execute(
            insert(ticket_tags),
            [
                {"ticket_id": ticket.id, "tag_id": t, "account_id": ticket.account_id}
                for t in tag_ids
            ],
        )


async def ticket_create(
    session: AsyncSession,
    *,
    account: Account,
    actor: User | None,
    data: TicketData,
    till: bool = False,
    grant: Grant | None = None,
    via: Via | None = None,
) -> Ticket:
    """Create a ticket. ``till``: written at a point of sale (its rights apply, see
    policy.py); ``grant``: what the caller's credential allows (policy.py); ``via``: the
    credential it came through, for the history."""
    await ticket_write_check(
        session, actor=actor, ticket=None, data=data, action="create", till=till, grant=grant
    )
    errors = ErrorCollector()
    resolved = await ticket_data_check(session, account.id, data, errors)
    item_errors: dict[str, Any] = {}
    if data.products is not UNSET:
        for index, item in enumerate(data.products):
            problems = await item_check(session, account.id, item, creating=True)
            if problems:
                item_errors[str(index)] = problems
    errors.nest("products", item_errors)
    if data.item_ids is not UNSET:  # a new ticket has no items to keep
        for item_id in data.item_ids:
            errors.add("products", Code.INVALID_REF, value=item_id)
    errors.raise_if_any()
    await _references_hold(session, data, resolved)

    if resolved.state is not None:
        state = resolved.state
    else:
        status = data.status if data.status is not UNSET else "new"
        state = await _default_state(session, account.id, status)

    (code,) = await ticket_code_allocate(session, account_id=account.id)
    now = utcnow()
    ticket = Ticket(
        account_id=account.id,
        code=code,
        state_id=state.id,
        status=state.status,
        type_id=resolved.type_id,
        assignee_id=resolved.assignee_id,
        currency=data.currency if data.currency is not UNSET else account.currency,
        language=data.language if data.language is not UNSET else account.language,
        custom_fields=resolved.custom_fields or {},
        created_at=now,
        updated_at=now,
        closed_at=now if state.status == "closed" else None,
    )
    for field in _SIMPLE_FIELDS:
        if field in ("currency", "language"):
            continue
        value = getattr(data, field)
        if value is not UNSET:
            setattr(ticket, field, value)
    await ticket_requester_apply(
        session, ticket=ticket, data=data, resolved=resolved, creating=True
    )
    if data.public_id is not UNSET:
        ticket.public_id = data.public_id
    items = [
        item_new(ticket, item, position=position)
        for position, item in enumerate(data.products if data.products is not UNSET else [])
    ]
    parts: list[ItemParts] | None = [(i.name, i.product_id, i.ean, i.serial) for i in items]
    # The search text goes into the INSERT: no UPDATE of the row just written (and, on
    # SQLite, no second trip through the full-text index's triggers).
    ticket.search_text, _ = ticket_search_values(ticket, parts or [], [])
    session.add(ticket)
    await session.flush()
    await ticket_count_move(
        session, account_id=account.id, ticket_id=ticket.id, old=None, new=ticket.status
    )
    if resolved.tag_ids:
        await _set_tags(session, ticket, resolved.tag_ids)
    for row in items:
        row.ticket_id = ticket.id
    session.add_all(items)
    await session.flush()  # the order binding reads the products back
    if data.pos is not UNSET:
        await ticket_pos_apply(session, ticket=ticket, pos=data.pos, changes={})
        parts = None  # the receipt lines are read back

    from ticketry.domain.orders.binding import ticket_bind_order

    await ticket_bind_order(session, ticket=ticket)
    await ticket_search_refresh(session, ticket=ticket, new=True, items=parts)
    await history_record(
        session, ticket=ticket, kind=Kind.CREATED, actor=actor, via=via, channel=ticket.channel
    )
    event_record(
        session,
        account_id=account.id,
        event_type="ticket.created",
        entity_type="ticket",
        entity_id=ticket.id,
        ticket_id=ticket.id,
        actor_user_id=actor.id if actor else None,
    )
    await session.flush()
    return ticket


def _mark_closed(ticket: Ticket, was_closed: bool) -> str | None:
    """Keep ``closed_at`` in step with the status; return the lifecycle event, if any."""
    if ticket.status == "closed" and not was_closed:
        ticket.closed_at = utcnow()
        return "ticket.closed"
    if ticket.status != "closed" and was_closed:
        ticket.closed_at = None
        return "ticket.reopened"
    return None


async def ticket_update(
    session: AsyncSession,
    *,
    account: Account,
    actor: User | None,
    ref: Ref,
    data: TicketData,
    replace_custom_fields: bool = False,
    expected_version: int | None = None,
    till: bool = False,
    grant: Grant | None = None,
    via: Via | None = None,
) -> Ticket:
    """Change what ``data`` sets; a change is recorded (history, ``ticket.updated``) and
    moves the version. ``expected_version``: fail unless the ticket is at it."""
    ticket = await ref_get_or_404(session, Ticket, account_id=account.id, ref=ref, for_update=True)
    return await _ticket_update_locked(
        session,
        ticket=ticket,
        account=account,
        actor=actor,
        data=data,
        replace_custom_fields=replace_custom_fields,
        expected_version=expected_version,
        till=till,
        grant=grant,
        via=via,
    )


def _version_check(ticket: Ticket, expected_version: int | None) -> None:
    if expected_version is not None and ticket.version != expected_version:
        raise VersionMismatch(name="Ticket", id=str(ticket.public_id), version=ticket.version)


async def _ticket_update_locked(
    session: AsyncSession,
    *,
    ticket: Ticket,
    account: Account,
    actor: User | None,
    data: TicketData,
    replace_custom_fields: bool,
    expected_version: int | None,
    till: bool,
    grant: Grant | None = None,
    via: Via | None = None,
) -> Ticket:
    await ticket_write_check(
        session, actor=actor, ticket=ticket, data=data, action="update", till=till, grant=grant
    )
    _version_check(ticket, expected_version)
    errors = ErrorCollector()
    resolved = await ticket_data_check(session, account.id, data, errors)
    drop_items: list[int] = []
    if data.item_ids is not UNSET:
        drop_items = await _keep_items(session, ticket, data.item_ids, errors)
    errors.raise_if_any()
    await _references_hold(session, data, resolved)

    changes: dict[str, list[Any]] = {}

    def change(field: str, old: Any, new: Any) -> None:
        if old != new:
            changes[field] = [_plain(old), _plain(new)]

    was_closed = ticket.status == "closed"
    old_status = ticket.status
    if resolved.state is not None:
        change("state", ticket.state_id, resolved.state.id)
        ticket.state_id = resolved.state.id
        ticket.status = resolved.state.status
    elif data.status is not UNSET and data.status != ticket.status:
        state = await _default_state(session, account.id, data.status)
        change("state", ticket.state_id, state.id)
        ticket.state_id, ticket.status = state.id, state.status
    if data.type is not UNSET:
        change("type", ticket.type_id, resolved.type_id)
        ticket.type_id = resolved.type_id
    if data.assignee is not UNSET:
        change("assignee", ticket.assignee_id, resolved.assignee_id)
        ticket.assignee_id = resolved.assignee_id
    for field in _SIMPLE_FIELDS:
        value = getattr(data, field)
        if value is not UNSET:
            change(field, getattr(ticket, field), value)
            setattr(ticket, field, value)
    if touches_requester(data):
        before = [getattr(ticket, column) for column in REQUESTER_COLUMNS]
        await ticket_requester_apply(
            session, ticket=ticket, data=data, resolved=resolved, creating=False
        )
        for column, old in zip(REQUESTER_COLUMNS, before, strict=True):
            change(column.removesuffix("_id"), old, getattr(ticket, column))
    if resolved.custom_fields is not None:
        merged = {} if replace_custom_fields else dict(ticket.custom_fields or {})
        merged.update(resolved.custom_fields)
        merged = {k: v for k, v in merged.items() if v is not None}
        change("custom_fields", ticket.custom_fields, merged)
        ticket.custom_fields = merged
    if resolved.tag_ids is not None:
        old_tags = list(
            await session.scalars(
                select(ticket_tags.c.tag_id).where(ticket_tags.c.ticket_id == ticket.id)
            )
        )
        if sorted(old_tags) != sorted(resolved.tag_ids):
            changes["tags"] = [sorted(old_tags), sorted(resolved.tag_ids)]
            await _set_tags(session, ticket, resolved.tag_ids)
    removed_names: list[str] = []
    if drop_items:
        changes["products_removed"] = [drop_items, []]
        removed_names = await product_names(session, drop_items)
        await session.execute(delete(TicketItem).where(TicketItem.id.in_(drop_items)))
    if data.pos is not UNSET:
        await ticket_pos_apply(session, ticket=ticket, pos=data.pos, changes=changes)
    lifecycle = _mark_closed(ticket, was_closed)
    await ticket_count_move(
        session, account_id=account.id, ticket_id=ticket.id, old=old_status, new=ticket.status
    )

    if not changes:
        return ticket
    ticket.version += 1
    ticket.updated_at = utcnow()
    await session.flush()
    if "order_id" in changes or "customer_email" in changes:
        from ticketry.domain.orders.binding import ticket_bind_order

        await ticket_bind_order(session, ticket=ticket)
    await ticket_search_refresh(session, ticket=ticket)
    await _record_update(session, ticket, actor, changes, lifecycle, via=via, removed=removed_names)
    await session.flush()
    return ticket


_LIFECYCLE_KINDS = {"ticket.closed": Kind.CLOSED, "ticket.reopened": Kind.REOPENED}


async def _record_update(
    session: AsyncSession,
    ticket: Ticket,
    actor: User | None,
    changes: dict[str, list[Any]],
    lifecycle: str | None,
    *,
    via: Via | None = None,
    removed: list[str] | None = None,
    history: bool = True,
) -> None:
    """History for people and outbox events for machines, in the caller's transaction.
    ``removed``: the names of the products the change removed; ``history``: False when the
    caller records the change in an entry of its own (a reply that moved the status)."""
    if history:
        entries = await history_changes(session, ticket.account_id, changes)
        for entry in entries:
            if entry["field"] == "products_removed" and removed:
                entry["old"] = removed
        await history_record(
            session,
            ticket=ticket,
            kind=_LIFECYCLE_KINDS.get(lifecycle or "", Kind.UPDATED),
            actor=actor,
            via=via,
            changes=entries,
        )
    actor_id = actor.id if actor else None
    event_record(
        session,
        account_id=ticket.account_id,
        event_type="ticket.updated",
        entity_type="ticket",
        entity_id=ticket.id,
        ticket_id=ticket.id,
        actor_user_id=actor_id,
        data={"changes": changes},
    )
    if lifecycle:
        event_record(
            session,
            account_id=ticket.account_id,
            event_type=lifecycle,
            entity_type="ticket",
            entity_id=ticket.id,
            ticket_id=ticket.id,
            actor_user_id=actor_id,
        )


async def ticket_set_status(
    session: AsyncSession,
    *,
    ticket: Ticket,
    status: str,
    actor: User | None,
    via: Via | None = None,
    history: bool = True,
) -> dict[str, list[Any]]:
    """Move a locked ticket to the account's default state of ``status`` (no commit).
    Returns the changes; ``history``: False when the caller records them itself (a
    message's entry carries the status change the message caused)."""
    if ticket.status == status:
        return {}
    was_closed = ticket.status == "closed"
    state = await _default_state(session, ticket.account_id, status)
    old_state, old_status = ticket.state_id, ticket.status
    ticket.state_id, ticket.status = state.id, state.status
    lifecycle = _mark_closed(ticket, was_closed)
    await ticket_count_move(
        session, account_id=ticket.account_id, ticket_id=ticket.id, old=old_status, new=status
    )
    changes: dict[str, list[Any]] = {
        "state": [old_state, state.id],
        "status": [old_status, status],
    }
    await _record_update(session, ticket, actor, changes, lifecycle, via=via, history=history)
    return changes


async def ticket_close(
    session: AsyncSession,
    *,
    account: Account,
    actor: User | None,
    ref: Ref,
    close_info: CloseInfoData | None = None,
    expected_version: int | None = None,
    till: bool = False,
    grant: Grant | None = None,
    via: Via | None = None,
) -> tuple[Ticket, bool]:
    """Close the ticket. Closing a closed ticket changes nothing and emits nothing.
    ``close_info``: what a fiscal printer reported (a receipt's fiscal close)."""
    ticket = await ref_get_or_404(session, Ticket, account_id=account.id, ref=ref, for_update=True)
    await ticket_write_check(
        session, actor=actor, ticket=ticket, data=None, action="close", till=till, grant=grant
    )
    _version_check(ticket, expected_version)
    if close_info is not None:
        pos_close_info_apply(ticket, close_info)
    if ticket.closed_at is not None and ticket.status == "closed":
        return ticket, False
    state = await _default_state(session, account.id, "closed")
    await ticket_count_move(
        session, account_id=account.id, ticket_id=ticket.id, old=ticket.status, new=state.status
    )
    old = {"state": [ticket.state_id, state.id]} if ticket.state_id != state.id else {}
    ticket.state_id, ticket.status = state.id, state.status
    ticket.closed_at = utcnow()
    ticket.updated_at = ticket.closed_at
    ticket.version += 1
    await history_record(
        session,
        ticket=ticket,
        kind=Kind.CLOSED,
        actor=actor,
        via=via,
        changes=await history_changes(session, account.id, old),
    )
    event_record(
        session,
        account_id=account.id,
        event_type="ticket.closed",
        entity_type="ticket",
        entity_id=ticket.id,
        ticket_id=ticket.id,
        actor_user_id=actor.id if actor else None,
    )
    await session.flush()
    return ticket, True


async def ticket_delete(
    session: AsyncSession,
    *,
    account: Account,
    actor: User | None,
    ref: Ref,
    till: bool = False,
    grant: Grant | None = None,
) -> None:
    """Delete the ticket for good, with its conversation, products, shipments and history."""
    ticket = await ref_get_or_404(session, Ticket, account_id=account.id, ref=ref, for_update=True)
    await ticket_write_check(
        session, actor=actor, ticket=ticket, data=None, action="delete", till=till, grant=grant
    )
    event_record(
        session,
        account_id=account.id,
        event_type="ticket.deleted",
        entity_type="ticket",
        entity_id=ticket.id,
        ticket_id=None,
        actor_user_id=actor.id if actor else None,
        data={"public_id": str(ticket.public_id), "code": ticket.code},
    )
    await ticket_count_move(
        session, account_id=account.id, ticket_id=ticket.id, old=ticket.status, new=None
    )
    await session.delete(ticket)  # the database cascades to everything hanging off it
    await session.flush()


async def ticket_save(
    session: AsyncSession,
    *,
    account: Account,
    actor: User,
    public_id: uuid.UUID,
    data: TicketData,
    expected_version: int | None = None,
    create_only: bool = False,
    till: bool = False,
    _retried: bool = False,
) -> tuple[Ticket, bool]:
    """Create the ticket with this public id, or update it (create-or-update by id).

    Returns the ticket and whether it was created. At a till (``till``) the new ticket is
    an open point-of-sale receipt, and a closed one is read-only (policy.py).
    """
    existing = await ref_get(session, Ticket, account_id=account.id, ref=public_id, for_update=True)
    if isinstance(data.pos, PosTicketData):
        await pos_employee_default(session, pos=data.pos, existing=existing, actor=actor)
    if existing is not None:
        if create_only:
            raise ValidationFailed.single("id", Code.UNIQUE, entity="ticket", value=str(public_id))
        ticket = await _ticket_update_locked(
            session,
            ticket=existing,
            account=account,
            actor=actor,
            data=data,
            replace_custom_fields=False,
            expected_version=expected_version,
            till=till,
        )
        return ticket, False
    if await _taken_elsewhere(session, account.id, public_id):
        raise NotFound()
    data.public_id = public_id
    if till:
        if data.status is None or not isinstance(data.status, str):
            data.status = "open"
        data.channel = "pos"
    try:
        ticket = await ticket_create(session, account=account, actor=actor, data=data, till=till)
    except IntegrityError:
        # Another request created this id meanwhile: this one becomes its update.
        await session.rollback()
        await session.refresh(account)
        await session.refresh(actor)
        if await _taken_elsewhere(session, account.id, public_id):
            raise NotFound() from None
        if create_only or _retried:
            raise ValidationFailed.single(
                "id", Code.UNIQUE, entity="ticket", value=str(public_id)
            ) from None
        return await ticket_save(
            session,
            account=account,
            actor=actor,
            public_id=public_id,
            data=data,
            expected_version=expected_version,
            till=till,
            _retried=True,
        )
    return ticket, True


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (dict, list)):
        return value
    return str(value)


__all__ = [
    "TicketItem",
    "item_apply",
    "ticket_close",
    "ticket_create",
    "ticket_delete",
    "ticket_save",
    "ticket_update",
]


async def _taken_elsewhere(session: AsyncSession, account_id: int, public_id: uuid.UUID) -> bool:
    """Whether another account has a ticket with this id (ids are unique across accounts):
    answered as any id the caller cannot use, the same as a read of it, telling nothing
    about the other account."""
    found = await session.scalar(
        select(Ticket.id).where(Ticket.public_id == public_id, Ticket.account_id != account_id)
    )
    return found is not None
