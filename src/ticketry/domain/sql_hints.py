"""Planner hints that only SQLite needs. PostgreSQL keeps column statistics and picks plans
by them; SQLite's planner (without stat4 histograms) cannot tell that "not closed yet"
matches most of an account's tickets, picks the (account_id, closed_at) index and then sorts
every open ticket to show one page (~0.5 s at a million tickets). ``likely`` tells it the
condition is usually true, so it walks the page's ordering index and filters instead."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class likely(FunctionElement[bool]):
    type = Boolean()
    inherit_cache = True
    name = "likely"
    _is_implicitly_boolean = True  # not "likely(…) = 1" on SQLite


@compiles(likely)
def _plain(element: likely, compiler: SQLCompiler, **kw: Any) -> str:
    (condition,) = list(element.clauses)
    return compiler.process(condition, **kw)


@compiles(likely, "sqlite")
def _sqlite(element: likely, compiler: SQLCompiler, **kw: Any) -> str:
    (condition,) = list(element.clauses)
    return f"likely({compiler.process(condition, **kw)})"
