"""Test fixtures: a real app on a real database (SQLite, or PostgreSQL with
TICKETRY_TEST_DB=postgres), every test in accounts of its own."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

import ticketry.domain.models  # noqa: F401
from ticketry import migrate
from ticketry.app import TicketryApp, create_app
from ticketry.domain.accounts.services import account_get_or_create, token_issue, user_get_or_create
from ticketry.domain.files.storage import (
    FileStore,
    S3FileStore,
)
from ticketry.domain.types import utcnow
from ticketry.settings import S3Settings, load_settings

BACKEND = os.environ.get("TICKETRY_TEST_DB", "sqlite")
PG_URL = os.environ.get(
    "TICKETRY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _pg_admin(sql: str) -> None:
    import asyncpg

    async def run() -> None:
        url = make_url(PG_URL)
        conn = await asyncpg.connect(
            user=url.username,
            password=url.password,
            host=url.host or "127.0.0.1",
            port=url.port or 5432,
            database=url.database or "postgres",
        )
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    if BACKEND == "postgres":
        name = f"ticketry_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        migrate.upgrade(url)
        try:
            yield url
        finally:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'test.sqlite3'}"
            migrate.upgrade(url)
            yield url


@pytest.fixture(scope="session")
def files_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)


@dataclass(frozen=True)
class S3Server:
    """moto's S3 server on loopback: a real S3 protocol endpoint that boto3 talks HTTP to."""

    endpoint_url: str
    bucket: str

    def settings(self, **extra: Any) -> S3Settings:
        values: dict[str, Any] = {
            "bucket": self.bucket,
            "endpoint_url": self.endpoint_url,
            "region": "us-east-1",
            "access_key_id": "ticketry-test",
            "secret_access_key": "ticketry-test-secret",
            "addressing_style": "path",
        }
        values.update(extra)
        return S3Settings(**values)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    s3 = S3Server(endpoint_url=f"http://{host}:{port}", bucket="ticketry-test")
    S3FileStore(s3.settings()).client.create_bucket(Bucket=s3.bucket)
    try:
        yield s3
    finally:
        server.stop()


@contextmanager
def using_store(app: TicketryApp, store: FileStore) -> Iterator[FileStore]:
    """The app's file store is ``store`` for the block (each app has its own)."""
    assert app.runtime is not None
    previous = app.runtime.file_store
    app.runtime.file_store = store
    try:
        yield store
    finally:
        app.runtime.file_store = previous


@pytest.fixture(params=["local", "s3"])
def any_store(request: pytest.FixtureRequest, app: TicketryApp) -> Iterator[FileStore]:
    """Runs a test once on the local directory store and once on an S3 bucket."""
    assert app.runtime is not None
    if request.param == "local":
        yield app.runtime.files()
        return
    s3: S3Server = request.getfixturevalue("s3_server")
    prefix = f"run-{uuid.uuid4().hex[:8]}"
    with using_store(app, S3FileStore(s3.settings(prefix=prefix))) as store:
        yield store


@pytest.fixture(scope="session")
async def app(database_url: str, files_dir: Path) -> AsyncIterator[TicketryApp]:
    settings = replace(load_settings(), database_url=database_url, files_dir=files_dir)
    application = create_app(settings)
    await application.startup()
    yield application
    await application.shutdown()


def fresh_address() -> str:
    """A client address of its own, so that one test's failed sign-ins (throttled per
    address) do not hold up another's."""
    raw = uuid.uuid4().bytes
    return f"10.{raw[0]}.{raw[1]}.{raw[2] or 1}"


@pytest.fixture
async def client(app: TicketryApp) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(fresh_address(), 123))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


class FakeClock:
    """The sign-in throttle's clock, moved by hand (no test waits for a window to pass)."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def signin_clock(app: TicketryApp) -> Iterator[FakeClock]:
    """The app's sign-in throttle on a clock of the test's."""
    from ticketry.http.signin import signin_throttle_for

    assert app.runtime is not None
    runtime = app.runtime
    if runtime.signin_throttle is None:
        runtime.signin_throttle = signin_throttle_for(runtime.settings, runtime.engine)
    clock = FakeClock()
    previous = runtime.signin_throttle.clock
    runtime.signin_throttle.clock = clock
    try:
        yield clock
    finally:
        runtime.signin_throttle.clock = previous


@pytest.fixture
async def db(app: TicketryApp) -> AsyncIterator[AsyncSession]:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        yield session


@dataclass
class Tenant:
    slug: str
    token: str
    account_id: int
    user_public_id: uuid.UUID

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.token}"}


async def make_tenant(app: TicketryApp, role: str = "admin", slug: str | None = None) -> Tenant:
    assert app.runtime is not None
    slug = slug or f"t-{uuid.uuid4().hex[:10]}"
    async with app.runtime.sessionmaker() as session:
        account, _ = await account_get_or_create(session, slug=slug)
        user, _ = await user_get_or_create(
            session, account=account, email=f"{role}-{uuid.uuid4().hex[:6]}@{slug}.test", role=role
        )
        raw = await token_issue(session, user=user)
        await session.commit()
        return Tenant(slug=slug, token=raw, account_id=account.id, user_public_id=user.public_id)


@pytest.fixture
async def tenant(app: TicketryApp) -> Tenant:
    return await make_tenant(app)


@pytest.fixture
async def other_tenant(app: TicketryApp) -> Tenant:
    return await make_tenant(app)


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    def read(self, statement: str) -> None:
        """A statement of the read path (``ticketry.readpath``), which skips the engine."""
        self.statements.append(statement)

    @property
    def selects(self) -> int:
        """Statements that read (transaction control and bookkeeping writes aside)."""
        return sum(1 for s in self.statements if s.lstrip().upper().startswith(("SELECT", "WITH")))

    @property
    def count(self) -> int:
        return len(self.statements)


def runtime_engines(app: TicketryApp) -> list[Any]:
    """The app's engines (on SQLite, read-only sessions have one of their own)."""
    assert app.runtime is not None
    engines = [app.runtime.engine.sync_engine]
    if app.runtime.read_engine is not None:
        engines.append(app.runtime.read_engine.sync_engine)
    return engines


@pytest.fixture
def count_queries(app: TicketryApp) -> Any:
    @contextmanager
    def counter() -> Iterator[QueryCounter]:
        assert app.runtime is not None
        engines = runtime_engines(app)
        reads = app.runtime.read_path
        qc = QueryCounter()
        for engine in engines:
            event.listen(engine, "before_cursor_execute", qc)
        if reads is not None:
            reads.observers.append(qc.read)
        try:
            yield qc
        finally:
            for engine in engines:
                event.remove(engine, "before_cursor_execute", qc)
            if reads is not None:
                reads.observers.remove(qc.read)

    return counter
