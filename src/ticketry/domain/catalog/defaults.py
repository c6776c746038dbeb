"""The reference data a new account starts with, so it can take tickets at once."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import Account
from ticketry.domain.catalog.departments import departments_install_defaults
from ticketry.domain.catalog.models import (
    CustomField,
    RefundAccount,
    ShippingRoute,
    ShippingType,
    Tag,
    TicketState,
    TicketType,
)

DEFAULT_STATES = [
    ({"cs": "Nový", "en": "New"}, "new", True),
    ({"cs": "Řeší se", "en": "In progress"}, "open", True),
    ({"cs": "Čeká na zákazníka", "en": "Waiting for customer"}, "pending", True),
    ({"cs": "Čeká na dopravce", "en": "Waiting for carrier"}, "pending", False),
    ({"cs": "Vyřešeno", "en": "Solved"}, "solved", True),
    ({"cs": "Uzavřeno", "en": "Closed"}, "closed", True),
]
DEFAULT_TYPES = [
    ({"cs": "Vrácení", "en": "Return"}, "return"),
    ({"cs": "Reklamace", "en": "Complaint"}, "complaint"),
    ({"cs": "Dotaz", "en": "Question"}, "other"),
]
DEFAULT_TAGS = [
    ({"cs": "VIP", "en": "VIP"}, "vip", "#ffffff", "#c62828"),
    ({"cs": "Urgentní", "en": "Urgent"}, "urgent", "#000000", "#ffb300"),
    ({"cs": "Poškozeno při přepravě", "en": "Damaged in transit"}, "damaged", "#ffffff", "#6a1b9a"),
]


async def catalog_install_defaults(session: AsyncSession, *, account: Account) -> None:
    aid = account.id
    departments_install_defaults(session, account_id=aid)
    for pos, (name, status, is_default) in enumerate(DEFAULT_STATES):
        session.add(
            TicketState(
                account_id=aid, name=name, status=status, is_default=is_default, position=pos
            )
        )
    for pos, (name, kind) in enumerate(DEFAULT_TYPES):
        session.add(TicketType(account_id=aid, name=name, kind=kind, position=pos))
    for name, label, fg, bg in DEFAULT_TAGS:
        session.add(Tag(account_id=aid, name=name, label=label, fgcolor=fg, bgcolor=bg))
    session.add_all(
        [
            CustomField(
                account_id=aid,
                target="ticket",
                key="resolve_by",
                type="DATE",
                position=0,
                name={"cs": "Vyřídit do", "en": "Resolve by"},
            ),
            CustomField(
                account_id=aid,
                target="ticket",
                key="refund_account",
                type="BANK_ACCOUNT",
                position=1,
                name={"cs": "Číslo účtu pro vrácení", "en": "Refund bank account"},
            ),
        ]
    )
    condition_id = uuid.uuid4()
    session.add(
        CustomField(
            account_id=aid,
            public_id=condition_id,
            target="product",
            key=str(condition_id),
            type="SINGLE_SELECT",
            position=0,
            name={"cs": "Stav zboží", "en": "Condition"},
            options=[
                {"id": str(uuid.uuid4()), "label": {"cs": "Nové", "en": "New"}},
                {"id": str(uuid.uuid4()), "label": {"cs": "Použité", "en": "Used"}},
                {"id": str(uuid.uuid4()), "label": {"cs": "Poškozené", "en": "Damaged"}},
            ],
        )
    )
    to_address = ShippingType(
        account_id=aid, code="TO_ADDRESS", name={"cs": "Na adresu", "en": "To address"}
    )
    to_branch = ShippingType(
        account_id=aid, code="TO_BRANCH", name={"cs": "Na výdejní místo", "en": "To pickup point"}
    )
    session.add_all([to_address, to_branch])
    await session.flush()
    session.add_all(
        [
            ShippingRoute(
                account_id=aid,
                name={"cs": "Zásilkovna – výdejní místo", "en": "Packeta – pickup point"},
                carrier="PACKETA",
                shipping_type_id=to_branch.id,
                countries=["CZ", "SK"],
            ),
            ShippingRoute(
                account_id=aid,
                name={"cs": "PPL – na adresu", "en": "PPL – to address"},
                carrier="PPL",
                shipping_type_id=to_address.id,
                countries=["CZ"],
            ),
        ]
    )
    session.add(
        RefundAccount(
            account_id=aid,
            name="Main account",
            bank_account="2400123456/2010",
            currency=account.currency,
            due_date=14,
        )
    )
    await session.flush()
