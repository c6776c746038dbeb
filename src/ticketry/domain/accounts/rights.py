"""What each role may do. A user's extra ``rights`` add to those of the role."""

from __future__ import annotations

from ticketry.domain.accounts.models import User

TICKETS_VIEW = "tickets.view"
TICKETS_EDIT = "tickets.edit"
ORDERS_VIEW = "orders.view"
ORDERS_EDIT = "orders.edit"
SETTINGS_MANAGE = "settings.manage"

ROLE_RIGHTS: dict[str, frozenset[str]] = {
    "admin": frozenset({TICKETS_VIEW, TICKETS_EDIT, ORDERS_VIEW, ORDERS_EDIT, SETTINGS_MANAGE}),
    "agent": frozenset({TICKETS_VIEW, TICKETS_EDIT, ORDERS_VIEW, ORDERS_EDIT}),
    "viewer": frozenset({TICKETS_VIEW, ORDERS_VIEW}),
}
ROLES = tuple(ROLE_RIGHTS)


def user_rights(user: User) -> frozenset[str]:
    return ROLE_RIGHTS.get(user.role, frozenset()) | frozenset(user.rights or ())


def user_has_right(user: User, right: str) -> bool:
    return right in user_rights(user)
