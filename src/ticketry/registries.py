"""What the program is assembled from, built once by ``app.py`` and ``cli.py``.

The only place outside ``app.py`` that names every face: each face registers what it
contributes to the shared runtime, and the worker and the desk are handed the result.
"""

from __future__ import annotations

from ticketry.api.nextcommerce import webhook_events as nextcommerce_webhooks
from ticketry.api.retino import webhook_events as retino_webhooks
from ticketry.domain.webhooks.flavours import Flavours
from ticketry.settings import Settings


def webhook_flavours(settings: Settings | None = None) -> Flavours:
    """Every face's webhook payload format (Retino's first: the default), configured from
    the runtime's ``settings`` (None: the process's)."""
    registry = Flavours()
    retino_webhooks.register(registry)
    nextcommerce_webhooks.register(registry, settings)
    return registry
