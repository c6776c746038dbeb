"""The face's view of the shared runtime."""

from __future__ import annotations

from litestar import Request

from ticketry.settings import Settings


def runtime_settings(request: Request) -> Settings:
    return request.app.state.runtime.settings  # type: ignore[no-any-return]
