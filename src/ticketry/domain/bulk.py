"""Many rows in one statement, with little Python per value.

``session.execute(insert(table), list_of_dicts)`` makes SQLAlchemy handle every value of
every row in Python (a parameter dictionary per row, a type processor per value, its
``insertmanyvalues`` batching) and, on PostgreSQL, gives each row count a statement text,
and a prepared statement, of its own. For the hundreds of rows of a bulk import that costs
more than the database's work. ``RowsInsert`` writes the same rows with:

* SQLite: one statement of one row, run for every row by the driver (``executemany``),
  or, to return values, one ``INSERT … VALUES (…), (…) … RETURNING``; either binds the
  values as they are (SQLite's JSON functions would parse each row once per column,
  which costs it more than binding them);
* PostgreSQL: ``INSERT … SELECT … FROM jsonb_array_elements(:rows)``: the rows travel as
  one JSON array of arrays, so the statement text depends only on the columns and is
  prepared once.

Values that are the same for every row (account, timestamps) are ordinary parameters.
Each value is stored exactly as SQLAlchemy would store it: the column's own bind processor
converts it (scaled decimals, UTC date-times, UUIDs, JSON; ``None`` in a JSON column is
JSON ``null`` as with SQLAlchemy's JSON type, ``SQL_NULL`` is SQL's NULL, what a column
left out of an insert gets). ``stored()`` does that conversion ahead,
so that a caller can do it before its transaction begins (on SQLite, the one write lock).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import chain
from typing import Any

import msgspec
from sqlalchemy import (
    JSON,
    String,
    Table,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    select,
    true,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import Null

from ticketry.readpath import mark_wrote

Processor = Callable[[Any], Any] | None

_encode = msgspec.json.encode
# SQLite binds at most 32,766 parameters per statement; larger batches take more than one.
SQLITE_MAX_PARAMS = 32_000
# In a JSON column: SQL's NULL, not JSON ``null`` (which ``None`` is).
SQL_NULL = null()


def _nested(value: Any) -> Any:
    """A JSON column's value in PostgreSQL's JSON rows: boxed, so that JSON ``null``
    (``[null]``) and SQL's NULL (``null``) stay apart."""
    return None if isinstance(value, Null) else [value]


def _json(column: Any, dialect: Dialect) -> bool:
    return isinstance(column.type.dialect_impl(dialect), JSON)


