"""A ticket's audit trail: one entry per change, whichever face made it, written by the
services in the change's own transaction (a rolled-back write leaves no entry).

An entry records its kind (``Kind``), who acted (``by``: an agent, an API credential, the
customer, or the system) and, for changes, each field's old and new value as it read at
the time: a state, type, assignee or tag is kept with its public id *and* its name, so the
trail still reads right after the state is renamed or the tag deleted. The outbox event of
the same change keeps the raw internal ids, for machines.

Readers (the desk, the Retino face) go through ``history_entry``, which also reads the
older shape of ``data`` (``{"changes": {field: [old, new]}}``, no ``by``) written before
this module existed."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import User
from ticketry.domain.catalog.models import CustomField, Tag, TicketState, TicketType
from ticketry.domain.conversations.models import Contact
from ticketry.domain.tickets.models import HistoryItem, Ticket, TicketItem


class Kind(StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    CLOSED = "CLOSED"
    REOPENED = "REOPENED"
    PRODUCT_ADDED = "PRODUCT_ADDED"
    PRODUCT_UPDATED = "PRODUCT_UPDATED"
    PRODUCT_REMOVED = "PRODUCT_REMOVED"
    PUBLIC_REPLY = "PUBLIC_REPLY"  # an agent's message the customer sees
    CUSTOMER_REPLY = "CUSTOMER_REPLY"  # the customer's message (portal, e-mail, an API)
    INTERNAL_NOTE = "INTERNAL_NOTE"
    MESSAGE_DELETED = "MESSAGE_DELETED"
    FILE_ATTACHED = "FILE_ATTACHED"  # a document outside the conversation (a credit note's)


@dataclass(frozen=True)
class Via:
    """The credential a change came through, when it is not an agent's own sign-in or
    token: an API key, an OAuth app (with or without an agent behind it), or the customer's
    portal link. Named in the entry's ``by``."""

    kind: Literal["api_key", "oauth_app", "portal"]
    name: str = ""


# Fields whose values are rows of the account: recorded as {"id": public id, "name": …}.
_REFERENCES: dict[str, Any] = {
    "state": TicketState,
    "type": TicketType,
}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


async def _named(session: AsyncSession, model: Any, ids: set[int]) -> dict[int, dict[str, Any]]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = await session.execute(
        select(model.id, model.public_id, model.name).where(model.id.in_(ids))
    )
    return {r.id: {"id": str(r.public_id), "name": r.name} for r in rows}


async def _users(session: AsyncSession, ids: set[int]) -> dict[int, dict[str, Any]]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = await session.execute(
        select(User.id, User.public_id, User.full_name, User.email).where(User.id.in_(ids))
    )
    return {r.id: {"id": str(r.public_id), "name": r.full_name or r.email} for r in rows}


async def _contacts(session: AsyncSession, ids: set[int]) -> dict[int, dict[str, Any]]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = await session.execute(
        select(Contact.id, Contact.public_id, Contact.email).where(Contact.id.in_(ids))
    )
    return {r.id: {"id": str(r.public_id), "name": r.email} for r in rows}


async def _tags(session: AsyncSession, ids: set[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Tag.id, Tag.public_id, Tag.label, Tag.name).where(Tag.id.in_(ids))
    )
    return {r.id: {"id": str(r.public_id), "name": r.name or r.label} for r in rows}


def _option(field: CustomField | None, value: Any) -> Any:
    """A select field's option id as {"id", "name"}; any other value as it is."""
    if field is None or not field.options:
        return _plain(value)
    if isinstance(value, list):
        return [_option(field, v) for v in value]
    for option in field.options:
        if isinstance(option, dict) and str(option.get("id")) == str(value):
            return {"id": str(value), "name": option.get("label")}
    return _plain(value)


async def _custom_field_changes(
    session: AsyncSession, account_id: int, old: dict[str, Any], new: dict[str, Any]
) -> list[dict[str, Any]]:
    old, new = old or {}, new or {}
    keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    if not keys:
        return []
    rows = await session.scalars(
        select(CustomField).where(
            CustomField.account_id == account_id,
            CustomField.target == "ticket",
            CustomField.key.in_(keys),
        )
    )
    fields = {f.key: f for f in rows}
    out: list[dict[str, Any]] = []
    for key in keys:
        definition = fields.get(key)
        out.append(
            {
                "field": "custom_field",
                "key": key,
                "name": definition.name if definition is not None else key,
                "old": _option(definition, old.get(key)),
                "new": _option(definition, new.get(key)),
            }
        )
    return out


