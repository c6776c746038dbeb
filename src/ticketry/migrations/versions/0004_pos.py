"""point of sale: ticket and item POS fields, device sessions, signing keys

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

Receipt fields on ``tickets`` and ``ticket_items`` (PORTOS face, usable by every face),
bearer sessions bound to a device, and API keys for HMAC-signed requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

TICKET_COLUMNS: list[tuple[str, Any]] = [
    ("external_id", sa.String(length=100)),
    ("purchase_type", sa.String(length=40)),
    ("device_name", sa.String(length=100)),
    ("origin_device_name", sa.String(length=100)),
    ("discount_rate", sa.BigInteger()),
    ("location_table_name", sa.String(length=100)),
    ("location_zone_name", sa.String(length=100)),
    ("customer_card_serial_number", sa.String(length=100)),
    ("customer_discount_rate", sa.BigInteger()),
    ("employee_id", INT),
    ("close_device_name", sa.String(length=100)),
    ("close_fiscal_name", sa.String(length=100)),
    ("close_number", sa.Integer()),
    ("close_daily_sales_report_number", sa.Integer()),
    ("close_fiscal_memory_serial_number", sa.String(length=100)),
    ("rounding_amount", sa.BigInteger()),
    ("total_price", sa.BigInteger()),
    ("discount_amount", sa.BigInteger()),
]

ITEM_COLUMNS: list[tuple[str, Any]] = [
    ("plu_code", sa.Integer()),
    ("plu_stock_name", sa.String(length=100)),
    ("unit_price", sa.BigInteger()),
    ("quantity_unit", sa.String(length=20)),
    ("vat_rate", sa.BigInteger()),
    ("discount_rate", sa.BigInteger()),
    ("item_type", sa.String(length=20)),
    ("is_discount_allowed", sa.Boolean()),
    ("total_price", sa.BigInteger()),
]


def _entity_columns() -> list[sa.Column]:
    return [
        sa.Column("account_id", INT, nullable=False),
        sa.Column("id", INT, autoincrement=True, nullable=False),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _entity_constraints(table: str) -> list[sa.Constraint]:
    return [
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f(f"fk_{table}_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("public_id", name=op.f(f"uq_{table}_public_id")),
    ]


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        for name, type_ in TICKET_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_tickets_employee_id_users"),
            "users",
            ["employee_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("ticket_items", schema=None) as batch_op:
        for name, type_ in ITEM_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))

    op.create_table(
        "device_sessions",
        sa.Column("user_id", INT, nullable=False),
        sa.Column("device_name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("refresh_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refresh_expires_at", sa.DateTime(timezone=True), nullable=False),
        *_entity_columns(),
        *_entity_constraints("device_sessions"),
        sa.UniqueConstraint("token_hash", name=op.f("uq_device_sessions_token_hash")),
        sa.UniqueConstraint("refresh_hash", name=op.f("uq_device_sessions_refresh_hash")),
    )
    with op.batch_alter_table("device_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_device_sessions_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_device_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "signing_keys",
        sa.Column("user_id", INT, nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("client_secret", sa.String(length=128), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        *_entity_columns(),
        *_entity_constraints("signing_keys"),
        sa.UniqueConstraint("client_id", name=op.f("uq_signing_keys_client_id")),
    )
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signing_keys_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_signing_keys_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("signing_keys")
    op.drop_table("device_sessions")
    with op.batch_alter_table("ticket_items", schema=None) as batch_op:
        for name, _ in reversed(ITEM_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_tickets_employee_id_users"), type_="foreignkey")
        for name, _ in reversed(TICKET_COLUMNS):
            batch_op.drop_column(name)
