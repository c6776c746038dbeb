"""Read views of an account's settings for the desk: reference data, stores, tokens,
webhooks and OAuth apps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import ApiToken, User
from ticketry.domain.catalog.models import CustomField, Tag, TicketState, TicketType
from ticketry.domain.orders.models import Store


async def ticket_states_all(session: AsyncSession, *, account_id: int) -> list[TicketState]:
    rows = await session.scalars(
        select(TicketState)
        .where(TicketState.account_id == account_id)
        .order_by(TicketState.position, TicketState.id)
    )
    return list(rows)


async def ticket_types_all(session: AsyncSession, *, account_id: int) -> list[TicketType]:
    rows = await session.scalars(
        select(TicketType)
        .where(TicketType.account_id == account_id)
        .order_by(TicketType.position, TicketType.id)
    )
    return list(rows)


async def tags_all(session: AsyncSession, *, account_id: int) -> list[Tag]:
    rows = await session.scalars(
        select(Tag).where(Tag.account_id == account_id).order_by(Tag.label, Tag.id)
    )
    return list(rows)


async def custom_fields_all(session: AsyncSession, *, account_id: int) -> list[CustomField]:
    rows = await session.scalars(
        select(CustomField)
        .where(CustomField.account_id == account_id)
        .order_by(CustomField.target, CustomField.position, CustomField.id)
    )
    return list(rows)


async def stores_all(session: AsyncSession, *, account_id: int) -> list[Store]:
    rows = await session.scalars(
        select(Store).where(Store.account_id == account_id).order_by(Store.code, Store.id)
    )
    return list(rows)


@dataclass
class TokenRow:
    user: User
    token: ApiToken | None


async def api_tokens_all(session: AsyncSession, *, account_id: int) -> list[TokenRow]:
    rows = await session.execute(
        select(User, ApiToken)
        .outerjoin(ApiToken, ApiToken.user_id == User.id)
        .where(User.account_id == account_id)
        .order_by(User.email, User.id)
    )
    return [TokenRow(user=r[0], token=r[1]) for r in rows]


async def oauth_apps_all(session: AsyncSession, *, account_id: int) -> list[Any]:
    from ticketry.domain.oauth.models import OAuthApp

    rows = await session.scalars(
        select(OAuthApp).where(OAuthApp.account_id == account_id).order_by(OAuthApp.id)
    )
    return list(rows)
