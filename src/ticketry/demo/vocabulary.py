"""What seeded tickets are made of: customers, products, and how often each thing occurs.

The benchmarks search by these surnames (``LAST``), so each matches ~1/16 of the tickets.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ticketry.domain.search import fold

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
# A ticket's subject says what its type is: a return is "Vrácení – …", a complaint
# "Reklamace – …" (by the type's kind, catalog/ticket_types.py).
SUBJECTS = {
    "return": "Vrácení",
    "complaint": "Reklamace",
    "warranty": "Záruční oprava",
    "other": "Dotaz",
}
PRIORITIES = ("low", "medium", "medium", "high", "urgent")
CHANNELS = ("portal", "email", "api", "dashboard")
ITEM_COUNTS = (1, 1, 1, 2, 2, 3)
MINUTES_BACK = 60 * 24 * 700  # tickets were filed over the last ~two years

# How often: a product is one of 1-3 (1: 1/2, 2: 1/3, 3: 1/6), and the shares below.
SERIAL_SHARE = 0.3
TRACKING_SHARE = 0.4  # a shipment from the customer
ORDER_SHARE = 0.6  # the order is synchronised: the ticket is bound to it, verified
ASSIGNED_SHARE = 0.7
UNREAD_SHARE = 0.2
TAGGED_SHARE = 0.3
CREDIT_NOTE_SHARE = 0.05  # of closed tickets

_SCALE = Decimal(10000)  # ScaledDecimal(4): amounts are stored as integers of 0.0001
ONE = 10000


def _scaled(value: Decimal) -> int:
    return int(value.quantize(Decimal("0.0001")) * _SCALE)


@dataclass(frozen=True)
class Product:
    """A product with what its rows repeat worked out once: prices as stored, search words."""

    index: int
    name: str
    manufacturer: str
    category: str
    sku: str
    with_vat: int
    without_vat: int
    vat: int
    search_words: str  # its name and product id, folded as in the search text


def products() -> list[Product]:
    made = []
    for index, (name, maker, category, price) in enumerate(PRODUCTS):
        without = (price / Decimal("1.21")).quantize(Decimal("0.0001"))
        sku = f"SKU-{index + 1:05d}"
        made.append(
            Product(
                index=index,
                name=name,
                manufacturer=maker,
                category=category,
                sku=sku,
                with_vat=_scaled(price),
                without_vat=_scaled(without),
                vat=_scaled(price - without),
                search_words=f"{fold(name)} {fold(sku)}",
            )
        )
    return made
