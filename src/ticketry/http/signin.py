"""What the faces need to throttle sign-ins (``domain/accounts/throttle``): the runtime's
throttle and the caller's address."""

from __future__ import annotations

from typing import Any

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncEngine

from ticketry.domain.accounts.throttle import SigninThrottle, ThrottlePolicy
from ticketry.runtime import Runtime
from ticketry.settings import Settings


def signin_throttle_for(settings: Settings, engine: AsyncEngine) -> SigninThrottle:
    return SigninThrottle(
        engine=engine,
        identity_policy=ThrottlePolicy(
            free=settings.signin_free_failures,
            lockout=settings.signin_lockout_failures,
            lockout_seconds=settings.signin_lockout_seconds,
        ),
        address_policy=ThrottlePolicy(
            free=settings.signin_address_free_failures,
            lockout=settings.signin_address_lockout_failures,
            lockout_seconds=settings.signin_lockout_seconds,
        ),
    )


def signin_throttle(request: Request[Any, Any, Any]) -> SigninThrottle:
    runtime: Runtime = request.app.state.runtime
    if runtime.signin_throttle is None:
        runtime.signin_throttle = signin_throttle_for(runtime.settings, runtime.engine)
    return runtime.signin_throttle


def client_address(request: Request[Any, Any, Any]) -> str | None:
    """The connection's peer (behind a proxy, let the server put the forwarded address
    into the ASGI scope: Granian's and uvicorn's proxy-headers options)."""
    client = request.scope.get("client")
    return str(client[0]) if client else None
