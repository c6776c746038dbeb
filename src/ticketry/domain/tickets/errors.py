"""Ticket errors beyond the common hierarchy (domain/errors.py) that faces render apart."""

from __future__ import annotations

from ticketry.domain.errors import Conflict, Forbidden


class VersionMismatch(Conflict):
    """The client wrote against a version of the resource that is no longer current."""

    def __init__(self, *, name: str, id: str, version: int) -> None:
        super().__init__(f"{name} {id} is at version {version}.")
        self.name, self.id, self.version = name, id, version


class TicketClosed(Forbidden):
    def __init__(self) -> None:
        super().__init__("The ticket is closed; closed tickets cannot be changed.")
