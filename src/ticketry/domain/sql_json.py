"""JSON built by the database, the same document on SQLite and PostgreSQL.

A page of tickets with their products, tags and shipments comes back as ONE value that
msgspec decodes straight into the domain's record structs: no row objects, no per-column
type conversion in Python, one statement for any page size. Each helper here is one SQL
expression that compiles to each database's own JSON functions, so that the document is the
same on both: exact decimals as JSON numbers with their places, instants as RFC 3339 text in
UTC, booleans as JSON booleans, JSON columns nested as JSON.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Select,
    String,
    Text,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

# PostgreSQL passes at most 100 arguments to a function: 50 key/value pairs.
PG_MAX_PAIRS = 50


class json_object(FunctionElement[Any]):
    """``{"key": value, …}`` from (key, expression) pairs; values go through as they are
    (wrap them in the helpers below for decimals, instants, booleans and JSON columns)."""

    type = Text()
    inherit_cache = True
    name = "json_object"

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.keys = tuple(k for k, _ in pairs)
        super().__init__(*[v for _, v in pairs])


def _pairs(element: json_object, compiler: SQLCompiler, **kw: Any) -> list[str]:
    values = [compiler.process(v, **kw) for v in element.clauses]
    return [f"'{k}', {v}" for k, v in zip(element.keys, values, strict=True)]


@compiles(json_object, "sqlite")
def _object_sqlite(element: json_object, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_object({', '.join(_pairs(element, compiler, **kw))})"


@compiles(json_object, "postgresql")
def _object_pg(element: json_object, compiler: SQLCompiler, **kw: Any) -> str:
    pairs = _pairs(element, compiler, **kw)
    chunks = [pairs[i : i + PG_MAX_PAIRS] for i in range(0, len(pairs), PG_MAX_PAIRS)]
    if len(chunks) == 1:
        return f"json_build_object({', '.join(pairs)})"
    merged = " || ".join(f"jsonb_build_object({', '.join(c)})" for c in chunks)
    return f"({merged})::json"


def json_array(
    rows: Select[Any], dialect: str, *, of_json: bool = True, outer: Any = None
) -> ColumnElement[Any]:
    """The JSON array of ``rows``' single column (``[]`` when there are none), in
    ``rows``' ORDER BY, as a scalar subquery. ``of_json``: the column is JSON (e.g. a
    ``json_object``), not a plain value; ``outer``: the enclosing query's table that
    ``rows`` refers to. PostgreSQL orders inside ``json_agg``; SQLite's
    ``json_group_array`` keeps the order of the ordered subquery it is fed from (SQLite
    never flattens an ordered subquery into an aggregate)."""
    (column,) = list(rows.selected_columns)
    ordering = list(rows._order_by_clauses)
    if dialect == "postgresql":
        value = aggregate_order_by(column, *ordering) if ordering else column
        return (
            rows.order_by(None)
            .with_only_columns(func.coalesce(func.json_agg(value), literal_column("'[]'::json")))
            .scalar_subquery()
        )
    # SQLite lets the ordered subquery refer to the enclosing row (``outer``).
    ordered = rows.with_only_columns(column.label("v"))
    if outer is not None:
        ordered = ordered.correlate(outer)
    inner = ordered.subquery()
    item = func.json(inner.c.v) if of_json else inner.c.v
    return select(func.json_group_array(item)).scalar_subquery()


class json_decimal(FunctionElement[Any]):
    """An exact decimal kept as a scaled integer (``ScaledDecimal``) as a JSON number with
    its places, e.g. 45000.0000: never through a float."""

    type = String()
    inherit_cache = True
    name = "json_decimal"

    def __init__(self, column: Any, places: int) -> None:
        self.places = places
        super().__init__(column)


@compiles(json_decimal, "sqlite")
def _decimal_sqlite(element: json_decimal, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    c = compiler.process(column, **kw)
    unit = 10**element.places
    zeros = "0" * element.places
    return (
        f"CASE WHEN {c} IS NULL THEN NULL ELSE json("
        f"(CASE WHEN {c} < 0 THEN '-' ELSE '' END) || (abs({c}) / {unit}) || '.' || "
        f"substr('{zeros}' || (abs({c}) % {unit}), -{element.places})) END"
    )


@compiles(json_decimal, "postgresql")
def _decimal_pg(element: json_decimal, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    # numeric × 0.0001 has exactly four places (the scales add up): 45000.0000
    return f"({compiler.process(column, **kw)}::numeric * 0.{'0' * (element.places - 1)}1)"


class json_instant(FunctionElement[Any]):
    """A UTC timestamp as RFC 3339 text. SQLite keeps naive-UTC text ("2026-01-02
    03:04:05.000006", see ``UTCDateTime``); PostgreSQL's timestamptz renders itself, in the
    session's time zone, which the read path sets to UTC."""

    type = String()
    inherit_cache = True
    name = "json_instant"


@compiles(json_instant, "sqlite")
def _instant_sqlite(element: json_instant, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    c = compiler.process(column, **kw)
    return f"CASE WHEN {c} IS NULL THEN NULL ELSE replace({c}, ' ', 'T') || 'Z' END"


@compiles(json_instant, "postgresql")
def _instant_pg(element: json_instant, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return compiler.process(column, **kw)


class json_bool(FunctionElement[Any]):
    """A boolean column as a JSON boolean (SQLite stores 0 and 1)."""

    type = Boolean()
    inherit_cache = True
    name = "json_bool"


@compiles(json_bool, "sqlite")
def _bool_sqlite(element: json_bool, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    c = compiler.process(column, **kw)
    return f"json(CASE WHEN {c} IS NULL THEN 'null' WHEN {c} THEN 'true' ELSE 'false' END)"


@compiles(json_bool, "postgresql")
def _bool_pg(element: json_bool, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return compiler.process(column, **kw)


class json_nested(FunctionElement[Any]):
    """A JSON column (or a JSON-building expression) nested as JSON, not as text."""

    type = Text()
    inherit_cache = True
    name = "json_nested"


@compiles(json_nested, "sqlite")
def _nested_sqlite(element: json_nested, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return f"json({compiler.process(column, **kw)})"


@compiles(json_nested, "postgresql")
def _nested_pg(element: json_nested, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return compiler.process(column, **kw)


def json_value(column: Any) -> ColumnElement[Any]:
    """A column as the JSON value of its type (see the helpers above)."""
    from ticketry.domain.types import ScaledDecimal, UTCDateTime

    kind = column.type
    if isinstance(kind, ScaledDecimal):
        return json_decimal(column, kind.places)
    if isinstance(kind, UTCDateTime):
        return json_instant(column)
    if isinstance(kind, Boolean):
        return json_bool(column)
    if isinstance(kind, JSON):
        return json_nested(column)
    return column  # type: ignore[no-any-return]


class json_text(FunctionElement[Any]):
    """A document as text, whichever way it is read: SQLAlchemy's asyncpg dialect decodes
    ``json`` values with the standard library (decimals would become floats), so the
    outermost value goes out as text, for msgspec to decode."""

    type = Text()
    inherit_cache = True
    name = "json_text"


@compiles(json_text, "sqlite")
def _text_sqlite(element: json_text, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return compiler.process(column, **kw)


@compiles(json_text, "postgresql")
def _text_pg(element: json_text, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return f"({compiler.process(column, **kw)})::text"
