"""Next Commerce (Django REST framework) error shapes: ``{"field": ["msg"]}`` for bad input,
``{"detail": "msg"}`` for everything else."""

from __future__ import annotations

from litestar import Request, Response

from ticketry.api.common.drf_errors import detail_response, drf_exception_handlers


class BadVersion(Exception):
    """An ``X-29Next-Api-Version`` value this server does not serve."""


def bad_version(_: Request, exc: Exception) -> Response:
    return detail_response(400, str(exc))


EXCEPTION_HANDLERS = drf_exception_handlers(
    logger_name="ticketry.api.nextcommerce",
    authenticate_header='Bearer realm="api"',
    extra={BadVersion: bad_version},
)
