"""Who a token belongs to is remembered per process, and forgotten when any process changes
credentials: a token revoked by another process (the CLI) stops working here too."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Tenant
from ticketry.app import TicketryApp
from ticketry.domain.accounts.models import User

CLI = Path(sys.executable).with_name("ticketry")


async def test_a_remembered_token_costs_no_statement(
    client: httpx.AsyncClient, tenant: Tenant, count_queries: Any
) -> None:
    assert (await client.get("/api/v2/states", headers=tenant.headers)).status_code == 200
    with count_queries() as qc:
        r = await client.get("/api/v2/states", headers=tenant.headers)
    assert r.status_code == 200
    assert not any("api_tokens" in s for s in qc.statements), qc.statements


async def test_a_change_in_this_process_applies_at_once(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant
) -> None:
    assert (await client.get("/api/v2/states", headers=tenant.headers)).status_code == 200
    user = await db.scalar(select(User).where(User.public_id == tenant.user_public_id))
    assert user is not None
    user.role = "viewer"  # viewers may not write tickets
    await db.commit()
    r = await client.post("/api/v2/tickets", json={}, headers=tenant.headers)
    assert r.status_code == 403, r.text


async def test_a_revocation_by_another_process_reaches_this_one(
    app: TicketryApp, client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant
) -> None:
    assert app.runtime is not None
    email = await db.scalar(select(User.email).where(User.public_id == tenant.user_public_id))
    await db.rollback()  # on SQLite this session's transaction would hold the write lock
    assert (await client.get("/api/v2/states", headers=tenant.headers)).status_code == 200
    env = {**os.environ, "TICKETRY_DATABASE_URL": app.runtime.settings.database_url}
    proc = await asyncio.create_subprocess_exec(
        str(CLI),
        *("token", "revoke", "--account", tenant.slug, "--email", str(email)),
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()
    # The other process's commit reaches this one through the epoch (NOTIFY on
    # PostgreSQL, a 50 ms poll on SQLite); a generous deadline, no timing asserted.
    deadline = time.monotonic() + 10
    status = 200
    while time.monotonic() < deadline:
        status = (await client.get("/api/v2/states", headers=tenant.headers)).status_code
        if status == 401:
            break
        await asyncio.sleep(0.02)
    assert status == 401
