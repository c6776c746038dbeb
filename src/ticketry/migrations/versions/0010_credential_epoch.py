"""a number that moves whenever credentials change

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

Each server process caches who a token belongs to; it forgets the cache when this number
moves (domain/accounts/credentials.py), so a renewed or revoked token stops working in
every process, not only in the one that changed it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "credential_epochs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_epochs")),
    )
    op.bulk_insert(table, [{"id": 1, "value": 0}])


def downgrade() -> None:
    op.drop_table("credential_epochs")
