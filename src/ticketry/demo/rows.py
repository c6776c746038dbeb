"""Realistic seed rows, made in plain Python: no database, no ORM.

A batch is one list of row tuples per table, columns in the order of ``COLUMNS``, values as
SQLAlchemy binds them (scaled integers for amounts, UUIDs as 32 hex digits, JSON as
``json.dumps`` text); only timestamps differ by database, through ``stamp``. The rows that
others refer to (tickets, orders, order items) carry ids taken from ``IdSupply``s that the
loader fills before each batch; the other tables get their ids from the database.
"""

from __future__ import annotations

import json
import os
import random
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ticketry.demo.vocabulary import (
    ASSIGNED_SHARE,
    CARRIERS,
    CHANNELS,
    CREDIT_NOTE_SHARE,
    FIRST,
    ITEM_COUNTS,
    LAST,
    MINUTES_BACK,
    ONE,
    ORDER_SHARE,
    PRIORITIES,
    SERIAL_SHARE,
    SUBJECTS,
    TAGGED_SHARE,
    TRACKING_SHARE,
    UNREAD_SHARE,
    VARIANTS,
    Product,
    products,
)
from ticketry.domain.search import fold

# Each table's columns, in the order of the row tuples. Tables appear in insert order
# (a row's references come first). Columns left out are NULL or the database's own id.
COLUMNS: dict[str, tuple[str, ...]] = {
    "orders": (
        *("id", "public_id", "account_id", "store_id", "code", "order_date", "currency"),
        *("language", "price_with_vat", "customer_email", "customer", "shipping_address"),
        *("processing_status", "payment_status", "created_at", "updated_at"),
    ),
    "order_items": (
        *("id", "public_id", "account_id", "order_id", "position", "name", "code", "ean"),
        *("amount", "item_type", "total_price_with_vat", "created_at", "updated_at"),
    ),
    "contacts": (
        *("id", "public_id", "account_id", "email", "name", "phone", "created_at"),
        "updated_at",
    ),
    "tickets": (
        *("id", "public_id", "account_id", "code", "subject", "status", "state_id", "type_id"),
        *("assignee_id", "priority", "channel", "customer_name", "customer_email"),
        *("customer_phone", "currency", "language", "country", "order_id", "order_date"),
        *("bound_order_id", "verification_state", "custom_fields", "is_unread", "closed_at"),
        *("created_at", "updated_at", "version", "search_text", "requester_id"),
    ),
    "ticket_items": (
        *("public_id", "account_id", "ticket_id", "position", "name", "manufacturer"),
        *("category", "product_id", "variant", "ean", "serial", "amount", "price_with_vat"),
        *("price_without_vat", "price_vat", "bound_order_item_id", "custom_fields"),
        *("file_ids", "created_at", "updated_at"),
    ),
    "ticket_tags": ("ticket_id", "tag_id", "account_id"),
    "shipments": (
        *("public_id", "account_id", "ticket_id", "carrier", "tracking_number"),
        *("tracking_url", "direction", "created_at", "updated_at"),
    ),
    "credit_notes": (
        *("public_id", "account_id", "ticket_id", "stock", "currency", "language"),
        *("variable_symbol", "total", "bank_account", "customer", "lines", "created_at"),
        *("updated_at",),
    ),
}
Rows = dict[str, list[tuple[Any, ...]]]

# uuid4 without the UUID object: 122 random bits and the version and variant bits.
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_UUID_SET = (4 << 76) | (0x8000 << 48)
_DAYS = [timedelta(days=d) for d in range(31)]
_BANK_ACCOUNT = json.dumps({"type": "CZECH_BANK_ACCOUNT", "czech_bank_account": "123456789/0100"})


def uuid_hexes() -> Iterator[str]:
    """Random (version 4) UUIDs as SQLAlchemy stores them on SQLite: 32 hex digits."""
    while True:
        pool = os.urandom(16 * 4096)
        for start in range(0, len(pool), 16):
            bits = int.from_bytes(pool[start : start + 16], "big")
            yield "%032x" % (bits & _UUID_CLEAR | _UUID_SET)


def _dashed(hex32: str) -> str:
    return f"{hex32[:8]}-{hex32[8:12]}-{hex32[12:16]}-{hex32[16:20]}-{hex32[20:]}"


class IdSupply:
    """Ids reserved by the loader for one table, handed out in order."""

    def __init__(self) -> None:
        self._ids: deque[int] = deque()

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, ids: Iterable[int]) -> None:
        self._ids.extend(ids)

    def take(self) -> int:
        return self._ids.popleft()


@dataclass(frozen=True)
class SeedScope:
    """The account's reference data the tickets point at."""

    account_id: int
    store_id: int
    states: Sequence[tuple[int, str]]
    types: Sequence[int]
    tags: Sequence[int]
    users: Sequence[int]
    # The account's people already known, by e-mail: (id, name, phone).
    people: dict[str, tuple[int, str, str]]


@dataclass
class SeedIds:
    tickets: IdSupply
    orders: IdSupply
    order_items: IdSupply
    contacts: IdSupply


