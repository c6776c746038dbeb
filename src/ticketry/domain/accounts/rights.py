"""What each role may do. A user's extra ``rights`` add to those of the role.

The same rights name what a credential lets its bearer do (``Grant``): each face maps its
own credential onto them (Paymenter's API-key permissions, Next Commerce's OAuth scopes),
and the domain's policies (``domain/tickets/policy.py``) decide with them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ticketry.domain.accounts.models import User

TICKETS_VIEW = "tickets.view"
TICKETS_EDIT = "tickets.edit"
ORDERS_VIEW = "orders.view"
ORDERS_EDIT = "orders.edit"
SETTINGS_MANAGE = "settings.manage"
# The single writes ``tickets.edit`` stands for, for credentials that grant them one by one.
TICKETS_CREATE = "tickets.create"
TICKETS_UPDATE = "tickets.update"
TICKETS_DELETE = "tickets.delete"
MESSAGES_VIEW = "messages.view"
MESSAGES_WRITE = "messages.write"
MESSAGES_DELETE = "messages.delete"

# What a right includes (a user with tickets.edit may do each single ticket write).
IMPLIED: dict[str, frozenset[str]] = {
    TICKETS_VIEW: frozenset({MESSAGES_VIEW}),
    TICKETS_EDIT: frozenset(
        {TICKETS_CREATE, TICKETS_UPDATE, TICKETS_DELETE, MESSAGES_WRITE, MESSAGES_DELETE}
    ),
}

ROLE_RIGHTS: dict[str, frozenset[str]] = {
    "admin": frozenset({TICKETS_VIEW, TICKETS_EDIT, ORDERS_VIEW, ORDERS_EDIT, SETTINGS_MANAGE}),
    "agent": frozenset({TICKETS_VIEW, TICKETS_EDIT, ORDERS_VIEW, ORDERS_EDIT}),
    "viewer": frozenset({TICKETS_VIEW, ORDERS_VIEW}),
}
ROLES = tuple(ROLE_RIGHTS)


def rights_expand(rights: frozenset[str]) -> frozenset[str]:
    """``rights`` with what each of them includes."""
    return rights.union(*(IMPLIED.get(r, frozenset()) for r in rights))


def user_rights(user: User) -> frozenset[str]:
    return ROLE_RIGHTS.get(user.role, frozenset()) | frozenset(user.rights or ())


def user_has_right(user: User, right: str) -> bool:
    return right in rights_expand(user_rights(user))


@dataclass(frozen=True)
class Grant:
    """What a credential lets its bearer do, whoever it acts for: an API key's permissions
    or an OAuth token's scopes, mapped to rights by the face that accepted it. A grant never
    widens what the acting user's role allows; both must allow a write."""

    rights: frozenset[str]

    def allows(self, right: str) -> bool:
        # Exactly what the face mapped, nothing implied: a vendor's permissions are as
        # narrow as it made them (Paymenter's tickets.view does not show messages).
        return right in self.rights
