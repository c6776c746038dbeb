"""Stop signals that arrive before a process is ready to act on them.

Granian forks its workers from the server process, and a forked child keeps its parent's
Python signal handlers: Granian's own, which only flips a flag on the parent's server
object (the child's copy of it, which nobody reads). Until the worker has imported the app
and installed its event loop's handlers, a ``SIGTERM`` from the server (or a ``SIGINT``
from a terminal, sent to the whole process group) was swallowed, and the server then
waited for that worker forever.

``catch_early`` (run in each forked child, ``os.register_at_fork``) keeps such a signal
instead; ``replay`` sends it again once the app has started, when the loop's handlers are
in place and the worker stops as it would have.
"""

from __future__ import annotations

import os
import signal
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

_caught: list[int] = []


def _keep(signum: int, _frame: FrameType | None) -> None:
    if signum not in _caught:
        _caught.append(signum)


def catch_early() -> None:
    """Keep stop signals for ``replay`` (until something installs its own handlers)."""
    _caught.clear()
    for sig in STOP_SIGNALS:
        signal.signal(sig, _keep)


def catch_early_in_forked_children() -> None:
    """Make every child this process forks from now on ``catch_early``."""
    os.register_at_fork(after_in_child=catch_early)


def replay() -> bool:
    """Send this process the stop signals kept so far, once; whether there were any."""
    kept = list(_caught)
    _caught.clear()
    for sig in kept:
        signal.raise_signal(sig)
    return bool(kept)


def caught() -> bool:
    return bool(_caught)
