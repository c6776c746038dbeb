"""every ticket with an e-mail has its person (requester)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05

Until now a ticket got a person (``requester_id`` → ``contacts``) only when a face gave a
customer e-mail; a Next Commerce ticket with only ``from_email``, and every seeded ticket,
had none. From now on a person is known by their e-mail in any letter case
(``contacts.email_key``: trimmed, lower-case), and every ticket write sets the person and
the customer snapshot together (``tickets/requester.py``). This brings the data there:

1. contacts whose e-mails differ only in case or surrounding space are one person: the
   oldest stays, the others' tickets, messages and agent links move to it (a name it lacks
   is taken from them), and they go; every e-mail is then stored trimmed and lower-case,
   so the unique (account, email) constraint holds for any case (no new index: SQLite
   could add one on ``lower(email)``, but stored keys keep one index and one rule);
2. each ticket without a person gets the person of its customer e-mail, else of its
   ``from_email``, made (with the name and phone of the newest such ticket) when new;
3. a ticket whose customer e-mail was empty shows that person's e-mail, and its search text
   carries it (the exact search keys already had ``from_email``).

Tickets with no e-mail at all stay without a person: a name alone identifies nobody (two
"Jan Novák"s are two people), and a person without an e-mail could never be found again.

Downgrade leaves the data: the persons are right under the old code too.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# The e-mail that names a ticket's person: its customer's, else the one it came from.
_TICKET_EMAIL = (
    "lower(trim(CASE WHEN trim(tickets.customer_email) != '' THEN tickets.customer_email "
    "ELSE coalesce(tickets.from_email, '') END))"
)
# Contacts that are another (older) contact's person: (old_id, keep_id).
_MERGE = (
    "SELECT c.id AS old_id, k.keep_id FROM contacts c JOIN (SELECT account_id, "
    "lower(trim(email)) AS e, min(id) AS keep_id FROM contacts GROUP BY account_id, "
    "lower(trim(email))) k ON k.account_id = c.account_id AND k.e = lower(trim(c.email)) "
    "WHERE c.id != k.keep_id"
)


def _merge_duplicate_people() -> None:
    merge = f"({_MERGE}) m"
    old = f"(SELECT old_id FROM {merge})"
    for table, column in (("tickets", "requester_id"), ("messages", "author_contact_id")):
        op.execute(
            f"UPDATE {table} SET {column} = (SELECT m.keep_id FROM {merge} "
            f"WHERE m.old_id = {table}.{column}) WHERE {column} IN {old}"
        )
    # One agent per person: a link of a duplicate goes if the person has one already.
    op.execute(
        f"DELETE FROM agent_people WHERE contact_id IN (SELECT m.old_id FROM {merge} "
        "WHERE EXISTS (SELECT 1 FROM agent_people a WHERE a.contact_id = m.keep_id))"
    )
    op.execute(
        f"UPDATE agent_people SET contact_id = (SELECT m.keep_id FROM {merge} "
        f"WHERE m.old_id = agent_people.contact_id) WHERE contact_id IN {old}"
    )
    op.execute(
        f"UPDATE contacts SET name = coalesce((SELECT d.name FROM {merge} "
        "JOIN contacts d ON d.id = m.old_id WHERE m.keep_id = contacts.id AND d.name != '' "
        "ORDER BY d.id DESC LIMIT 1), name) "
        f"WHERE name = '' AND id IN (SELECT keep_id FROM {merge})"
    )
    op.execute(f"DELETE FROM contacts WHERE id IN {old}")
    op.execute("UPDATE contacts SET email = lower(trim(email)) WHERE email != lower(trim(email))")


def _new_people() -> None:
    bind = op.get_bind()
    now = datetime.now(UTC)
    if bind.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # the domain keeps naive UTC on SQLite
    rows = bind.execute(
        sa.text(
            "SELECT account_id, e, customer_name, customer_phone FROM (SELECT account_id, e, "
            "customer_name, customer_phone, row_number() OVER (PARTITION BY account_id, e "
            f"ORDER BY id DESC) AS rn FROM (SELECT id, account_id, {_TICKET_EMAIL} AS e, "
            "customer_name, customer_phone FROM tickets WHERE requester_id IS NULL) t "
            "WHERE e != '') x WHERE rn = 1 AND NOT EXISTS (SELECT 1 FROM contacts c "
            "WHERE c.account_id = x.account_id AND c.email = x.e)"
        )
    ).all()
    if not rows:
        return
    contacts = sa.table(
        "contacts",
        sa.column("account_id", _ID),
        sa.column("email", sa.String()),
        sa.column("name", sa.String()),
        sa.column("phone", sa.String()),
        sa.column("public_id", sa.Uuid()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(
        contacts,
        [
            {
                "account_id": account_id,
                "email": email,
                "name": (name or "")[:200],
                "phone": (phone or "")[:40],
                "public_id": uuid.uuid4(),
                "created_at": now,
                "updated_at": now,
            }
            for account_id, email, name, phone in rows
        ],
    )


def upgrade() -> None:
    _merge_duplicate_people()
    _new_people()
    op.execute(
        "UPDATE tickets SET requester_id = (SELECT c.id FROM contacts c WHERE "
        f"c.account_id = tickets.account_id AND c.email = {_TICKET_EMAIL}) "
        f"WHERE requester_id IS NULL AND {_TICKET_EMAIL} != ''"
    )
    person_email = "(SELECT c.email FROM contacts c WHERE c.id = tickets.requester_id)"
    op.execute(
        f"UPDATE tickets SET customer_email = {person_email}, "
        f"search_text = trim(coalesce(search_text, '') || ' ' || {person_email}) "
        "WHERE requester_id IS NOT NULL AND customer_email = ''"
    )


def downgrade() -> None:
    pass
