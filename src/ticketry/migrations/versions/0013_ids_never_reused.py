"""ids are never given again (SQLite AUTOINCREMENT)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04

SQLite gives a new row the largest id + 1: delete ticket 529 and the next ticket is 529
again, and clients and webhook consumers, who key on ids, take it for the deleted one.
With ``AUTOINCREMENT`` an id is never given twice (``sqlite_sequence`` remembers the
largest ever given). PostgreSQL's sequences never hand a value back: nothing to do there.

SQLite cannot add ``AUTOINCREMENT`` to a table, so each table with an integer ``id`` is
made again from its own stored SQL with only the ``id`` column changed (every other
column, constraint and default stays as it was), its rows copied, and its indexes and
triggers (the FTS5 search triggers of 0007 on ``tickets``) made again from their stored
SQL. Foreign keys are off meanwhile, as SQLite's documentation prescribes for a table
rebuild (dropping a parent would otherwise cascade to its children), and checked before
the end.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table whose primary key is an integer ``id`` (the ``Entity`` models), parents first.
TABLES = (
    "accounts",
    "contacts",
    "custom_fields",
    "files",
    "refund_accounts",
    "shipping_types",
    "stores",
    "tags",
    "ticket_states",
    "ticket_types",
    "users",
    "api_tokens",
    "orders",
    "shipping_routes",
    "order_items",
    "order_status_changes",
    "tickets",
    "credit_notes",
    "events",
    "messages",
    "shipments",
    "ticket_history",
    "ticket_items",
    "webhook_subscriptions",
    "webhook_deliveries",
    "webhook_attempts",
    "oauth_apps",
    "oauth_codes",
    "oauth_tokens",
    "device_sessions",
    "signing_keys",
    "api_keys",
    "agent_people",
    "desk_sessions",
    "portal_access_tokens",
)

_NAME = re.compile(r'^CREATE TABLE\s+"?(\w+)"?\s*\(')
# As SQLAlchemy writes them: the id column, and the primary key as a table constraint …
_PLAIN_ID = re.compile(r"(\n\s*)id INTEGER NOT NULL,")
_TABLE_PK = re.compile(r"(, )?\n\s*CONSTRAINT (\w+) PRIMARY KEY \(id\)(,)?")
# … or, after this migration, the key on the column itself (its name kept).
_AUTO_ID = re.compile(r"(\n\s*)id INTEGER NOT NULL CONSTRAINT (\w+) PRIMARY KEY AUTOINCREMENT,")


def with_autoincrement(sql: str) -> str:
    found = _TABLE_PK.search(sql)
    if found is None or len(_PLAIN_ID.findall(sql)) != 1:
        raise RuntimeError(f"unexpected table definition: {sql[:200]}")
    lead, name, trail = found.groups()
    # Drop the table constraint and the comma that joined it to its neighbours.
    sql = sql[: found.start()] + ("," if lead and trail else "") + sql[found.end() :]
    if lead and not trail:  # it was the last item: the comma before it goes too
        sql = sql.rstrip()
    return _PLAIN_ID.sub(
        lambda m: f"{m.group(1)}id INTEGER NOT NULL CONSTRAINT {name} PRIMARY KEY AUTOINCREMENT,",
        sql,
    )


def without_autoincrement(sql: str) -> str:
    found = _AUTO_ID.search(sql)
    if found is None:
        raise RuntimeError(f"unexpected table definition: {sql[:200]}")
    indent, name = found.groups()
    sql = sql[: found.start()] + f"{indent}id INTEGER NOT NULL," + sql[found.end() :]
    body, close = sql.rstrip().rsplit(")", 1)
    return f"{body.rstrip()}, {indent}CONSTRAINT {name} PRIMARY KEY (id)\n){close}"


def _rebuild(conn: sa.Connection, table: str, change: object) -> None:
    sql = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one_or_none()
    if sql is None or ("AUTOINCREMENT" in sql) == (change is with_autoincrement):
        return  # absent, or already as wanted (a run cut short after its commit)
    extras = [
        row[0]
        for row in conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
            "AND sql IS NOT NULL ORDER BY type, name",
            (table,),
        )
    ]
    # The planner's statistics (ANALYZE) of the table and its indexes go with DROP TABLE;
    # without them SQLite planned an exact search of a million tickets at 100-200 ms
    # instead of 1 ms. The rebuilt table has the same rows and index names: kept as they were.
    stats = _stats(conn, table)
    assert callable(change)
    new_sql = _NAME.sub(f'CREATE TABLE "_new_{table}" (', change(sql), count=1)
    conn.exec_driver_sql(new_sql)
    conn.exec_driver_sql(f'INSERT INTO "_new_{table}" SELECT * FROM "{table}"')
    conn.exec_driver_sql(f'DROP TABLE "{table}"')
    conn.exec_driver_sql(f'ALTER TABLE "_new_{table}" RENAME TO "{table}"')
    for statement in extras:
        conn.exec_driver_sql(statement)
    if stats:
        conn.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl = ?", (table,))
        conn.exec_driver_sql("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", stats)


def _stats(conn: sa.Connection, table: str) -> list[tuple[str, str | None, str]]:
    analysed = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
    ).first()
    if analysed is None:
        return []
    rows = conn.exec_driver_sql(
        "SELECT tbl, idx, stat FROM sqlite_stat1 WHERE tbl = ?", (table,)
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def _foreign_keys(conn: sa.Connection, on: bool) -> None:
    """Outside a transaction, where SQLite lets the setting change."""
    conn.commit()
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    cursor.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")
    cursor.close()


def _rebuild_all(change: object) -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return  # PostgreSQL: sequences never give a value twice
    _foreign_keys(conn, False)
    try:
        for table in TABLES:
            _rebuild(conn, table, change)
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
        if broken is not None:
            raise RuntimeError(f"foreign key broken by the rebuild: {tuple(broken)}")
    except BaseException:
        conn.rollback()
        _foreign_keys(conn, True)
        raise
    _foreign_keys(conn, True)


def upgrade() -> None:
    _rebuild_all(with_autoincrement)


def downgrade() -> None:
    _rebuild_all(without_autoincrement)
