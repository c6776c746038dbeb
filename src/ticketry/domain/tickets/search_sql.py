"""One ticket-search condition, compiled per database: PostgreSQL matches ``search_text``
with LIKE (served by the trigram index of migration 0001), SQLite asks the FTS5 trigram
table of migration 0007. The domain writes one expression; the dialect picks the plan."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Boolean, column, func, literal, literal_column, select, table
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
    # A condition in its own right: without this, SQLite (no native booleans) gets
    # "… IN (…) = 1", which its planner cannot use as an IN (290 against 4 ms).
    _is_implicitly_boolean = True


class _TicketTextContainsMany(_TicketTextContains):
    """The same, for a term many tickets hold (see ``ticket_text_contains``)."""

    inherit_cache = True
    name = "ticket_text_contains_many"


def fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def ticket_text_contains(
    terms: list[str], bind: Callable[[Any], Any] = literal, *, many: bool = False
) -> list[ColumnElement[bool]]:
    """Tickets whose folded search text contains every one of ``terms`` (already folded);
    ``bind`` makes the bound parameters (a ``filters.Binder``). On SQLite the terms the
    trigram index can serve go to it as one query (it intersects them itself).

    ``many``: they match many tickets, so on SQLite a page walks the ordering's index and
    asks the full-text index about each ticket it meets (it finds a page's worth within a
    few thousand) instead of fetching and sorting every match (6,000: 80 ms at 100,000)."""
    short = [t for t in terms if len(t) < FTS_MIN_TERM]
    long = [t for t in terms if len(t) >= FTS_MIN_TERM]
    out: list[ColumnElement[bool]] = [
        Ticket.search_text.like(bind(like_pattern(t)), escape="\\") for t in short
    ]
    if long:
        kind = _TicketTextContainsMany if many else _TicketTextContains
        patterns = [bind(like_pattern(t)) for t in long]
        out.append(kind(bind(" ".join(fts_phrase(t) for t in long)), *patterns))
    return out


@compiles(_TicketTextContains)
def _compile_like(element: _TicketTextContains, compiler: SQLCompiler, **kw: Any) -> str:
    _, *patterns = list(element.clauses)
    likes = [compiler.process(Ticket.search_text.like(p, escape="\\"), **kw) for p in patterns]
    return " AND ".join(likes) if len(likes) == 1 else "(" + " AND ".join(likes) + ")"


@compiles(_TicketTextContainsMany)
def _compile_like_many(element: _TicketTextContains, compiler: SQLCompiler, **kw: Any) -> str:
    return _compile_like(element, compiler, **kw)


@compiles(_TicketTextContains, "sqlite")
@compiles(_TicketTextContainsMany, "sqlite")
def _compile_fts(element: _TicketTextContains, compiler: SQLCompiler, **kw: Any) -> str:
    query, *_ = list(element.clauses)
    ticket_id = compiler.process(Ticket.__table__.c.id, **kw)
    # "+" keeps SQLite from looking tickets up by the matches' rowids: it walks the page's
    # ordering index and checks each ticket against the (materialised) matches.
    walk = "+" if isinstance(element, _TicketTextContainsMany) else ""
    return (
        f"{walk}{ticket_id} IN (SELECT rowid FROM tickets_fts "
        f"WHERE tickets_fts MATCH {compiler.process(query, **kw)})"
    )


def fts_matches_probe(terms: list[str], bind: Callable[[Any], Any], limit: int) -> Any:
    """How many tickets (of any account, at most ``limit``) the full-text index matches for
    all ``terms`` (of at least ``FTS_MIN_TERM`` characters): SQLite only."""
    query = " ".join(fts_phrase(t) for t in terms if len(t) >= FTS_MIN_TERM)
    fts = table("tickets_fts", column("rowid"))
    matches = (
        select(fts.c.rowid)
        .where(literal_column("tickets_fts").op("MATCH")(bind(query)))
        .limit(bind(limit))
    )
    return select(func.count()).select_from(matches.subquery())
