"""paymenter: account API keys; every agent a person (agent_people)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25

``api_keys``: account-wide bearer keys with permissions and an IP allow-list (stored as
SHA-256). ``agent_people``: links each agent (user) to the contact that is the same
person, so customers and agents share one id space; existing agents get theirs here.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _link_agents_to_people() -> None:
    bind = op.get_bind()
    now = datetime.now(UTC)
    if bind.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # the domain keeps naive UTC on SQLite
    stamps = (
        sa.column("public_id", sa.Uuid()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    contacts = sa.table(
        "contacts",
        sa.column("account_id", _ID),
        sa.column("email", sa.String()),
        sa.column("name", sa.String()),
        sa.column("phone", sa.String()),
        *stamps,
    )
    # An existing contact with the agent's e-mail is the same person; others get one.
    new_people = bind.execute(
        sa.text(
            "SELECT u.account_id, u.email, u.full_name FROM users u WHERE NOT EXISTS "
            "(SELECT 1 FROM contacts c WHERE c.account_id = u.account_id AND c.email = u.email)"
        )
    ).all()
    if new_people:
        op.bulk_insert(
            contacts,
            [
                {
                    "account_id": row.account_id,
                    "email": row.email,
                    "name": row.full_name or "",
                    "phone": "",
                    "public_id": uuid.uuid4(),
                    "created_at": now,
                    "updated_at": now,
                }
                for row in new_people
            ],
        )
    links = bind.execute(
        sa.text(
            "SELECT u.account_id, u.id AS user_id, c.id AS contact_id FROM users u "
            "JOIN contacts c ON c.account_id = u.account_id AND c.email = u.email"
        )
    ).all()
    if links:
        agent_people = sa.table(
            "agent_people",
            sa.column("account_id", _ID),
            sa.column("user_id", _ID),
            sa.column("contact_id", _ID),
            *[sa.column(c.name, c.type) for c in stamps],
        )
        op.bulk_insert(
            agent_people,
            [
                {
                    "account_id": row.account_id,
                    "user_id": row.user_id,
                    "contact_id": row.contact_id,
                    "public_id": uuid.uuid4(),
                    "created_at": now,
                    "updated_at": now,
                }
                for row in links
            ],
        )


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("key_prefix", sa.String(length=8), nullable=False),
        sa.Column("permissions", _JSON, nullable=False),
        sa.Column("ip_addresses", _JSON, nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_api_keys_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("public_id", name=op.f("uq_api_keys_public_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_keys_token_hash")),
    )
    op.create_index(op.f("ix_api_keys_account_id"), "api_keys", ["account_id"], unique=False)

    op.create_table(
        "agent_people",
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("contact_id", _ID, nullable=False),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_agent_people_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_agent_people_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_agent_people_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_people")),
        sa.UniqueConstraint("contact_id", name=op.f("uq_agent_people_contact_id")),
        sa.UniqueConstraint("public_id", name=op.f("uq_agent_people_public_id")),
        sa.UniqueConstraint("user_id", name=op.f("uq_agent_people_user_id")),
    )
    op.create_index(
        op.f("ix_agent_people_account_id"), "agent_people", ["account_id"], unique=False
    )
    _link_agents_to_people()


def downgrade() -> None:
    # The agents' contacts stay: they are people the account knows.
    op.drop_index(op.f("ix_agent_people_account_id"), table_name="agent_people")
    op.drop_table("agent_people")
    op.drop_index(op.f("ix_api_keys_account_id"), table_name="api_keys")
    op.drop_table("api_keys")
