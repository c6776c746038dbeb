"""What the desk's integration pages (webhooks, OAuth apps) share: the ``done`` notice after
a redirect, the answer to an unknown action, the missing-confirmation error."""

from __future__ import annotations

from litestar import Request
from litestar.exceptions import ClientException

from ticketry.web.forms import CONFIRM_FIELD, CONFIRM_MESSAGE

CONFIRM_MISSING = {CONFIRM_FIELD: [CONFIRM_MESSAGE]}


def done_notice(request: Request, allowed: tuple[str, ...]) -> str | None:
    done = request.query_params.get("done")
    return done if done in allowed else None


def unknown_action() -> ClientException:
    return ClientException(detail="Unknown action: nothing was changed.")
