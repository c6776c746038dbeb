"""ticket search index on SQLite (FTS5 trigram)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25

Ticket search is a substring match over the accent-folded ``search_text``. PostgreSQL
answers it from the trigram index of 0001; on SQLite it scanned every ticket. An FTS5 table
with the trigram tokenizer (SQLite 3.34+) indexes the same text, kept current by triggers,
so search reads only the matching rows. The table is external-content: it stores the index,
not a second copy of the text.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATEMENTS = [
    "CREATE VIRTUAL TABLE tickets_fts USING fts5("
    "search_text, content='tickets', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN "
    "INSERT INTO tickets_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN "
    "INSERT INTO tickets_fts(tickets_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER tickets_fts_update AFTER UPDATE OF search_text ON tickets BEGIN "
    "INSERT INTO tickets_fts(tickets_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO tickets_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild')",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("tickets_fts_update", "tickets_fts_delete", "tickets_fts_insert"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS tickets_fts")
