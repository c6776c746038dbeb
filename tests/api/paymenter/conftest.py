"""Paymenter fixtures: an account with an admin API key, a customer and a staff member."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import delete

from tests.conftest import Tenant, make_tenant
from ticketry.app import TicketryApp
from ticketry.domain.accounts.models import Account
from ticketry.domain.accounts.services import user_get_or_create
from ticketry.domain.apikeys.services import PERMISSIONS, api_key_create
from ticketry.domain.catalog.departments import department_create
from ticketry.domain.catalog.models import Department
from ticketry.domain.conversations.contacts import contact_for_user, contact_get_or_create
from ticketry.domain.conversations.models import Contact

BASE = "/api/v1/admin"


@dataclass
class Shop:
    tenant: Tenant
    key: str
    customer_id: int  # a Paymenter user who is a customer
    staff_id: int  # a Paymenter user who is an agent
    staff_user_public_id: uuid.UUID

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}", "Accept": "application/json"}


async def issue_key(
    app: TicketryApp, account_id: int, permissions: list[str] | None = None, **kw: Any
) -> str:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        account = await session.get(Account, account_id)
        assert account is not None
        _, raw = await api_key_create(
            session,
            account=account,
            permissions=list(PERMISSIONS) if permissions is None else permissions,
            **kw,
        )
        await session.commit()
        return raw


async def make_shop(app: TicketryApp, departments: list[str] | None = None) -> Shop:
    tenant = await make_tenant(app)
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        account = await session.get(Account, tenant.account_id)
        assert account is not None
        if departments is not None:  # instead of the defaults
            await session.execute(delete(Department).where(Department.account_id == account.id))
            for name in departments:
                await department_create(session, account_id=account.id, name=name)
        customer_id = await contact_get_or_create(
            session, account_id=account.id, email="john.doe@example.com", name="John Doe"
        )
        staff, _ = await user_get_or_create(
            session, account=account, email="sarah@shop.test", full_name="Sarah Agent", role="agent"
        )
        staff_person = await contact_for_user(session, user=staff)
        await session.commit()
        staff_id, staff_public_id = staff_person.id, staff.public_id
    key = await issue_key(app, tenant.account_id)
    return Shop(tenant, key, customer_id, staff_id, staff_public_id)


@pytest.fixture
async def shop(app: TicketryApp) -> Shop:
    return await make_shop(app)


async def add_customer(app: TicketryApp, shop: Shop, email: str, name: str = "") -> int:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        contact_id = await contact_get_or_create(
            session, account_id=shop.tenant.account_id, email=email, name=name
        )
        await session.commit()
        return contact_id


async def contact_email(app: TicketryApp, contact_id: int) -> str:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        contact = await session.get(Contact, contact_id)
        assert contact is not None
        return contact.email


async def create_ticket(client: httpx.AsyncClient, shop: Shop, **body: Any) -> dict[str, Any]:
    payload = {"subject": "Unable to access hosting panel", "user_id": shop.customer_id}
    payload.update(body)
    r = await client.post(f"{BASE}/tickets", json=payload, headers=shop.headers)
    assert r.status_code == 201, r.text
    return r.json()["data"]


async def create_message(
    client: httpx.AsyncClient, shop: Shop, ticket_id: int | str, user_id: int, text: str = "Hi"
) -> dict[str, Any]:
    r = await client.post(
        f"{BASE}/ticket-messages",
        json={"ticket_id": int(ticket_id), "user_id": user_id, "message": text},
        headers=shop.headers,
    )
    assert r.status_code == 201, r.text
    return r.json()["data"]
