"""Realistic demo data, written in batches so a million tickets load in minutes."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import Account, User
from ticketry.domain.base import table_of
from ticketry.domain.catalog.models import Tag, TicketState, TicketType
from ticketry.domain.orders.models import Order, OrderItem, Store
from ticketry.domain.refunds.models import CreditNote
from ticketry.domain.search import search_document
from ticketry.domain.tickets.codes import ticket_code_allocate
from ticketry.domain.tickets.models import Shipment, Ticket, TicketItem, ticket_tags
from ticketry.domain.types import utcnow

FIRST = [
    "Jan",
    "Petr",
    "Jana",
    "Eva",
    "Tomáš",
    "Lucie",
    "Martin",
    "Kateřina",
    "Vladimír",
    "Zuzana",
    "Jiří",
    "Markéta",
    "Ondřej",
    "Tereza",
    "Michal",
    "Anna",
    "Pavel",
    "Šárka",
]
LAST = [
    "Novák",
    "Svoboda",
    "Dvořák",
    "Černý",
    "Procházka",
    "Kučera",
    "Veselý",
    "Horák",
    "Remek",
    "Němec",
    "Marek",
    "Pospíšil",
    "Hájek",
    "Jelínek",
    "Král",
    "Růžička",
]
PRODUCTS = [
    ("Apollo 11", "NASA", "Rakety", Decimal("990000000")),
    ("MacBook Pro 14", "Apple", "Notebooky", Decimal("45000")),
    ("Galaxy S24", "Samsung", "Telefony", Decimal("21990")),
    ("Trekové boty Alpin", "Hanwag", "Obuv", Decimal("4290")),
    ("Kávovar Barista", "DeLonghi", "Kuchyně", Decimal("12990")),
    ('Dětská kola 16"', "Author", "Kola", Decimal("5490")),
    ("Bunda Softshell", "Husky", "Oblečení", Decimal("2390")),
    ("Sluchátka WH-1000XM5", "Sony", "Audio", Decimal("8990")),
    ("Robotický vysavač", "Roborock", "Domácnost", Decimal("14990")),
    ("Stan Tramp 3", "Coleman", "Outdoor", Decimal("6490")),
]
VARIANTS = ["XL", "M", "S", "Space Black", "Silver", "42", "39", "Modrá", "Červená", ""]
CARRIERS = ["PPL", "PACKETA", "DPD", "GLS", "CZECH_POST"]
BATCH = 2000


def _strip(text: str) -> str:
    return search_document([text]).replace(" ", ".")


async def demo_seed(
    session: AsyncSession,
    *,
    account: Account,
    tickets: int,
    seed: int = 42,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Add ``tickets`` tickets (with products, tags, shipments, orders) to the account."""
    rng = random.Random(seed)
    aid = account.id
    states: list[Any] = list(
        (
            await session.execute(
                select(TicketState.id, TicketState.status).where(TicketState.account_id == aid)
            )
        ).all()
    )
    types = list(await session.scalars(select(TicketType.id).where(TicketType.account_id == aid)))
    tags = list(await session.scalars(select(Tag.id).where(Tag.account_id == aid)))
    users = list(await session.scalars(select(User.id).where(User.account_id == aid)))
    store = await session.scalar(
        select(Store).where(Store.account_id == aid, Store.code == "main-shop")
    )
    if store is None:
        store = Store(account_id=aid, code="main-shop", name="Main e-shop")
        session.add(store)
        await session.flush()
    codes = await ticket_code_allocate(session, account_id=aid, count=tickets)
    now = utcnow()
    done = 0
    while done < tickets:
        n = min(BATCH, tickets - done)
        await _batch(
            session, rng, aid, store.id, codes[done : done + n], states, types, tags, users, now
        )
        done += n
        if progress:
            progress(done)
    await session.commit()
    # Fresh statistics after a bulk load: without them SQLite's planner picks the
    # low-selectivity account_id indexes over ticket_id ones (10x slower ticket pages).
    await session.execute(text("ANALYZE"))
    await session.commit()
    bind = session.bind
    if bind is not None and bind.dialect.name == "postgresql":
        # And a visibility map, so counting an account's tickets is an index-only scan.
        async with bind.connect() as conn:  # type: ignore[union-attr]
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql("VACUUM (ANALYZE) tickets, ticket_items")
    return done


