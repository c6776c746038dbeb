from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import delete

from tests.worker.helpers import started_app
from tests.worker.receiver import Receiver, run_receiver
from ticketry.app import TicketryApp
from ticketry.domain.webhooks.models import WebhookSubscription


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with run_receiver() as r:
        yield r


@pytest.fixture
async def hook_app(app: TicketryApp) -> AsyncIterator[TicketryApp]:
    """The app with loopback targets allowed and fast retries; subscriptions are removed
    afterwards so no later test's worker calls a receiver that is gone."""
    other = await started_app(app)
    yield other
    assert other.runtime is not None
    async with other.runtime.sessionmaker() as session:
        await session.execute(delete(WebhookSubscription))
        await session.commit()
    await other.shutdown()
