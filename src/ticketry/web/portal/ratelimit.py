"""Order look-ups per client address and account: a sliding window kept in this process.

Each server process counts on its own, so with N workers a client gets at most N times the
limit; that still turns guessing order numbers and e-mails into a crawl, which is the point.
The address is the connection's peer (put a proxy's forwarded address into the ASGI scope
with the server's proxy-headers option when behind one).
"""

from __future__ import annotations

import time
from collections import deque

LOOKUPS_PER_WINDOW = 10
WINDOW_SECONDS = 15 * 60
_MAX_KEYS = 50_000


class LookupLimiter:
    def __init__(self, limit: int = LOOKUPS_PER_WINDOW, window: float = WINDOW_SECONDS) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[tuple[str, str], deque[float]] = {}

    def allow(self, address: str, account: str) -> bool:
        """Count one attempt; False when the key has used up its window."""
        now = time.monotonic()
        key = (address, account)
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= _MAX_KEYS:
                self._sweep(now)
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True

    def _sweep(self, now: float) -> None:
        for key in [k for k, h in self._hits.items() if not h or h[-1] <= now - self.window]:
            del self._hits[key]
        if len(self._hits) >= _MAX_KEYS:  # still full: forget the oldest half
            for key in list(self._hits)[: _MAX_KEYS // 2]:
                del self._hits[key]

    def reset(self) -> None:
        self._hits.clear()
