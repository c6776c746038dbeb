"""Exit 0 when the test PostgreSQL answers, 1 otherwise (used by `make test`)."""

from __future__ import annotations

import asyncio
import os
import sys

import asyncpg
from sqlalchemy.engine import make_url


async def _check(url: str) -> None:
    parsed = make_url(url)
    conn = await asyncpg.connect(
        user=parsed.username,
        password=parsed.password,
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        database=parsed.database or "postgres",
        timeout=5,
    )
    await conn.close()


def main() -> int:
    url = os.environ.get(
        "TICKETRY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    try:
        asyncio.run(_check(url))
    except Exception as exc:
        print(f"PostgreSQL not reachable at {url}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
