"""departments are per-account rows an admin edits

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-05

Paymenter's ``department`` was checked against an account setting (``ticket_departments``
in ``accounts.settings``) that nothing could edit, so the seed's own example
(``"department": "billing"``) got 422. Departments are now reference data like tags and
ticket types: a ``departments`` table, edited in the desk and the CLI. Each account gets
rows for what its setting held (the list, or the comma-separated string), else the
defaults of a new account; the setting is then removed. Downgrading writes the names back
into the setting.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy, not an import: a migration keeps meaning what it meant when it was written.
DEFAULT_DEPARTMENTS = ("Support", "Sales", "billing", "technical")
SETTING = "ticket_departments"
IntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONType = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _settings(value: Any) -> dict[str, Any]:
    if isinstance(value, str):  # SQLite's JSON comes back as text from a Core select
        value = json.loads(value)
    return dict(value) if isinstance(value, dict) else {}


def _names(configured: Any) -> list[str]:
    if isinstance(configured, str):
        configured = configured.split(",")
    names: list[str] = []
    if isinstance(configured, list):
        for raw in configured:
            name = str(raw).strip()[:100]
            if name and name not in names:
                names.append(name)
    return names or list(DEFAULT_DEPARTMENTS)


def upgrade() -> None:
    departments = op.create_table(
        "departments",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("account_id", IntPK, nullable=False),
        sa.Column("id", IntPK, autoincrement=True, nullable=False),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_departments_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
        sa.UniqueConstraint("account_id", "name", name=op.f("uq_departments_account_id_name")),
        sa.UniqueConstraint("public_id", name=op.f("uq_departments_public_id")),
        sqlite_autoincrement=True,  # ids are never given twice (0013)
    )
    op.create_index(op.f("ix_departments_account_id"), "departments", ["account_id"])

    bind = op.get_bind()
    accounts = sa.table("accounts", sa.column("id", IntPK), sa.column("settings", JSONType))
    now = datetime.now(UTC)
    for account_id, raw in bind.execute(sa.select(accounts.c.id, accounts.c.settings)).all():
        settings = _settings(raw)
        rows = [
            {
                "account_id": account_id,
                "name": name,
                "position": position,
                "public_id": uuid.uuid4(),
                "created_at": now,
                "updated_at": now,
            }
            for position, name in enumerate(_names(settings.pop(SETTING, None)))
        ]
        op.bulk_insert(departments, rows)
        bind.execute(accounts.update().where(accounts.c.id == account_id).values(settings=settings))


def downgrade() -> None:
    bind = op.get_bind()
    accounts = sa.table("accounts", sa.column("id", IntPK), sa.column("settings", JSONType))
    departments = sa.table(
        "departments",
        sa.column("account_id", IntPK),
        sa.column("name", sa.String()),
        sa.column("position", sa.Integer()),
        sa.column("id", IntPK),
    )
    names: dict[int, list[str]] = {}
    rows = bind.execute(
        sa.select(departments.c.account_id, departments.c.name).order_by(
            departments.c.account_id, departments.c.position, departments.c.id
        )
    )
    for account_id, name in rows:
        names.setdefault(account_id, []).append(name)
    for account_id, raw in bind.execute(sa.select(accounts.c.id, accounts.c.settings)).all():
        settings = _settings(raw)
        settings[SETTING] = names.get(account_id, [])
        bind.execute(accounts.update().where(accounts.c.id == account_id).values(settings=settings))
    op.drop_index(op.f("ix_departments_account_id"), table_name="departments")
    op.drop_table("departments")
