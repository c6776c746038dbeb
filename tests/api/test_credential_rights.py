"""Each face only maps its credential onto the domain's rights; the domain policy decides
(``tickets/policy.py``). The mappings, side by side: equal credentials decide alike on
every face, and each permission or scope opens exactly the writes its vendor documents."""

from __future__ import annotations

import pytest

from ticketry.api.nextcommerce.deps import grant_of as scopes_grant
from ticketry.api.paymenter.auth import PERMISSION_RIGHTS
from ticketry.api.paymenter.auth import grant_of as key_grant
from ticketry.domain.accounts.rights import (
    MESSAGES_DELETE,
    MESSAGES_VIEW,
    MESSAGES_WRITE,
    TICKETS_CREATE,
    TICKETS_DELETE,
    TICKETS_EDIT,
    TICKETS_UPDATE,
    TICKETS_VIEW,
    Grant,
)
from ticketry.domain.errors import RightMissing
from ticketry.domain.tickets.policy import access_check

TICKET_RIGHTS = (
    TICKETS_VIEW,
    TICKETS_CREATE,
    TICKETS_UPDATE,
    TICKETS_DELETE,
    MESSAGES_VIEW,
    MESSAGES_WRITE,
    MESSAGES_DELETE,
)


def allowed(grant: Grant) -> set[str]:
    """The rights the domain policy lets ``grant`` use."""
    out = set()
    for right in TICKET_RIGHTS:
        try:
            access_check(actor=None, grant=grant, right=right)
        except RightMissing:
            continue
        out.add(right)
    return out


def test_a_full_key_and_a_read_write_token_decide_alike() -> None:
    full_key = key_grant(list(PERMISSION_RIGHTS))
    token = scopes_grant(frozenset({"tickets:read", "tickets:write"}))
    assert allowed(full_key) == allowed(token) == set(TICKET_RIGHTS)
    # The admin scopes are the ticket scopes' equals.
    assert allowed(scopes_grant(frozenset({"admin:read", "admin:write"}))) == allowed(token)


@pytest.mark.parametrize(
    ("permission", "right"),
    [
        ("admin.tickets.view", TICKETS_VIEW),
        ("admin.tickets.create", TICKETS_CREATE),
        ("admin.tickets.update", TICKETS_UPDATE),
        ("admin.tickets.delete", TICKETS_DELETE),
        ("admin.ticket_messages.view", MESSAGES_VIEW),
        ("admin.ticket_messages.create", MESSAGES_WRITE),
        ("admin.ticket_messages.delete", MESSAGES_DELETE),
    ],
)
def test_each_paymenter_permission_opens_one_right(permission: str, right: str) -> None:
    assert allowed(key_grant([permission])) == {right}


def test_keys_without_ticket_permissions_may_do_nothing_here() -> None:
    assert allowed(key_grant(["admin.users.view", "admin.invoices.create"])) == set()


def test_next_commerce_reads_and_writes_do_not_imply_each_other() -> None:
    reads = scopes_grant(frozenset({"tickets:read"}))
    writes = scopes_grant(frozenset({"tickets:write"}))
    assert allowed(reads) == {TICKETS_VIEW, MESSAGES_VIEW}
    assert allowed(writes) == {
        TICKETS_CREATE,
        TICKETS_UPDATE,
        TICKETS_DELETE,
        MESSAGES_WRITE,
        MESSAGES_DELETE,
    }
    # What the face's guard asks of a write route, the policy answers from the scopes.
    access_check(actor=None, grant=writes, right=TICKETS_EDIT)
    with pytest.raises(RightMissing):
        access_check(actor=None, grant=reads, right=TICKETS_EDIT)
