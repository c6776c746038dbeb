from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from tests.api.nextcommerce.helpers import NCClient, nc_client
from ticketry.app import TicketryApp


def set_rate_limit(app: TicketryApp, per_second: float) -> float:
    """Change the face's limit on the running app; returns the previous one."""
    assert app.runtime is not None
    old = app.runtime.settings.nextcommerce_rate_limit
    app.runtime.settings = replace(app.runtime.settings, nextcommerce_rate_limit=per_second)
    return old


@pytest.fixture(autouse=True)
def no_rate_limit(app: TicketryApp) -> Iterator[None]:
    """Tests send requests faster than 4/s; the limit has a test of its own (fixed clock)."""
    old = set_rate_limit(app, 0)
    yield
    set_rate_limit(app, old)


@pytest.fixture
async def nc(app: TicketryApp, client: httpx.AsyncClient) -> NCClient:
    return await nc_client(app, client)
