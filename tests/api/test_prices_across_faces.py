"""A price entered with VAT on any face that writes products reads back to the same cent on
every face that shows them (Retino products, PORTOS receipt lines)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.portos.helpers import BASE, Till, sign_in, ticket_body
from ticketry.app import TicketryApp

CENT = Decimal("0.01")
RATES = st.sampled_from([Decimal(r) for r in ("0", "5", "10", "12", "15", "19", "20", "21", "27")])
PRICES_2 = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999.99"), places=2)
PRICES_4 = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("999999.9999"), places=4)


def cents(value: object) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@pytest.fixture
async def till(client: httpx.AsyncClient, app: TicketryApp) -> Till:
    return await sign_in(client, app, role="admin")


async def write_on_retino(
    client: httpx.AsyncClient, till: Till, price: Decimal, rate: Decimal, all_parts: bool
) -> str:
    vat = (price - price / (1 + rate / 100)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    parts = {"with_vat": str(price)}
    if all_parts:
        parts |= {"without_vat": str(price - vat), "vat": str(vat)}
    body = {
        "customer": {"email": "jan@example.com"},
        "language": "cs",
        "currency": "CZK",
        "products": [{"name": "Kettle", "amount": "1", "price": parts}],
    }
    r = await client.post("/api/v2/tickets", json=body, headers=till.retino)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def write_on_portos(
    client: httpx.AsyncClient, till: Till, price: Decimal, rate: Decimal
) -> str:
    # A till holding a price with VAT sends the unit price without it, to 6 places.
    unit = (price / (1 + rate / 100)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
    item = {
        "name": "Kettle",
        "quantity": {"amount": 1},
        "unitPrice": float(unit),
        "plu": {"code": 1, "vatInfo": {"rate": float(rate)}, "isDiscountAllowed": True},
    }
    r = await client.post(f"{BASE}/tickets", json=ticket_body(items=[item]), headers=till.headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def read_every_face(client: httpx.AsyncClient, till: Till, ticket_id: str) -> list[object]:
    r = await client.get(f"/api/v2/tickets/{ticket_id}", headers=till.retino)
    assert r.status_code == 200, r.text
    (product,) = r.json()["products"]
    r = await client.get(f"{BASE}/tickets/{ticket_id}", headers=till.headers)
    assert r.status_code == 200, r.text
    ticket = r.json()
    (item,) = ticket["items"]
    return [
        product["price"]["with_vat"],
        item["unitPriceIncludingVat"],
        item["totalPrice"],
        ticket["totalPrice"],
    ]


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(price=PRICES_4, rate=RATES, all_parts=st.booleans())
async def test_price_written_on_retino_reads_the_same_everywhere(
    client: httpx.AsyncClient, till: Till, price: Decimal, rate: Decimal, all_parts: bool
) -> None:
    ticket_id = await write_on_retino(client, till, price, rate, all_parts)
    seen = await read_every_face(client, till, ticket_id)
    # Retino keeps 4 places and the till 6: both show the price exactly as entered.
    assert [Decimal(str(v)) for v in seen] == [price] * len(seen)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(price=PRICES_2, rate=RATES)
async def test_price_written_on_portos_reads_the_same_everywhere(
    client: httpx.AsyncClient, till: Till, price: Decimal, rate: Decimal
) -> None:
    ticket_id = await write_on_portos(client, till, price, rate)
    seen = await read_every_face(client, till, ticket_id)
    assert [cents(v) for v in seen] == [price] * len(seen)


async def test_issue_example_retino_price_is_not_re_rounded_at_the_till(
    client: httpx.AsyncClient, till: Till
) -> None:
    body = {
        "customer": {"email": "jan@example.com"},
        "language": "cs",
        "currency": "CZK",
        "products": [
            {
                "name": "TV",
                "amount": "1",
                "price": {"with_vat": "14990.0000", "without_vat": "12388.43", "vat": "2601.57"},
            }
        ],
    }
    r = await client.post("/api/v2/tickets", json=body, headers=till.retino)
    assert r.status_code == 201, r.text
    r = await client.get(f"{BASE}/tickets/{r.json()['id']}", headers=till.headers)
    (item,) = r.json()["items"]
    assert item["unitPriceIncludingVat"] == 14990 and item["totalPrice"] == 14990
    assert item["unitPrice"] == 12388.43 and item["vat"] == 2601.57
    assert item["plu"]["vatInfo"]["rate"] == 21