async def _batch(
    session: AsyncSession,
    rng: random.Random,
    aid: int,
    store_id: int,
    codes: list[str],
    states: list[Any],
    types: list[int],
    tags: list[int],
    users: list[int],
    now: Any,
) -> None:
    ticket_rows: list[dict[str, Any]] = []
    order_rows: list[dict[str, Any]] = []
    planned_items: list[list[dict[str, Any]]] = []
    for code in codes:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = f"{first} {last}"
        email = f"{_strip(first)}.{_strip(last)}{rng.randint(1, 9999)}@example.com"
        phone = f"+420{rng.randint(600000000, 799999999)}"
        created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 700))
        state_id, status = rng.choice(states)
        closed = created + timedelta(days=rng.randint(1, 20)) if status == "closed" else None
        # Derived from the (unique) ticket code: random codes collide past ~1,000 orders.
        order_code = f"{code[2:4]}{int(code[4:]):07d}"
        order_date = created - timedelta(days=rng.randint(1, 30))
        items: list[dict[str, Any]] = []
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
            index = rng.randrange(len(PRODUCTS))
            pname, maker, category, price = PRODUCTS[index]
            items.append(
                {
                    "name": pname,
                    "manufacturer": maker,
                    "category": category,
                    "product_id": f"SKU-{index + 1:05d}",
                    "variant": rng.choice(VARIANTS),
                    "ean": f"859{rng.randint(10**9, 10**10 - 1)}",
                    "serial": f"SN{rng.randint(10**7, 10**8 - 1)}" if rng.random() < 0.3 else None,
                    "amount": Decimal(1),
                    "price_with_vat": price,
                    "price_without_vat": (price / Decimal("1.21")).quantize(Decimal("0.0001")),
                    "price_vat": price - (price / Decimal("1.21")).quantize(Decimal("0.0001")),
                }
            )
        tracking = f"Z{rng.randint(10**9, 10**10 - 1)}" if rng.random() < 0.4 else None
        parts = [code, name, email, phone, order_code]
        for it in items:
            parts += [it["name"], it["product_id"], it["ean"], it["serial"]]
        if tracking:
            parts.append(tracking)
        bound = rng.random() < 0.6
        order_public = uuid.uuid4()
        if bound:
            order_rows.append(
                {
                    "public_id": order_public,
                    "account_id": aid,
                    "store_id": store_id,
                    "code": order_code,
                    "order_date": order_date,
                    "currency": "CZK",
                    "language": "cs",
                    "price_with_vat": sum(
                        (Decimal(i["price_with_vat"]) for i in items), Decimal(0)
                    ),
                    "customer_email": email,
                    "customer": {"email": email, "phone": phone, "name": name},
                    "shipping_address": {
                        "name": name,
                        "street": "Dlouhá",
                        "house_number": str(rng.randint(1, 99)),
                        "city": "Praha",
                        "postal_code": "11000",
                        "country": "CZ",
                    },
                    "processing_status": "DISPATCHED",
                    "payment_status": "PAID",
                    "created_at": order_date,
                    "updated_at": order_date,
                }
            )
        ticket_rows.append(
            {
                "public_id": uuid.uuid4(),
                "account_id": aid,
                "code": code,
                "subject": f"{rng.choice(['Vrácení', 'Reklamace', 'Dotaz'])} – {items[0]['name']}",
                "status": status,
                "state_id": state_id,
                "type_id": rng.choice(types),
                "assignee_id": rng.choice(users) if users and rng.random() < 0.7 else None,
                "priority": rng.choice(("low", "medium", "medium", "high", "urgent")),
                "channel": rng.choice(("portal", "email", "api", "dashboard")),
                "customer_name": name,
                "customer_email": email,
                "customer_phone": phone,
                "currency": "CZK",
                "language": "cs",
                "country": "CZ",
                "order_id": order_code,
                "order_date": order_date,
                "verification_state": "VERIFIED_AUTOMATICALLY" if bound else "NOT_VERIFIED",
                "custom_fields": {"resolve_by": (created + timedelta(days=30)).date().isoformat()},
                "is_unread": rng.random() < 0.2,
                "closed_at": closed,
                "created_at": created,
                "updated_at": closed or created,
                "version": 1,
                "search_text": search_document(parts),
                "_order": order_public if bound else None,
                "_tracking": tracking,
            }
        )
        planned_items.append(items)

    order_ids: dict[uuid.UUID, int] = {}
    if order_rows:
        result = await session.execute(
            insert(table_of(Order)).returning(Order.id, Order.public_id), order_rows
        )
        order_ids = {pub: oid for oid, pub in result.all()}
    extra = [(row.pop("_order"), row.pop("_tracking")) for row in ticket_rows]
    for row, (order_public, _) in zip(ticket_rows, extra, strict=True):
        row["bound_order_id"] = order_ids.get(order_public) if order_public else None
    result = await session.execute(
        insert(table_of(Ticket)).returning(Ticket.id, Ticket.code), ticket_rows
    )
    ids_by_code = {code: tid for tid, code in result.all()}

    item_rows: list[dict[str, Any]] = []
    order_item_rows: list[dict[str, Any]] = []
    tag_rows: list[dict[str, Any]] = []
    shipment_rows: list[dict[str, Any]] = []
    for row, items, (order_public, tracking) in zip(ticket_rows, planned_items, extra, strict=True):
        tid = ids_by_code[row["code"]]
        for pos, it in enumerate(items):
            item_rows.append(
                {
                    **it,
                    "account_id": aid,
                    "ticket_id": tid,
                    "position": pos,
                    "public_id": uuid.uuid4(),
                    "custom_fields": {},
                    "file_ids": [],
                    "created_at": row["created_at"],
                    "updated_at": row["created_at"],
                }
            )
            if order_public:
                order_item_rows.append(
                    {
                        "account_id": aid,
                        "order_id": order_ids[order_public],
                        "public_id": uuid.uuid4(),
                        "position": pos,
                        "name": it["name"],
                        "code": it["product_id"],
                        "ean": it["ean"],
                        "amount": Decimal(1),
                        "item_type": "PRODUCT",
                        "total_price_with_vat": it["price_with_vat"],
                        "created_at": row["created_at"],
                        "updated_at": row["created_at"],
                    }
                )
        if tags and rng.random() < 0.3:
            tag_rows.append({"ticket_id": tid, "tag_id": rng.choice(tags), "account_id": aid})
        if tracking:
            shipment_rows.append(
                {
                    "account_id": aid,
                    "ticket_id": tid,
                    "public_id": uuid.uuid4(),
                    "carrier": rng.choice(CARRIERS),
                    "tracking_number": tracking,
                    "tracking_url": f"https://tracking.example.com/{tracking}",
                    "direction": "FROM_CUSTOMER",
                    "created_at": row["created_at"],
                    "updated_at": row["created_at"],
                }
            )
        if row["status"] == "closed" and rng.random() < 0.05:
            session.add(
                CreditNote(
                    account_id=aid,
                    ticket_id=tid,
                    currency="CZK",
                    language="cs",
                    variable_symbol=row["code"],
                    total=items[0]["price_with_vat"],
                    customer={"name": row["customer_name"], "country": "CZ"},
                    bank_account={
                        "type": "CZECH_BANK_ACCOUNT",
                        "czech_bank_account": "123456789/0100",
                    },
                    lines=[
                        {
                            "id": str(uuid.uuid4()),
                            "name": items[0]["name"],
                            "price": float(Decimal(items[0]["price_with_vat"])),
                            "vat_rate": 0.21,
                            "amount": 1,
                            "variant": items[0]["variant"],
                            "product_id": items[0]["product_id"],
                        }
                    ],
                )
            )
    if item_rows:
        await session.execute(insert(table_of(TicketItem)), item_rows)
    if order_item_rows:
        await session.execute(insert(table_of(OrderItem)), order_item_rows)
    if tag_rows:
        await session.execute(insert(ticket_tags), tag_rows)
    if shipment_rows:
        await session.execute(insert(table_of(Shipment)), shipment_rows)
    await session.flush()
