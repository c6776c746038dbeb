"""failed sign-ins per identity and client address

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04

Desk sign-in, PORTOS ``POST /auth`` and the OAuth client secret could be guessed as fast as
the server answered. Failed attempts in a row are now counted per key (an agent's e-mail, an
OAuth client id, a client address) in ``signin_throttles``, shared by every server process
(domain/accounts/throttle.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signin_throttles",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_signin_throttles")),
    )
    op.create_index(
        op.f("ix_signin_throttles_expires_at"), "signin_throttles", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_signin_throttles_expires_at"), table_name="signin_throttles")
    op.drop_table("signin_throttles")
