"""per-account ticket counts by status

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

Numbered pages (Retino's ``count``) counted the account's tickets on every page view: 87 %
of a list page at a million tickets. The ticket services now keep the counts per status in
the same transaction as the write (domain/tickets/counts.py); this fills them for the
tickets that exist.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARDS = 8  # domain/tickets/counts.py


def upgrade() -> None:
    id_type = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "ticket_counts",
        sa.Column("account_id", id_type, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_ticket_counts_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "status", "shard", name=op.f("pk_ticket_counts")),
    )
    op.execute(
        "INSERT INTO ticket_counts (account_id, status, shard, n) "
        f"SELECT account_id, status, id % {SHARDS}, count(*) FROM tickets "
        f"GROUP BY account_id, status, id % {SHARDS}"
    )


def downgrade() -> None:
    op.drop_table("ticket_counts")
