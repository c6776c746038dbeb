"""One number that changes whenever anything a request's credentials stand for changes.

Faces cache who a token (or key) belongs to, per process, so that a read does not go to the
database to authenticate. Every transaction that writes an account, a user, an API token,
an OAuth app or token or an API key (through the ORM or a Core statement in a session)
adds one to ``credential_epochs.value`` as it commits, and on PostgreSQL also sends a
``NOTIFY ticketry_credentials`` with the new epoch. A process's cache watches that number (LISTEN on
PostgreSQL, a poll on SQLite) and forgets everything when it moves; a commit in the same
process tells its caches at once (``credentials_subscribe``). This is done by session
events, not by each service, so a write cannot forget it.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from itertools import chain
from typing import Any, Protocol

from sqlalchemy import BigInteger, Integer, event, select, text, update
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from ticketry.domain.accounts.models import Account, ApiToken, User
from ticketry.domain.apikeys.models import ApiKey
from ticketry.domain.base import Base
from ticketry.domain.oauth.models import OAuthApp, OAuthToken

CHANNEL = "ticketry_credentials"
_CHANGED = "ticketry_credentials_changed"
CREDENTIAL_MODELS: tuple[type, ...] = (Account, User, ApiToken, ApiKey, OAuthApp, OAuthToken)
_TABLES = {m.__tablename__ for m in CREDENTIAL_MODELS}  # type: ignore[attr-defined]


class CredentialEpoch(Base):
    __tablename__ = "credential_epochs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class Invalidated(Protocol):
    def invalidate(self, epoch: int | None = None) -> None: ...


_subscribers: weakref.WeakSet[Any] = weakref.WeakSet()


def credentials_subscribe(cache: Invalidated) -> None:
    """``cache.invalidate(epoch)`` is called after every commit in this process that changed
    credentials, with the epoch that commit made (held weakly)."""
    _subscribers.add(cache)


def _touches_credentials(objects: Iterable[Any]) -> bool:
    return any(isinstance(o, CREDENTIAL_MODELS) for o in objects)


@event.listens_for(Session, "do_orm_execute")
def _core_write(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _TABLES:
            state.session.info.setdefault(_CHANGED, True)


@event.listens_for(Session, "before_flush")
def _orm_write(session: Session, _context: Any, _instances: Any) -> None:
    # setdefault: the flush inside commit comes after ``_bump`` has noted the new epoch.
    if _touches_credentials(chain(session.new, session.dirty, session.deleted)):
        session.info.setdefault(_CHANGED, True)


@event.listens_for(Session, "before_commit")
def _bump(session: Session) -> None:
    pending = chain(session.new, session.dirty, session.deleted)
    if not (session.info.get(_CHANGED) or _touches_credentials(pending)):
        return
    bumped = session.execute(
        update(CredentialEpoch)
        .values(value=CredentialEpoch.value + 1)
        .returning(CredentialEpoch.value)
    ).scalar()
    session.info[_CHANGED] = int(bumped) if bumped is not None else True
    if session.get_bind().dialect.name == "postgresql":
        # The payload is the new epoch: a process that made it knows it already.
        session.execute(
            text("SELECT pg_notify(:channel, :epoch)"),
            {"channel": CHANNEL, "epoch": str(bumped or "")},
        )


@event.listens_for(Session, "after_commit")
def _announce(session: Session) -> None:
    changed = session.info.pop(_CHANGED, False)
    if changed is not False:
        epoch = changed if type(changed) is int else None
        for cache in list(_subscribers):
            cache.invalidate(epoch)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_CHANGED, None)


def epoch_select() -> Any:
    return select(CredentialEpoch.value).where(CredentialEpoch.id == 1)
