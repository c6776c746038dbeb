"""One ticket-search condition, compiled per database: PostgreSQL matches ``search_text``
with LIKE (served by the trigram index of migration 0001), SQLite asks the FTS5 trigram
table of migration 0007. The domain writes one expression; the dialect picks the plan."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Boolean, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from ticketry.domain.search import like_pattern
from ticketry.domain.tickets.models import Ticket

# The trigram tokenizer indexes runs of three characters; shorter terms match nothing
# through MATCH, so they stay with LIKE.
FTS_MIN_TERM = 3


class _TicketTextContains(FunctionElement[bool]):
    type = Boolean()
    inherit_cache = True
    name = "ticket_text_contains"


def ticket_text_contains(term: str, bind: Callable[[Any], Any] = literal) -> ColumnElement[bool]:
    """Tickets whose folded search text contains ``term`` (already folded); ``bind`` makes
    the bound parameters (a ``filters.Binder``)."""
    if len(term) < FTS_MIN_TERM:
        return Ticket.search_text.like(bind(like_pattern(term)), escape="\\")
    phrase = '"' + term.replace('"', '""') + '"'
    return _TicketTextContains(bind(like_pattern(term)), bind(phrase))


@compiles(_TicketTextContains)
def _compile_like(element: _TicketTextContains, compiler: SQLCompiler, **kw: Any) -> str:
    pattern, _ = list(element.clauses)
    return compiler.process(Ticket.search_text.like(pattern, escape="\\"), **kw)


@compiles(_TicketTextContains, "sqlite")
def _compile_fts(element: _TicketTextContains, compiler: SQLCompiler, **kw: Any) -> str:
    _, phrase = list(element.clauses)
    ticket_id = compiler.process(Ticket.__table__.c.id, **kw)
    return (
        f"{ticket_id} IN (SELECT rowid FROM tickets_fts "
        f"WHERE tickets_fts MATCH {compiler.process(phrase, **kw)})"
    )
