"""The returns portal's writes: a customer's return filed from their order, their answers,
and the link that brings them back to it (with the files they may download through it).
Ticket rules stay in the ticket and conversation services."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import Account
from ticketry.domain.catalog.models import TicketType
from ticketry.domain.conversations.models import Message, message_attachments
from ticketry.domain.conversations.services import message_create
from ticketry.domain.errors import ValidationFailed
from ticketry.domain.files.models import StoredFile
from ticketry.domain.files.services import files_store
from ticketry.domain.files.storage import FileStore
from ticketry.domain.orders.lookup import order_find_for_customer, order_product_items
from ticketry.domain.tickets.commands import CustomerData, ItemData, PriceData, TicketData
from ticketry.domain.tickets.history import Via
from ticketry.domain.tickets.models import Ticket
from ticketry.domain.tickets.services import ticket_create
from ticketry.domain.web.models import PortalAccess

PORTAL_TYPE_KINDS = ("return", "complaint")
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
MAX_PHOTOS = 5
PORTAL = Via("portal")  # the history names the customer, through their portal link


def _key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


async def portal_types(session: AsyncSession, *, account_id: int) -> list[TicketType]:
    """The reasons a customer may choose: the account's return and complaint types."""
    rows = await session.scalars(
        select(TicketType)
        .where(TicketType.account_id == account_id, TicketType.kind.in_(PORTAL_TYPE_KINDS))
        .order_by(TicketType.position, TicketType.id)
    )
    return list(rows)


def portal_access_add(session: AsyncSession, *, ticket: Ticket) -> str:
    """A new link key for the ticket (joins the caller's transaction); only its hash is kept."""
    raw = secrets.token_urlsafe(32)
    session.add(
        PortalAccess(account_id=ticket.account_id, ticket_id=ticket.id, key_hash=_key_hash(raw))
    )
    return raw


async def portal_ticket_for_key(
    session: AsyncSession, *, account_id: int, raw: str
) -> Ticket | None:
    if not raw or len(raw) > 200:
        return None
    return await session.scalar(
        select(Ticket)
        .join(PortalAccess, PortalAccess.ticket_id == Ticket.id)
        .where(
            PortalAccess.key_hash == _key_hash(raw),
            PortalAccess.account_id == account_id,
            Ticket.account_id == account_id,
        )
    )


async def portal_file_get(
    session: AsyncSession, *, account_id: int, ticket_id: int, public_id: uuid.UUID
) -> StoredFile | None:
    """A file the customer may download through their link: attached to a *public*
    message of exactly this ticket. An internal note's file, another ticket's file or any
    other file of the account is None, the same as one that does not exist."""
    on_public_message = exists().where(
        message_attachments.c.file_id == StoredFile.id,
        message_attachments.c.account_id == account_id,
        Message.id == message_attachments.c.message_id,
        Message.account_id == account_id,
        Message.ticket_id == ticket_id,
        Message.is_public.is_(True),
    )
    return await session.scalar(
        select(StoredFile).where(
            StoredFile.public_id == public_id,
            StoredFile.account_id == account_id,
            on_public_message,
        )
    )


async def _photos_store(
    session: AsyncSession,
    *,
    store: FileStore,
    account_id: int,
    photos: list[tuple[str | None, bytes]],
    max_file_bytes: int,
    errors: dict[str, list[str]],
) -> list[int]:
    """Store the customer's photos (rows join the caller's transaction); what is wrong with
    them goes into ``errors["photos"]``, beside the form's other errors."""
    try:
        stored = await files_store(
            session,
            store=store,
            account_id=account_id,
            files=photos,
            field="photos",
            max_bytes=max_file_bytes,
            allowed=PHOTO_TYPES,
            max_count=MAX_PHOTOS,
        )
    except ValidationFailed as exc:
        errors.setdefault("photos", []).extend(exc.errors["photos"])
        return []
    return [row.id for row in stored]


@dataclass
class ReturnRequest:
    order_code: str
    email: str
    quantities: dict[int, Decimal]  # order item id -> how many
    type_id: int | None
    description: str
    photos: list[tuple[str | None, bytes]]  # (file name, content)


@dataclass
class ReturnFiled:
    ticket: Ticket
    message: Message
    access_key: str


