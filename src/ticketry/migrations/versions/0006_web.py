"""desk sessions and portal access links

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

The agent desk keeps sign-in sessions in the database (so every worker process sees
them); the returns portal keeps the hashes of the links customers use to come back.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _entity_columns() -> list[sa.Column]:
    return [
        sa.Column("account_id", _ID, nullable=False),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "desk_sessions",
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        *_entity_columns(),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_desk_sessions_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_desk_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_desk_sessions_key_hash")),
        sa.UniqueConstraint("public_id", name=op.f("uq_desk_sessions_public_id")),
    )
    with op.batch_alter_table("desk_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_desk_sessions_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_desk_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "portal_access_tokens",
        sa.Column("ticket_id", _ID, nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        *_entity_columns(),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_portal_access_tokens_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_portal_access_tokens_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_access_tokens")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_portal_access_tokens_key_hash")),
        sa.UniqueConstraint("public_id", name=op.f("uq_portal_access_tokens_public_id")),
    )
    with op.batch_alter_table("portal_access_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portal_access_tokens_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_portal_access_tokens_ticket_id"), ["ticket_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("portal_access_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_access_tokens_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_portal_access_tokens_account_id"))
    op.drop_table("portal_access_tokens")
    with op.batch_alter_table("desk_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_desk_sessions_account_id"))
    op.drop_table("desk_sessions")
