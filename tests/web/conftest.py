"""Fixtures for the browser faces: agents with passwords, synchronised orders, a signed-in
desk client."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from decimal import Decimal

import httpx
import pytest

from ticketry.app import TicketryApp
from ticketry.domain.accounts.models import Account
from ticketry.domain.accounts.passwords import password_hash
from ticketry.domain.accounts.services import account_get_or_create, user_get_or_create
from ticketry.domain.orders.models import Order, OrderItem, OrderStatusChange, Store
from ticketry.domain.tickets.commands import CustomerData, ItemData, TicketData
from ticketry.domain.tickets.services import ticket_create
from ticketry.domain.types import utcnow

PASSWORD = "correct horse battery"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Chromium against a running server")


@dataclass
class Desk:
    slug: str
    account_id: int
    email: str
    user_id: int


async def make_desk(app: TicketryApp, *, language: str = "en") -> Desk:
    assert app.runtime is not None
    slug = f"w-{uuid.uuid4().hex[:10]}"
    async with app.runtime.sessionmaker() as session:
        account, _ = await account_get_or_create(session, slug=slug, name=f"Shop {slug}")
        account.language = language
        email = f"agent-{uuid.uuid4().hex[:6]}@{slug}.test"
        user, _ = await user_get_or_create(
            session, account=account, email=email, full_name="Alice Agent", role="admin"
        )
        user.password_hash = password_hash(PASSWORD)
        await session.commit()
        return Desk(slug=slug, account_id=account.id, email=email, user_id=user.id)


@pytest.fixture
async def desk(app: TicketryApp) -> Desk:
    return await make_desk(app)


async def seed_order(
    app: TicketryApp, account_id: int, *, code: str, email: str
) -> tuple[int, list[int]]:
    """A synchronised order with two products, a shipping line and a status history."""
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        store = Store(account_id=account_id, code=f"shop-{uuid.uuid4().hex[:6]}", name="Shop")
        session.add(store)
        await session.flush()
        order = Order(
            account_id=account_id,
            store_id=store.id,
            code=code,
            order_date=utcnow(),
            currency="CZK",
            customer_email=email.lower(),
            customer={"first_name": "Jana", "last_name": "Nováková", "email": email},
            processing_status="DISPATCHED",
            payment_status="PAID",
        )
        session.add(order)
        await session.flush()
        items = [
            OrderItem(
                account_id=account_id,
                order_id=order.id,
                position=0,
                name="Trail running shoes",
                code="SHOE-42",
                ean="8590000000017",
                amount=Decimal(2),
                total_price_with_vat=Decimal("3998"),
            ),
            OrderItem(
                account_id=account_id,
                order_id=order.id,
                position=1,
                name="Merino socks",
                code="SOCK-1",
                amount=Decimal(3),
                total_price_with_vat=Decimal("597"),
            ),
            OrderItem(
                account_id=account_id,
                order_id=order.id,
                position=2,
                name="Delivery",
                item_type="SHIPPING",
                amount=Decimal(1),
            ),
        ]
        session.add_all(items)
        session.add(
            OrderStatusChange(
                account_id=account_id,
                order_id=order.id,
                kind="processing",
                name="DISPATCHED",
                date=utcnow(),
            )
        )
        await session.commit()
        return order.id, [i.id for i in items]


async def seed_ticket(
    app: TicketryApp, account_id: int, *, name: str = "Vladimír Remek", subject: str = "Broken zip"
) -> str:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        account = await session.get(Account, account_id)
        assert account is not None
        ticket = await ticket_create(
            session,
            account=account,
            actor=None,
            data=TicketData(
                subject=subject,
                customer=CustomerData(email=f"{uuid.uuid4().hex[:6]}@example.com", name=name),
                products=[ItemData(name="Winter jacket", product_id="JACKET-1")],
            ),
        )
        await session.commit()
        return ticket.code


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden {name}"
    return match.group(1)


async def sign_in(
    client: httpx.AsyncClient, desk: Desk, password: str = PASSWORD
) -> httpx.Response:
    page = await client.get("/desk/login")
    return await client.post(
        "/desk/login",
        data={
            "_csrf": hidden(page.text, "_csrf"),
            "next": "/desk/tickets/",
            "account": desk.slug,
            "email": desk.email,
            "password": password,
        },
    )


@pytest.fixture(autouse=True)
def _fresh_limiter(app: TicketryApp) -> None:
    assert app.runtime is not None
    if app.runtime.portal_lookups is not None:
        app.runtime.portal_lookups.reset()
