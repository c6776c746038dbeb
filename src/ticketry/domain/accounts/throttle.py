"""Sign-in throttling: growing delays, then a lockout, per identity and per client address.

Every place that checks a secret someone could guess (desk sign-in, PORTOS ``POST /auth``,
the OAuth token endpoint's client secret, the OAuth consent page's password) goes through
``SigninThrottle.begin`` before it checks anything, and calls ``SigninAttempt.succeeded``
after a right secret (once its own transaction is over)::

    attempt = await throttle.begin(identity=user_identity(email), address=address)
    ...check the password; on a wrong one, just say so...
    await attempt.succeeded()

``begin`` counts the attempt as a failure *before* the secret is checked, in one short
transaction of its own, so a burst of parallel guesses is counted as it arrives (not after
every guess has been tried). A right secret then takes it back. After ``free`` failures in a
row each further failure makes the key wait 1, 2, 4, 8… seconds before its next attempt;
after ``lockout`` failures it waits ``lockout_seconds``. While a key waits, ``begin`` raises
``SigninThrottled`` (each face answers 429 with ``Retry-After``) without looking at the
secret, so a right password is refused too. Failures are forgotten ``4 × lockout_seconds``
after the last one; a right secret forgets the identity's failures (not the address's: one
good account of an attacker must not clear the address it guesses from).

State lives in ``signin_throttles`` (shared by every server process, SQLite or PostgreSQL);
the owner lifts a lock with ``ticketry signin unlock`` (``signin_unlock``). See
docs/desk-and-portal.md, "Sign-in throttling".
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from ticketry.domain.base import Base
from ticketry.domain.errors import DomainError
from ticketry.domain.types import UTCDateTime, utcnow

log = logging.getLogger("ticketry.signin")

MAX_KEY = 300


class SigninThrottleRow(Base):
    """Failed attempts of one key in a row: ``user:<e-mail>``, ``oauth-client:<client id>``
    or ``address:<client address>``. Bookkeeping, like ``rate_limit_counters``: no account
    (an address or a mistyped e-mail belongs to none), forgotten at ``expires_at``."""

    __tablename__ = "signin_throttles"

    key: Mapped[str] = mapped_column(String(MAX_KEY), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)


class SigninThrottled(DomainError):
    """Too many failed sign-ins: try again in ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        unit = "second" if retry_after == 1 else "seconds"
        super().__init__(f"Too many failed sign-in attempts. Try again in {retry_after} {unit}.")
        self.retry_after = retry_after


@dataclass(frozen=True)
class ThrottlePolicy:
    free: int  # failures in a row before delays begin
    lockout: int  # failures in a row that lock the key for lockout_seconds (0: no throttle)
    lockout_seconds: int

    @property
    def forget_seconds(self) -> int:
        return 4 * self.lockout_seconds

    def wait_after(self, failures: int) -> int:
        """Seconds the key waits after its ``failures``-th failure in a row."""
        if self.lockout <= 0 or failures < self.free:
            return 0
        if failures >= self.lockout:
            return self.lockout_seconds
        return min(2 ** (failures - self.free), self.lockout_seconds)


def _storable(text: str) -> str:
    """No stored text holds a NUL (PostgreSQL refuses it): such a name is still counted,
    under the name without it."""
    return text.replace("\x00", "")


def user_identity(email: str) -> str:
    """The key of an agent's password, the same on every face (desk, PORTOS, OAuth page)."""
    return "user:" + _storable(email).strip().lower()[: MAX_KEY - 5]


def oauth_client_identity(client_id: str) -> str:
    return "oauth-client:" + _storable(client_id).strip()[: MAX_KEY - 13]


def address_key(address: str) -> str:
    return "address:" + _storable(address).strip()[: MAX_KEY - 8]


def _insert(engine: AsyncEngine, table: Any) -> Any:
    if engine.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


@dataclass
class SigninAttempt:
    throttle: SigninThrottle
    identity: str
    address: str | None

    async def succeeded(self) -> None:
        """The secret was right: forget the identity's failures, take back this attempt from
        the address. Call it outside any open transaction of the caller's."""
        await self.throttle._succeeded(self)


