"""Paymenter's ticket vocabulary ↔ the domain's (docs/paymenter.md, "One ticket, two faces").

Status: open ↔ new/open, replied ↔ pending, closed ↔ solved/closed.
Priority: low/medium/high ↔ the same; the domain's urgent is shown as high.
A write that names what the ticket already shows changes nothing (an urgent ticket PUT
back with ``high`` stays urgent; a new ticket set ``open`` stays new).
"""

from __future__ import annotations

STATUSES = ("open", "closed", "replied")
PRIORITIES = ("low", "medium", "high")

_STATUS_OUT = {
    "new": "open",
    "open": "open",
    "pending": "replied",
    "solved": "closed",
    "closed": "closed",
}
_STATUS_FILTER = {"open": ["new", "open"], "replied": ["pending"], "closed": ["solved", "closed"]}
_STATUS_IN = {"open": "open", "replied": "pending", "closed": "closed"}
_STATUS_IN_NEW = {"open": "new", "replied": "pending", "closed": "closed"}
_PRIORITY_FILTER = {"low": ["low"], "medium": ["medium"], "high": ["high", "urgent"]}


def status_out(domain_status: str) -> str:
    return _STATUS_OUT.get(domain_status, "open")


def priority_out(domain_priority: str) -> str:
    return "high" if domain_priority == "urgent" else domain_priority


def status_for_create(status: str) -> str:
    return _STATUS_IN_NEW[status]


def status_for_update(status: str, current: str) -> str | None:
    """The domain status to set, or None when the ticket already shows ``status``."""
    return None if status_out(current) == status else _STATUS_IN[status]


def priority_for_update(priority: str, current: str) -> str | None:
    return None if priority_out(current) == priority else priority


def statuses_matching(values: list[str]) -> list[str]:
    """Domain statuses shown as any of ``values`` (case-insensitive; unknown match none)."""
    out: list[str] = []
    for value in values:
        out += _STATUS_FILTER.get(value.lower(), [])
    return out


def priorities_matching(values: list[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        out += _PRIORITY_FILTER.get(value.lower(), [])
    return out