class RowsInsert:
    """``INSERT INTO table (columns…, const…) <rows> [ON CONFLICT (conflict) DO UPDATE SET
    update…] [RETURNING returning…]``.

    Every column of the table but its primary key must be named in ``columns`` (a value
    per row, in this order) or ``const`` (one value for all rows, bound by name): the
    tables' Python-side defaults are not applied here.
    """

    def __init__(
        self,
        table: Table,
        *,
        columns: Sequence[str],
        const: Sequence[str] = (),
        conflict: Sequence[str] = (),
        update: Sequence[str] = (),
        returning: Sequence[str] = (),
    ) -> None:
        self.table = table
        self.columns = tuple(columns)
        self.const = tuple(const)
        self.conflict = tuple(conflict)
        self.update = tuple(update)
        self.returning = tuple(returning)
        named = {*self.columns, *self.const}
        missing = [
            c.name
            for c in table.columns
            if c.name not in named and not c.primary_key and c.server_default is None
        ]
        if missing:
            raise ValueError(f"{table.name}: no value for {', '.join(missing)}")
        if self.update and not self.conflict:
            raise ValueError("update needs conflict columns")
        self._processors: dict[str, list[tuple[int, Callable[[Any], Any], bool]]] = {}
        self._results: dict[str, list[Processor]] = {}
        self._statements: dict[tuple[str, int], Any] = {}

    # ---- values --------------------------------------------------------------------------

    def _bind_processors(self, dialect: Dialect) -> list[tuple[int, Callable[[Any], Any], bool]]:
        """(position, processor, applies to ``None`` too) for each column that has one."""
        found = self._processors.get(dialect.name)
        if found is None:
            found = []
            for i, name in enumerate(self.columns):
                column = self.table.c[name]
                json_column = _json(column, dialect)
                if dialect.name == "postgresql" and json_column:
                    found.append((i, _nested, True))
                    continue
                process = column.type.dialect_impl(dialect).bind_processor(dialect)
                if process is not None:
                    found.append((i, process, json_column))  # JSON: None is ``null``
            self._processors[dialect.name] = found
        return found

    def stored(self, dialect: Dialect, rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
        """``rows`` with every value as the driver receives it; pass the result to
        ``execute(…, stored=True)``. A value of a column without a processor (an integer
        id that the transaction makes) may be left ``None`` here and set later."""
        processors = self._bind_processors(dialect)
        out: list[list[Any]] = []
        for row in rows:
            values = list(row)
            for i, process, on_none in processors:
                value = values[i]
                if value is not None or on_none:
                    values[i] = process(value)
            out.append(values)
        return out

    # ---- statements ----------------------------------------------------------------------

    def _conflict_sql(self, dialect: Dialect) -> str:
        if not self.conflict:
            return ""
        prep = dialect.identifier_preparer
        target = ", ".join(prep.quote(c) for c in self.conflict)
        if not self.update:
            return f" ON CONFLICT ({target}) DO NOTHING"
        sets = ", ".join(f"{prep.quote(c)} = excluded.{prep.quote(c)}" for c in self.update)
        return f" ON CONFLICT ({target}) DO UPDATE SET {sets}"

    def _sqlite_statement(self, dialect: Dialect, count: int) -> str:
        """``count`` rows of values then the constants, each row's in turn."""
        key = ("sqlite", count)
        sql = self._statements.get(key)
        if sql is None:
            prep = dialect.identifier_preparer
            names = ", ".join(prep.quote(c) for c in (*self.columns, *self.const))
            row = "(" + ", ".join("?" * (len(self.columns) + len(self.const))) + ")"
            sql = f"INSERT INTO {prep.format_table(self.table)} ({names}) VALUES "
            sql += ", ".join([row] * count) + self._conflict_sql(dialect)
            if self.returning:
                sql += " RETURNING " + ", ".join(prep.quote(c) for c in self.returning)
            self._statements[key] = sql
        return sql

    def _postgresql_statement(self) -> Any:
        found = self._statements.get(("postgresql", 0))
        if found is not None:
            return found
        table = self.table
        dialect = postgresql.dialect()
        source = (
            # jsonb: parsed once; a json value would be parsed again for every column.
            func.jsonb_array_elements(cast(bindparam("rows", type_=String), postgresql.JSONB))
            .table_valued("value", with_ordinality="ord")
            .render_derived(name="r")
        )
        values: list[Any] = []
        for i, name in enumerate(self.columns):
            column = table.c[name]
            json_column = _json(column, dialect)
            item = source.c.value.op("->" if json_column else "->>")(literal_column(str(i)))
            if json_column:
                item = item.op("->")(literal_column("0"))  # unboxed: see _nested
            # Text stays text: a cast to VARCHAR(n) would cut a long value short silently.
            text = isinstance(column.type.dialect_impl(dialect), String) and not json_column
            values.append(item if text else cast(item, column.type))
        for name in self.const:
            values.append(bindparam(f"const_{name}", type_=table.c[name].type))
        rows = select(*values).select_from(source).where(true()).order_by(source.c.ord)
        stmt: Any = postgresql.insert(table).from_select(
            [*self.columns, *self.const], rows, include_defaults=False
        )
        if self.conflict:
            if self.update:
                stmt = stmt.on_conflict_do_update(
                    index_elements=list(self.conflict),
                    set_={name: stmt.excluded[name] for name in self.update},
                )
            else:
                stmt = stmt.on_conflict_do_nothing(index_elements=list(self.conflict))
        if self.returning:
            stmt = stmt.returning(*(table.c[name] for name in self.returning))
        self._statements[("postgresql", 0)] = stmt
        return stmt

    def _result_processors(self, dialect: Dialect) -> list[Processor]:
        found = self._results.get(dialect.name)
        if found is None:
            found = self._results[dialect.name] = [
                self.table.c[name].type.dialect_impl(dialect).result_processor(dialect, None)
                for name in self.returning
            ]
        return found

    # ---- running -------------------------------------------------------------------------

    async def execute(
        self,
        session: AsyncSession,
        rows: Sequence[Sequence[Any]],
        *,
        stored: bool = False,
        **const: Any,
    ) -> list[tuple[Any, ...]]:
        """Insert ``rows`` (values in ``columns`` order; ``stored`` when they come from
        ``stored()``), the constants by name. Returns the ``returning`` columns of each
        row written, typed as the columns are, in no particular order."""
        if not rows:
            return []
        mark_wrote(session)
        dialect = session.get_bind().dialect
        if not stored:
            rows = self.stored(dialect, rows)
        if dialect.name == "postgresql":
            params: dict[str, Any] = {"rows": _encode(rows).decode()}
            for name in self.const:
                params[f"const_{name}"] = const[name]
            result = await session.execute(self._postgresql_statement(), params)
            return [tuple(r) for r in result] if self.returning else []
        return await self._sqlite_execute(session, dialect, rows, const)

    async def _sqlite_execute(
        self,
        session: AsyncSession,
        dialect: Dialect,
        rows: Sequence[Sequence[Any]],
        const: Mapping[str, Any],
    ) -> list[tuple[Any, ...]]:
        consts = [
            self.table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in self.const
        ]
        head = [
            const[name] if process is None else process(const[name])
            for name, process in zip(self.const, consts, strict=True)
        ]
        connection = await session.connection()
        if not self.returning:
            # One prepared statement for every row, stepped by the driver (executemany).
            sql = self._sqlite_statement(dialect, 1)
            await connection.exec_driver_sql(sql, [(*row, *head) for row in rows])
            return []
        # RETURNING needs one statement for the rows; past SQLite's parameter limit, more.
        per = max(1, SQLITE_MAX_PARAMS // (len(self.columns) + len(head)))
        out: list[tuple[Any, ...]] = []
        processors = self._result_processors(dialect)
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            sql = self._sqlite_statement(dialect, len(chunk))
            params = tuple(chain.from_iterable((*row, *head) for row in chunk))
            for row in await connection.exec_driver_sql(sql, params):
                out.append(
                    tuple(
                        v if p is None or v is None else p(v)
                        for v, p in zip(row, processors, strict=True)
                    )
                )
        return out


__all__ = ["SQL_NULL", "RowsInsert"]