async def portal_return_file(
    session: AsyncSession,
    *,
    account: Account,
    store: FileStore,
    request: ReturnRequest,
    max_file_bytes: int,
) -> ReturnFiled:
    """File a return or complaint for items of the customer's order.

    The order is looked up again (never trusted from the form); the ticket names the order
    and e-mail, so ``ticket_create`` binds and verifies it and binds the products to the
    order's items by product code. The description becomes the customer's first message.
    """
    order = await order_find_for_customer(
        session, account_id=account.id, code=request.order_code, email=request.email
    )
    if order is None:
        raise ValidationFailed.single("order", "not_found")
    errors: dict[str, list[str]] = {}
    items = await order_product_items(session, account_id=account.id, order_id=order.id)
    chosen: list[ItemData] = []
    for item in items:
        qty = request.quantities.get(item.id)
        if not qty:
            continue
        if qty < 0 or qty > item.amount:
            errors.setdefault("items", []).append("quantity")
            continue
        unit_price = None
        if item.total_price_with_vat is not None and item.amount:
            unit = (item.total_price_with_vat / item.amount).quantize(Decimal("0.0001"))
            unit_price = PriceData(with_vat=unit * qty)
        chosen.append(
            ItemData(
                name=item.name,
                product_id=item.code or None,
                ean=item.ean or None,
                variant=item.variant or None,
                amount=qty,
                price=unit_price,
            )
        )
    if not chosen and "items" not in errors:
        errors["items"] = ["required"]
    types = {t.id: t for t in await portal_types(session, account_id=account.id)}
    if request.type_id not in types:
        errors["reason"] = ["required"]
    if not request.description.strip():
        errors["description"] = ["required"]
    photo_ids = await _photos_store(
        session,
        store=store,
        account_id=account.id,
        photos=request.photos,
        max_file_bytes=max_file_bytes,
        errors=errors,
    )
    if errors:
        raise ValidationFailed(errors)  # the caller rolls back (photos stored so far too)
    reason = types[request.type_id]  # type: ignore[index]
    customer = order.customer or {}
    name = (
        " ".join(p for p in (customer.get("first_name"), customer.get("last_name")) if p)
        or customer.get("name")
        or ""
    )
    ticket = await ticket_create(
        session,
        account=account,
        actor=None,
        data=TicketData(
            subject=f"{reason.name.get(account.language) or ''} {order.code}".strip(),
            customer=CustomerData(email=request.email.strip().lower(), name=name or None),
            order_id=order.code,
            type=reason.id,
            channel="portal",
            language=account.language,
            currency=order.currency or account.currency,
            products=chosen,
        ),
        via=PORTAL,
    )
    message = await message_create(
        session,
        account=account,
        ticket_ref=ticket.id,
        body=request.description.strip(),
        author_contact_id=ticket.requester_id,
        from_email=ticket.customer_email,
        file_ids=photo_ids,
        via=PORTAL,
    )
    key = portal_access_add(session, ticket=ticket)
    await session.flush()
    return ReturnFiled(ticket=ticket, message=message, access_key=key)


async def portal_reply(
    session: AsyncSession,
    *,
    account: Account,
    ticket: Ticket,
    store: FileStore,
    body: str,
    photos: list[tuple[str | None, bytes]],
    max_file_bytes: int,
) -> Message:
    """The customer answers through their link: a public message from the requester, with
    up to ``MAX_PHOTOS`` photos (the submit page's rules and error codes).

    A blank message or too many photos is refused before any photo is stored; on any
    error the caller rolls back, so no message and no file row is left."""
    errors: dict[str, list[str]] = {}
    if not body.strip():
        errors["body"] = ["required"]
    if errors:
        raise ValidationFailed(errors)
    photo_ids = await _photos_store(
        session,
        store=store,
        account_id=account.id,
        photos=photos,
        max_file_bytes=max_file_bytes,
        errors=errors,
    )
    if errors:
        raise ValidationFailed(errors)
    return await message_create(
        session,
        account=account,
        ticket_ref=ticket.id,
        body=body,
        author_contact_id=ticket.requester_id,
        from_email=ticket.customer_email,
        file_ids=photo_ids,
        via=PORTAL,
    )
