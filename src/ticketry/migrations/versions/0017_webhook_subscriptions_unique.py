"""one webhook subscription per format, URL and set of events

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05

Creating the same subscription twice made a silent duplicate that delivered every event
twice. Each subscription gets ``same_key`` (the SHA-256 of its format, URL and sorted
events, as ``subscription_key`` makes it), unique in its account. Duplicates already
there are kept, with their delivery history, but disabled, and their key marked with
their id (``<key>#<id>``) so the index holds; the oldest of each set stays as it was.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_webhook_subscriptions_same"


def _key(flavour: str, url: str, events: list[str]) -> str:
    # As ticketry.domain.webhooks.models.subscription_key (a migration keeps its own copy).
    same = "\n".join([flavour, url, ",".join(sorted(set(events)))])
    return hashlib.sha256(same.encode()).hexdigest()


def upgrade() -> None:
    op.add_column(
        "webhook_subscriptions",
        sa.Column("same_key", sa.String(length=80), nullable=False, server_default=""),
    )
    subs = sa.table(
        "webhook_subscriptions",
        sa.column("id", sa.Integer()),
        sa.column("public_id", sa.Uuid()),
        sa.column("account_id", sa.Integer()),
        sa.column("flavour", sa.String()),
        sa.column("url", sa.String()),
        sa.column("events", sa.JSON()),
        sa.column("same_key", sa.String()),
        sa.column("is_active", sa.Boolean()),
        sa.column("disabled_at", sa.DateTime(timezone=True)),
        sa.column("disabled_reason", sa.String()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(subs.c.id, subs.c.public_id, subs.c.account_id, subs.c.flavour)
        .add_columns(subs.c.url, subs.c.events)
        .order_by(subs.c.id)
    ).all()
    first: dict[tuple[int, str], object] = {}
    now = datetime.now(UTC)
    if bind.dialect.name == "sqlite":  # as UTCDateTime stores it there
        now = now.replace(tzinfo=None)
    for sub_id, public_id, account_id, flavour, url, events in rows:
        if isinstance(events, str):
            events = json.loads(events)
        key = _key(flavour or "retino", url, list(events or []))
        original = first.setdefault((account_id, key), public_id)
        if original == public_id:
            bind.execute(sa.update(subs).where(subs.c.id == sub_id).values(same_key=key))
            continue
        bind.execute(
            sa.update(subs)
            .where(subs.c.id == sub_id)
            .values(
                same_key=f"{key}#{sub_id}",
                is_active=False,
                disabled_at=now,
                disabled_reason=f"A duplicate of subscription {original}.",
            )
        )
    op.create_index(INDEX, "webhook_subscriptions", ["account_id", "same_key"], unique=True)
    if bind.dialect.name == "postgresql":  # SQLite cannot drop a default without a rebuild
        op.alter_column("webhook_subscriptions", "same_key", server_default=None)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="webhook_subscriptions")
    op.drop_column("webhook_subscriptions", "same_key")