async def history_changes(
    session: AsyncSession, account_id: int, changes: dict[str, list[Any]]
) -> list[dict[str, Any]]:
    """The services' raw ``{field: [old, new]}`` (internal ids) as the trail keeps it:
    one ``{"field", "old", "new"}`` per field, references named as they read now (at the
    time of the change), tags as ``added``/``removed``, custom fields one per key. The
    lookups run only for the fields that changed."""
    out: list[dict[str, Any]] = []
    for name, model in _REFERENCES.items():
        if name in changes:
            old, new = changes[name]
            found = await _named(session, model, {old, new})
            out.append({"field": name, "old": found.get(old), "new": found.get(new)})
    for name, reader in (("assignee", _users), ("requester", _contacts)):
        if name in changes:
            old, new = changes[name]
            found = await reader(session, {old, new})
            out.append({"field": name, "old": found.get(old), "new": found.get(new)})
    if "tags" in changes:
        old_tags, new_tags = (set(v or []) for v in changes["tags"])
        found = await _tags(session, old_tags | new_tags)
        out.append(
            {
                "field": "tags",
                "added": [
                    found.get(t, {"id": None, "name": str(t)}) for t in sorted(new_tags - old_tags)
                ],
                "removed": [
                    found.get(t, {"id": None, "name": str(t)}) for t in sorted(old_tags - new_tags)
                ],
            }
        )
    if "custom_fields" in changes:
        old, new = changes["custom_fields"]
        out += await _custom_field_changes(session, account_id, old, new)
    skip = {*_REFERENCES, "assignee", "requester", "tags", "custom_fields"}
    if "state" in changes:
        skip.add("status")  # the state names it; the status is the state's kind
    for name, (old, new) in changes.items():
        if name not in skip:
            out.append({"field": name, "old": _plain(old), "new": _plain(new)})
    return out


async def product_names(session: AsyncSession, item_ids: list[int]) -> list[str]:
    """The names of products about to be removed (read before they go)."""
    if not item_ids:
        return []
    rows = await session.scalars(
        select(TicketItem.name).where(TicketItem.id.in_(item_ids)).order_by(TicketItem.position)
    )
    return list(rows)


async def _by(
    session: AsyncSession,
    ticket: Ticket,
    actor: User | None,
    via: Via | None,
    customer_id: int | None,
) -> dict[str, Any]:
    by: dict[str, Any]
    if actor is not None:
        by = {"kind": "user", "id": str(actor.public_id), "name": actor.full_name or actor.email}
    elif customer_id is not None or (via is not None and via.kind == "portal"):
        contact_id = customer_id if customer_id is not None else ticket.requester_id
        found = await _contacts(session, {contact_id} if contact_id else set())
        person = found.get(contact_id) if contact_id else None
        by = {"kind": "customer", **(person or {"id": None, "name": ticket.customer_email})}
    elif via is not None:
        by = {"kind": via.kind, "name": via.name}
    else:
        by = {"kind": "system"}
    if via is not None and by["kind"] != via.kind:
        by["via"] = {"kind": via.kind, "name": via.name}
    return by


async def history_record(
    session: AsyncSession,
    *,
    ticket: Ticket,
    kind: Kind,
    actor: User | None,
    via: Via | None = None,
    customer_id: int | None = None,
    changes: list[dict[str, Any]] | None = None,
    **data: Any,
) -> None:
    """Add one entry to the ticket's trail, in the caller's transaction. ``customer_id``:
    the contact who wrote (a customer's message); ``changes``: from ``history_changes``;
    ``data``: what else the kind carries (a message's text, a product's name)."""
    payload: dict[str, Any] = {
        "by": await _by(session, ticket, actor, via, customer_id),
        **{k: _plain(v) for k, v in data.items()},
    }
    if changes:
        payload["changes"] = changes
    session.add(
        HistoryItem(
            account_id=ticket.account_id,
            ticket_id=ticket.id,
            item_type=str(kind),
            data=payload,
            user_id=actor.id if actor is not None else None,
        )
    )


# ---- reading -------------------------------------------------------------------------


@dataclass
class HistoryEntry:
    """One entry as every reader sees it, whatever shape it was stored in."""

    kind: str
    by: dict[str, Any]
    changes: list[dict[str, Any]] = field(default_factory=list)
    text: str | None = None  # a message's or note's text
    product: str | None = None  # the product an entry is about
    attachments: list[str] = field(default_factory=list)  # attached files' names
    extra: dict[str, Any] = field(default_factory=dict)  # the rest of the stored data


_KNOWN = {"by", "changes", "text", "product", "attachments"}


def _legacy_changes(changes: dict[str, Any]) -> list[dict[str, Any]]:
    """``{field: [old, new]}`` (before the trail named values) as change entries."""
    out: list[dict[str, Any]] = []
    for name, pair in changes.items():
        old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        if name == "tags" and isinstance(old, list) and isinstance(new, list):
            out.append(
                {
                    "field": "tags",
                    "added": [{"id": None, "name": str(t)} for t in new if t not in old],
                    "removed": [{"id": None, "name": str(t)} for t in old if t not in new],
                }
            )
        elif name == "products_removed":
            out.append({"field": name, "old": old, "new": []})
        else:
            out.append({"field": name, "old": old, "new": new})
    return out


def history_entry(
    item_type: str, data: dict[str, Any] | None, *, user_name: str | None = None
) -> HistoryEntry:
    """A stored entry (``item_type``, ``data``) read in today's shape. ``user_name``: the
    acting user's name now, for entries written before ``by`` was recorded."""
    data = data if isinstance(data, dict) else {}
    by = data.get("by")
    if not isinstance(by, dict):
        by = {"kind": "user", "name": user_name} if user_name else {"kind": "system"}
    changes = data.get("changes") or []
    if isinstance(changes, dict):
        changes = _legacy_changes(changes)
    attachments = data.get("attachments") or []
    return HistoryEntry(
        kind=item_type,
        by=by,
        changes=[c for c in changes if isinstance(c, dict)],
        text=data.get("text"),
        product=data.get("product"),
        attachments=[str(a) for a in attachments] if isinstance(attachments, list) else [],
        extra={k: v for k, v in data.items() if k not in _KNOWN},
    )