@dataclass
class _Customer:
    key: int  # the person: their name and number, which make the e-mail and phone
    name: str
    email: str
    phone: str


class SeedRows:
    """Makes batches of tickets with their products, orders, shipments, tags and credit
    notes. ``now`` and ``stamp`` fix the timestamps: aware datetimes bound as they are
    (PostgreSQL), or naive UTC ones bound as SQLAlchemy's SQLite text."""

    # The most order items one ticket can bring; the loader keeps this many ids per ticket.
    ORDER_ITEMS_PER_TICKET = max(ITEM_COUNTS)

    def __init__(
        self,
        scope: SeedScope,
        *,
        seed: int,
        now: datetime,
        stamp: Callable[[datetime], Any],
    ) -> None:
        self.scope = scope
        self.rand = random.Random(seed).random
        self.now = now
        self.stamp = stamp
        self.products = products()
        self.uuid = uuid_hexes().__next__
        # A customer is a first and a last name: e-mail parts, folded name and JSON, once.
        self.email_first = [fold(n).replace(" ", ".") for n in FIRST]
        self.email_last = [fold(n).replace(" ", ".") for n in LAST]
        self.name_json = {f"{f} {lst}": json.dumps(f"{f} {lst}") for f in FIRST for lst in LAST}
        self.name_folded = {f"{f} {lst}": fold(f"{f} {lst}") for f in FIRST for lst in LAST}
        self.subjects = [
            [(f"{subject} – {p.name}", fold(f"{subject} – {p.name}")) for p in self.products]
            for subject in SUBJECTS
        ]
        self.credit_note_stamp = stamp(now)
        # The people this load made, by ``_Customer.key``: a customer comes back with more
        # tickets (one person, as every ticket write makes it; see tickets/requester.py).
        self.people: dict[int, int] = {}

    def randint(self, low: int, high: int) -> int:
        """``random.randint``'s range, a third of its cost."""
        return low + int(self.rand() * (high - low + 1))

    def pick(self, choices: Sequence[Any]) -> Any:
        return choices[int(self.rand() * len(choices))]

    def batch(self, codes: Sequence[str], ids: SeedIds) -> Rows:
        """Rows for one ticket per code."""
        rows: Rows = {table: [] for table in COLUMNS}
        for code in codes:
            self._ticket(code, ids, rows)
        return rows

    def _customer(self) -> _Customer:
        first, last = int(self.rand() * len(FIRST)), int(self.rand() * len(LAST))
        number = self.randint(1, 9999)
        key = (first * len(LAST) + last) * 10000 + number
        return _Customer(
            key=key,
            name=f"{FIRST[first]} {LAST[last]}",
            email=f"{self.email_first[first]}.{self.email_last[last]}{number}@example.com",
            phone=f"+420{600000000 + key * 7919 % 200000000}",  # theirs, every ticket
        )

    def _person(self, customer: _Customer, ids: SeedIds, rows: Rows, stamp: Any) -> int:
        """The customer's person (made with their first ticket); a person the account knew
        already lends the ticket their name and phone, as a ticket write would."""
        person = self.people.get(customer.key)
        if person is not None:
            return person
        known = self.scope.people.get(customer.email)
        if known is not None:
            person, customer.name, customer.phone = known
        else:
            person = ids.contacts.take()
            rows["contacts"].append(
                (
                    *(person, self.uuid(), self.scope.account_id, customer.email),
                    *(customer.name, customer.phone, stamp, stamp),
                )
            )
        self.people[customer.key] = person
        return person

    def _ticket(self, code: str, ids: SeedIds, rows: Rows) -> None:
        rand, randint, pick, stamp, scope = (
            self.rand,
            self.randint,
            self.pick,
            self.stamp,
            self.scope,
        )
        aid = scope.account_id
        customer = self._customer()
        created = self.now - timedelta(minutes=randint(0, MINUTES_BACK))
        created_at = stamp(created)
        person = self._person(customer, ids, rows, created_at)
        state_id, status = pick(scope.states)
        closed_at = stamp(created + _DAYS[randint(1, 20)]) if status == "closed" else None
        # Derived from the (unique) ticket code: random codes collide past ~1,000 orders.
        order_code = f"{code[2:4]}{int(code[4:]):07d}"
        order_date = stamp(created - _DAYS[randint(1, 30)])
        # (product, variant, EAN, serial number or None) per item
        items = [
            (
                pick(self.products),
                pick(VARIANTS),
                f"859{randint(10**9, 10**10 - 1)}",
                randint(10**7, 10**8 - 1) if rand() < SERIAL_SHARE else None,
            )
            for _ in range(pick(ITEM_COUNTS))
        ]
        tracking = randint(10**9, 10**10 - 1) if rand() < TRACKING_SHARE else None
        ticket_id = ids.tickets.take()
        order_id: int | None = None
        bound_items: dict[str, int] = {}
        if rand() < ORDER_SHARE:
            order_id, bound_items = self._order(
                ids, rows, order_code, order_date, customer, items, created_at
            )
        subject, subject_folded = self.pick(self.subjects)[items[0][0].index]

        # The search text as ticket_search_refresh makes it (code, customer, order,
        # subject; each product's name, product id, EAN, serial; tracking numbers), part
        # by part folded: the fixed parts were folded once, the generated ones are
        # lower-case ASCII already, or made so ("SN…" folds to "sn…").
        words = [code, self.name_folded[customer.name], customer.email, customer.phone]
        words += (order_code, subject_folded)
        ticket_items = rows["ticket_items"]
        for position, (product, variant, ean, serial_number) in enumerate(items):
            words += (product.search_words, ean)
            serial = None
            if serial_number:
                serial = f"SN{serial_number}"
                words.append(f"sn{serial_number}")
            ticket_items.append(
                (
                    *(self.uuid(), aid, ticket_id, position, product.name),
                    *(product.manufacturer, product.category, product.sku, variant, ean),
                    *(serial, ONE, product.with_vat, product.without_vat, product.vat),
                    bound_items.get(product.sku) or bound_items.get(ean),
                    *("{}", "[]", created_at, created_at),
                )
            )
        if tracking:
            words.append(f"z{tracking}")
        rows["tickets"].append(
            (
                *(ticket_id, self.uuid(), aid, code, subject, status, state_id),
                pick(scope.types) if scope.types else None,
                pick(scope.users) if scope.users and rand() < ASSIGNED_SHARE else None,
                *(pick(PRIORITIES), pick(CHANNELS), customer.name, customer.email),
                *(customer.phone, "CZK", "cs", "CZ", order_code, order_date, order_id),
                "VERIFIED_AUTOMATICALLY" if order_id else "NOT_VERIFIED",
                f'{{"resolve_by": "{(created + _DAYS[30]).date().isoformat()}"}}',
                rand() < UNREAD_SHARE,
                *(closed_at, created_at, closed_at or created_at, 1, " ".join(words)),
                person,
            )
        )
        if scope.tags and rand() < TAGGED_SHARE:
            rows["ticket_tags"].append((ticket_id, pick(scope.tags), aid))
        if tracking:
            rows["shipments"].append(
                (
                    *(self.uuid(), aid, ticket_id, pick(CARRIERS), f"Z{tracking}"),
                    f"https://tracking.example.com/Z{tracking}",
                    *("FROM_CUSTOMER", created_at, created_at),
                )
            )
        if status == "closed" and rand() < CREDIT_NOTE_SHARE:
            product, variant = items[0][:2]
            rows["credit_notes"].append(
                self._credit_note(ticket_id, code, customer, product, variant)
            )

    def _order(
        self,
        ids: SeedIds,
        rows: Rows,
        code: str,
        order_date: Any,
        customer: _Customer,
        items: list[tuple[Product, str, str, int | None]],
        created_at: Any,
    ) -> tuple[int, dict[str, int]]:
        """The synchronised order the ticket names, with its products; returns its id and
        the order item each product id or EAN binds to (as ``ticket_items_bind`` does)."""
        aid = self.scope.account_id
        order_id = ids.orders.take()
        address = {
            "name": customer.name,
            "street": "Dlouhá",
            "house_number": str(self.randint(1, 99)),
            "city": "Praha",
            "postal_code": "11000",
            "country": "CZ",
        }
        rows["orders"].append(
            (
                *(order_id, self.uuid(), aid, self.scope.store_id, code, order_date, "CZK"),
                *("cs", sum(product.with_vat for product, *_ in items), customer.email),
                # json.dumps of {"email", "phone", "name"}: e-mail and phone need no escapes
                f'{{"email": "{customer.email}", "phone": "{customer.phone}", '
                f'"name": {self.name_json[customer.name]}}}',
                json.dumps(address),
                *("DISPATCHED", "PAID", order_date, order_date),
            )
        )
        bound_items: dict[str, int] = {}
        order_items = rows["order_items"]
        for position, (product, _, ean, _) in enumerate(items):
            order_item_id = ids.order_items.take()
            bound_items.setdefault(product.sku, order_item_id)
            bound_items.setdefault(ean, order_item_id)
            order_items.append(
                (
                    *(order_item_id, self.uuid(), aid, order_id, position, product.name),
                    *(product.sku, ean, ONE, "PRODUCT", product.with_vat, created_at),
                    created_at,
                )
            )
        return order_id, bound_items

    def _credit_note(
        self, ticket_id: int, code: str, customer: _Customer, product: Product, variant: str
    ) -> tuple[Any, ...]:
        line = {
            "id": _dashed(self.uuid()),
            "name": product.name,
            "price": product.with_vat / ONE,
            "vat_rate": 0.21,
            "amount": 1,
            "variant": variant,
            "product_id": product.sku,
        }
        return (
            *(self.uuid(), self.scope.account_id, ticket_id, False, "CZK", "cs", code),
            *(product.with_vat, _BANK_ACCOUNT),
            json.dumps({"name": customer.name, "country": "CZ"}),
            json.dumps([line]),
            *(self.credit_note_stamp, self.credit_note_stamp),
        )
