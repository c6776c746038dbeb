"""Settings › API tokens shows when each token was last used: recorded off the request's
path, at most once per ``TOUCH_EVERY`` per token, without moving the credentials epoch."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select

from tests.web.conftest import Desk, hidden, sign_in
from ticketry import credential_cache
from ticketry.app import TicketryApp
from ticketry.domain.accounts.credentials import CredentialEpoch
from ticketry.domain.accounts.models import ApiToken


async def _last_used(app: TicketryApp, user_id: int) -> object:
    assert app.runtime is not None and app.runtime.credentials is not None
    await app.runtime.credentials.touched()
    async with app.runtime.sessionmaker() as session:
        return await session.scalar(
            select(ApiToken.last_used_at).where(ApiToken.user_id == user_id)
        )


async def _epoch(app: TicketryApp) -> int:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        return int(await session.scalar(select(CredentialEpoch.value)) or 0)


def _row_of(page: str, email: str) -> str:
    row = re.search(rf"<tr><td>{re.escape(email)}</td>.*?</tr>", page, re.S)
    assert row, page
    return row.group(0)


async def test_last_used_is_recorded_and_shown(
    client: httpx.AsyncClient, app: TicketryApp, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sign_in(client, desk)
    tokens = await client.get("/desk/settings/tokens/")
    issued = await client.post(
        "/desk/settings/tokens", data={"_csrf": hidden(tokens.text, "_csrf")}
    )
    raw = re.search(r'<code class="secret">([0-9a-f]{40})</code>', issued.text)
    assert raw
    headers = {"Authorization": f"Token {raw.group(1)}"}
    assert await _last_used(app, desk.user_id) is None

    epoch = await _epoch(app)
    assert (await client.get("/api/v2/tickets", headers=headers)).status_code == 200
    first = await _last_used(app, desk.user_id)
    assert first is not None
    assert await _epoch(app) == epoch  # no process forgets its cached credentials for it

    # Within the interval, more requests write nothing.
    for _ in range(3):
        assert (await client.get("/api/v2/tickets", headers=headers)).status_code == 200
    assert await _last_used(app, desk.user_id) == first

    page = (await client.get("/desk/settings/tokens/")).text
    assert first.strftime("%Y-%m-%d %H:%M") in _row_of(page, desk.email)  # type: ignore[attr-defined]

    # Once the interval has passed, the next use is recorded again.
    monkeypatch.setattr(credential_cache, "TOUCH_EVERY", 0.0)
    assert (await client.get("/api/v2/tickets", headers=headers)).status_code == 200
    later = await _last_used(app, desk.user_id)
    assert later is not None and later > first  # type: ignore[operator]