@dataclass
class SigninThrottle:
    engine: AsyncEngine
    identity_policy: ThrottlePolicy
    address_policy: ThrottlePolicy
    clock: Callable[[], datetime] = field(default=utcnow)

    def _policy(self, key: str) -> ThrottlePolicy:
        return self.address_policy if key.startswith("address:") else self.identity_policy

    async def begin(self, *, identity: str, address: str | None) -> SigninAttempt:
        """Count an attempt of ``identity`` from ``address``, or raise ``SigninThrottled``
        if either must still wait. Call it before the caller's own transaction begins."""
        attempt = SigninAttempt(self, identity, address_key(address) if address else None)
        keys = [k for k in (attempt.identity, attempt.address) if k is not None]
        keys = [k for k in keys if self._policy(k).lockout > 0]
        if not keys:
            return attempt
        now = self.clock()
        table = SigninThrottleRow.__table__
        async with self.engine.begin() as conn:
            await conn.execute(
                _insert(self.engine, table)
                .values(
                    [
                        {"key": k, "failures": 0, "last_failure_at": now, "expires_at": now}
                        for k in keys
                    ]
                )
                .on_conflict_do_nothing()
            )
            rows = (
                await conn.execute(
                    select(
                        SigninThrottleRow.key,
                        SigninThrottleRow.failures,
                        SigninThrottleRow.blocked_until,
                        SigninThrottleRow.expires_at,
                    )
                    .where(SigninThrottleRow.key.in_(keys))
                    .order_by(SigninThrottleRow.key)
                    .with_for_update()
                )
            ).all()
            waits = [
                (row.blocked_until - now).total_seconds()
                for row in rows
                if row.blocked_until is not None and row.blocked_until > now
            ]
            if waits:
                retry_after = max(1, math.ceil(max(waits)))
                log.warning(
                    "sign-in refused: %s from %s must wait %d s",
                    identity,
                    address or "?",
                    retry_after,
                )
                raise SigninThrottled(retry_after)
            for row in rows:
                failures = (0 if row.expires_at <= now else row.failures) + 1
                policy = self._policy(row.key)
                wait = policy.wait_after(failures)
                blocked = now + timedelta(seconds=wait) if wait else None
                await conn.execute(
                    update(SigninThrottleRow)
                    .where(SigninThrottleRow.key == row.key)
                    .values(
                        failures=failures,
                        blocked_until=blocked,
                        last_failure_at=now,
                        expires_at=now + timedelta(seconds=max(wait, policy.forget_seconds)),
                    )
                )
                if failures == policy.lockout:
                    log.warning(
                        "sign-in locked: %s after %d failures, for %d s",
                        row.key,
                        failures,
                        wait,
                    )
            # Forgotten keys go as others come, so guessed names do not pile up.
            await conn.execute(delete(SigninThrottleRow).where(SigninThrottleRow.expires_at < now))
        return attempt

    async def _succeeded(self, attempt: SigninAttempt) -> None:
        if self.identity_policy.lockout <= 0 and self.address_policy.lockout <= 0:
            return
        async with self.engine.begin() as conn:
            await conn.execute(
                delete(SigninThrottleRow).where(SigninThrottleRow.key == attempt.identity)
            )
            if attempt.address is not None:
                await conn.execute(
                    update(SigninThrottleRow)
                    .where(
                        SigninThrottleRow.key == attempt.address,
                        SigninThrottleRow.failures > 0,
                    )
                    .values(
                        failures=SigninThrottleRow.failures - 1,
                        blocked_until=case(
                            (
                                SigninThrottleRow.failures - 1 < self.address_policy.free,
                                None,
                            ),
                            else_=SigninThrottleRow.blocked_until,
                        ),
                    )
                )


async def signin_unlock(session: AsyncSession, *, keys: list[str]) -> int:
    """Forget the failures (and lift the lock) of these keys; how many were held. The
    caller commits."""
    result = await session.execute(delete(SigninThrottleRow).where(SigninThrottleRow.key.in_(keys)))
    count = int(result.rowcount or 0)  # type: ignore[attr-defined]
    log.warning("sign-in unlocked: %s (%d held)", ", ".join(keys), count)
    return count


@dataclass(frozen=True)
class HeldKey:
    key: str
    failures: int
    blocked_until: datetime | None


async def signin_held_list(session: AsyncSession, *, now: datetime | None = None) -> list[HeldKey]:
    """Keys with failures not yet forgotten, the locked first."""
    now = now or utcnow()
    rows = (
        await session.execute(
            select(
                SigninThrottleRow.key,
                SigninThrottleRow.failures,
                SigninThrottleRow.blocked_until,
            )
            .where(SigninThrottleRow.expires_at > now, SigninThrottleRow.failures > 0)
            .order_by(SigninThrottleRow.blocked_until.desc(), SigninThrottleRow.key)
        )
    ).all()
    return [
        HeldKey(
            key=r.key,
            failures=r.failures,
            blocked_until=r.blocked_until if r.blocked_until and r.blocked_until > now else None,
        )
        for r in rows
    ]


__all__ = [
    "HeldKey",
    "SigninAttempt",
    "SigninThrottle",
    "SigninThrottleRow",
    "SigninThrottled",
    "ThrottlePolicy",
    "address_key",
    "oauth_client_identity",
    "signin_held_list",
    "signin_unlock",
    "user_identity",
]
