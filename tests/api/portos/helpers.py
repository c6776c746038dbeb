"""PORTOS test helpers: agents with passwords and rights, signed-in clients, tickets."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from ticketry.app import TicketryApp
from ticketry.domain.accounts.passwords import password_hash
from ticketry.domain.accounts.services import (
    account_get_or_create,
    token_issue,
    user_get_or_create,
)

BASE = "/api/portos"
PASSWORD = "correct horse battery"


@dataclass
class Till:
    slug: str
    email: str
    token: str
    refresh_token: str
    retino_token: str
    user_id: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def retino(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.retino_token}"}


async def make_agent(
    app: TicketryApp,
    *,
    slug: str | None = None,
    role: str = "agent",
    rights: list[str] | None = None,
) -> tuple[str, str, str, int]:
    """(slug, email, retino token, user id) of a new agent with PASSWORD."""
    assert app.runtime is not None
    slug = slug or f"p-{uuid.uuid4().hex[:10]}"
    email = f"{role}-{uuid.uuid4().hex[:6]}@{slug}.test"
    async with app.runtime.sessionmaker() as session:
        account, _ = await account_get_or_create(session, slug=slug)
        user, _ = await user_get_or_create(session, account=account, email=email, role=role)
        user.password_hash = password_hash(PASSWORD)
        user.rights = rights if rights is not None else []
        raw = await token_issue(session, user=user)
        await session.commit()
        return slug, email, raw, user.id


async def sign_in(
    client: httpx.AsyncClient, app: TicketryApp, *, device: str = "POS1", **kwargs: Any
) -> Till:
    slug, email, retino, user_id = await make_agent(app, **kwargs)
    r = await client.post(
        f"{BASE}/auth", json={"UserName": email, "Password": PASSWORD, "DeviceName": device}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    return Till(slug, email, body["tokenId"], body["refreshToken"], retino, user_id)


def ticket_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Table 5",
        "externalId": "EXT-1",
        "purchaseType": "Standard",
        "currency": {"label": "EUR"},
        "discountRate": 0,
        "location": {"table": {"name": "T5"}, "zone": {"name": "Terrace"}},
        "items": [
            {
                "name": "Espresso",
                "type": "standard",
                "quantity": {"amount": 2, "unit": "pcs"},
                "unitPrice": 1.5,
                "plu": {
                    "code": 101,
                    "stockName": "Bar",
                    "vatInfo": {"rate": 20},
                    "isDiscountAllowed": True,
                },
            }
        ],
    }
    body.update(overrides)
    return body


async def create(client: httpx.AsyncClient, till: Till, **overrides: Any) -> dict[str, Any]:
    r = await client.post(f"{BASE}/tickets", json=ticket_body(**overrides), headers=till.headers)
    assert r.status_code == 201, r.text
    return r.json()
