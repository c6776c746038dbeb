"""Editing an account's departments (create, update, delete) and reading their names, the
values a ticket's ``department`` may take whichever face (or the desk) writes it."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.catalog.checks import (
    constraint_as_field_error,
    position_after_last,
    position_check,
)
from ticketry.domain.catalog.models import Department
from ticketry.domain.errors import Code, ErrorCollector
from ticketry.domain.refs import Ref, ref_get_or_404
from ticketry.domain.tickets.models import Ticket
from ticketry.domain.validation import check_text

# What a new account starts with: Paymenter's own default setting ("Support,Sales") and
# the two departments the seed document's examples file tickets under.
DEFAULT_DEPARTMENTS = ("Support", "Sales", "billing", "technical")


async def department_names(session: AsyncSession, account_id: int) -> list[str]:
    """The account's department names, in the admin's order."""
    rows = await session.scalars(
        select(Department.name)
        .where(Department.account_id == account_id)
        .order_by(Department.position, Department.id)
    )
    return list(rows)


async def departments_all(session: AsyncSession, *, account_id: int) -> list[Department]:
    rows = await session.scalars(
        select(Department)
        .where(Department.account_id == account_id)
        .order_by(Department.position, Department.id)
    )
    return list(rows)


def departments_install_defaults(session: AsyncSession, *, account_id: int) -> None:
    session.add_all(
        Department(account_id=account_id, name=name, position=pos)
        for pos, name in enumerate(DEFAULT_DEPARTMENTS)
    )


async def _name_checked(
    session: AsyncSession,
    errors: ErrorCollector,
    account_id: int,
    name: str,
    but: int | None = None,
) -> str:
    name = name.strip()
    if not name:
        errors.add("name", Code.BLANK)
    elif check_text(errors, "name", name, Department.name):
        stmt = select(Department.id).where(
            Department.account_id == account_id, Department.name == name
        )
        if but is not None:
            stmt = stmt.where(Department.id != but)
        if await session.scalar(stmt.limit(1)) is not None:
            errors.add("name", _taken(name))
    return name


def _taken(name: str) -> str:
    return f'A department named "{name}" already exists.'


async def department_create(
    session: AsyncSession, *, account_id: int, name: str, position: int | None = None
) -> Department:
    """A new department, last unless ``position`` says otherwise; names are unique."""
    errors = ErrorCollector()
    name = await _name_checked(session, errors, account_id, name)
    position_check(errors, position)
    errors.raise_if_any()
    if position is None:
        position = await position_after_last(
            session, Department, Department.account_id == account_id
        )
    department = Department(account_id=account_id, name=name, position=position)
    async with constraint_as_field_error(session, "name", _taken(name)):
        session.add(department)
    return department


async def department_update(
    session: AsyncSession, *, account_id: int, ref: Ref, name: str, position: int | None = None
) -> Department:
    """Rename or reorder a department; ``position`` None: unchanged. A rename carries the
    account's tickets filed under the old name along, so none is left under a name that no
    longer exists."""
    department = await ref_get_or_404(
        session, Department, account_id=account_id, ref=ref, for_update=True
    )
    errors = ErrorCollector()
    name = await _name_checked(session, errors, account_id, name, but=department.id)
    position_check(errors, position)
    errors.raise_if_any()
    old = department.name
    async with constraint_as_field_error(session, "name", _taken(name)):
        department.name = name
        if position is not None:
            department.position = position
    if old != name:
        await session.execute(
            update(Ticket)
            .where(Ticket.account_id == account_id, Ticket.department == old)
            .values(department=name)
            .execution_options(synchronize_session=False)
        )
    return department


async def department_delete(session: AsyncSession, *, account_id: int, ref: Ref) -> None:
    """Remove a department from the choices. Tickets filed under it keep the name (as in
    Paymenter, where the department is text on the ticket); new ones cannot take it."""
    department = await ref_get_or_404(
        session, Department, account_id=account_id, ref=ref, for_update=True
    )
    await session.delete(department)
    await session.flush()
