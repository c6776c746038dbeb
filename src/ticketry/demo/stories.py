"""The demo's recent tickets, told as a shop lives them: a customer writes, an agent
answers, notes go between agents, states move over days.

They are written through the domain services (ticket create and update, messages, internal
notes, close), never as history rows, so whatever those services record (history, events,
counts) the demo has too. Each step is then moved back to the day it is told to have
happened (``_retime``): the desk shows a timeline, not a dozen changes in one second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Table, case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.accounts.models import Account, User
from ticketry.domain.base import Base
from ticketry.domain.catalog.models import TicketType
from ticketry.domain.conversations.services import internal_note_create, message_create
from ticketry.domain.tickets.commands import CustomerData, ItemData, PriceData, TicketData
from ticketry.domain.tickets.models import Ticket
from ticketry.domain.tickets.services import ticket_close, ticket_create, ticket_update
from ticketry.domain.types import utcnow

Step = tuple[float, Literal["customer", "agent", "note", "status", "close"], str]


@dataclass(frozen=True)
class Story:
    kind: str  # the ticket type's kind: the subject says the same
    subject: str
    customer: tuple[str, str]  # name, e-mail
    product: tuple[str, str, Decimal]  # name, SKU, price with VAT
    channel: str
    steps: list[Step]  # (days after filing, what, text or status)


STORIES = [
    Story(
        "return",
        "Vrácení – Galaxy S24",
        ("Jana Dvořáková", "jana.dvorakova@example.com"),
        ("Galaxy S24", "SKU-00003", Decimal("21990")),
        "portal",
        [
            (0, "customer", "Dobrý den, telefon vracím v zákonné lhůtě, nevyhovuje mi velikost."),
            (
                0.2,
                "agent",
                "Dobrý den, děkujeme. Pošlete jej prosím přes Zásilkovnu, štítek "
                "najdete v příloze e-mailu.",
            ),
            (2, "customer", "Odesláno, číslo zásilky Z4455667788."),
            (4, "note", "Balík dorazil, telefon bez známek používání. Schvaluji vrácení peněz."),
            (4.1, "agent", "Telefon jsme převzali, 21 990 Kč vám vrátíme do 5 pracovních dnů."),
            (5, "status", "solved"),
        ],
    ),
    Story(
        "complaint",
        "Reklamace – Sluchátka WH-1000XM5",
        ("Petr Svoboda", "petr.svoboda@example.com"),
        ("Sluchátka WH-1000XM5", "SKU-00008", Decimal("8990")),
        "email",
        [
            (0, "customer", "Levé sluchátko po třech měsících přestalo hrát."),
            (
                0.3,
                "agent",
                "Mrzí nás to. Zkuste prosím reset (podržet tlačítko 7 s); pokud "
                "nepomůže, pošlete sluchátka k posouzení.",
            ),
            (1, "customer", "Reset nepomohl, posílám je."),
            (3, "note", "Servis potvrdil vadu reproduktoru, uznáváme, posíláme nové kusy."),
            (3.2, "agent", "Reklamaci uznáváme, nová sluchátka vám dnes odešla."),
            (6, "close", ""),
        ],
    ),
    Story(
        "other",
        "Dotaz – Kávovar Barista",
        ("Eva Horáková", "eva.horakova@example.com"),
        ("Kávovar Barista", "SKU-00005", Decimal("12990")),
        "email",
        [
            (0, "customer", "Dobrý den, jde kávovar používat i s mletou kávou, nebo jen se zrnky?"),
            (
                0.1,
                "agent",
                "Dobrý den, ano: má zásobník na mletou kávu, stačí otočit volič na symbol lžičky.",
            ),
            (0.5, "customer", "Výborně, děkuji za rychlou odpověď."),
            (0.6, "status", "solved"),
        ],
    ),
    Story(
        "complaint",
        "Reklamace – Robotický vysavač",
        ("Tomáš Kučera", "tomas.kucera@example.com"),
        ("Robotický vysavač", "SKU-00009", Decimal("14990")),
        "portal",
        [
            (0, "customer", "Vysavač se nenabíjí, dobíjecí stanice bliká červeně."),
            (0.4, "note", "Známá vada stanic ze série 2024, u výrobce ověřit výměnu stanice."),
            (
                1,
                "agent",
                "Dobrý den, posíláme vám novou nabíjecí stanici, starou si nechte "
                "k vrácení přiložit do krabice.",
            ),
            (2, "status", "open"),
        ],
    ),
    Story(
        "return",
        "Vrácení – Bunda Softshell",
        ("Lucie Marková", "lucie.markova@example.com"),
        ("Bunda Softshell", "SKU-00007", Decimal("2390")),
        "portal",
        [
            (0, "customer", "Bunda je menší, než jsem čekala. Chci ji vrátit, ne vyměnit."),
            (0.5, "agent", "Dobrý den, v pořádku. Bundu pošlete prosím nenošenou a s visačkou."),
        ],
    ),
    Story(
        "complaint",
        "Reklamace – Trekové boty Alpin",
        ("Martin Procházka", "martin.prochazka@example.com"),
        ("Trekové boty Alpin", "SKU-00004", Decimal("4290")),
        "email",
        [
            (0, "customer", "Po dvou túrách se odlepuje podrážka na pravé botě. Fotky přikládám."),
            (0.2, "note", "Na fotkách je vidět odlepení u špičky: vada materiálu, ne opotřebení."),
        ],
    ),
    Story(
        "other",
        "Dotaz – MacBook Pro 14",
        ("Kateřina Veselá", "katerina.vesela@example.com"),
        ("MacBook Pro 14", "SKU-00002", Decimal("45000")),
        "email",
        [
            (0, "customer", "Bude MacBook Pro 14 ve stříbrné barvě znovu skladem do Vánoc?"),
        ],
    ),
    Story(
        "return",
        'Vrácení – Dětská kola 16"',
        ("Ondřej Němec", "ondrej.nemec@example.com"),
        ('Dětská kola 16"', "SKU-00006", Decimal("5490")),
        "dashboard",
        [
            (0, "customer", "Kolo je pro syna příliš velké, vracím ho nepoužité."),
            (0.3, "agent", "Dobrý den, kolo vyzvedne PPL na vaší adrese ve čtvrtek."),
            (3, "note", "Kolo dorazilo poškrábané na rámu: domluvit se se zákazníkem."),
            (
                3.1,
                "agent",
                "Kolo má poškrábaný rám, nabízíme vrácení 4 900 Kč místo celé ceny. Souhlasíte?",
            ),
        ],
    ),
]


async def _retime(session: AsyncSession, ticket_id: int, since: datetime, at: datetime) -> None:
    """Rows of the ticket written since ``since`` (just now, by the services) take ``at``
    as their time: every table that has the ticket's id and a creation time. Each column
    is set in the one statement, so no ``onupdate`` stamps "now" over it."""
    for table, key in [*((t, t.c.ticket_id) for t in _ticket_tables()), (_TICKETS, _TICKETS.c.id)]:
        columns = [c for c in ("created_at", "updated_at", "closed_at") if c in table.c]
        await session.execute(
            update(table)
            .where(key == ticket_id)
            .values({c: case((table.c[c] >= since, at), else_=table.c[c]) for c in columns})
        )


_TICKETS: Table = Ticket.__table__  # type: ignore[assignment]


def _ticket_tables() -> list[Table]:
    # The outbox's events keep their own order (the worker reads them by id, not time).
    return [
        t
        for t in Base.metadata.sorted_tables
        if "ticket_id" in t.c and "created_at" in t.c and t.name != "events"
    ]


async def demo_stories(
    session: AsyncSession, *, account: Account, agent: User, now: datetime | None = None
) -> int:
    """Write the stories into the account (its default catalog); how many tickets."""
    now = now or utcnow()
    types = dict(
        (
            await session.execute(
                select(TicketType.kind, TicketType.id)
                .where(TicketType.account_id == account.id)
                .order_by(TicketType.position.desc(), TicketType.id.desc())
            )
        ).all()
    )
    for number, story in enumerate(STORIES):
        last_day = story.steps[-1][0] if story.steps else 0
        filed = now - timedelta(days=last_day + 1 + number * 1.5, hours=number)
        await _tell(session, account, agent, story, types.get(story.kind), filed)
    return len(STORIES)


async def _tell(
    session: AsyncSession,
    account: Account,
    agent: User,
    story: Story,
    type_id: int | None,
    filed: datetime,
) -> None:
    name, email = story.customer
    product, sku, price = story.product
    since = utcnow()
    ticket = await ticket_create(
        session,
        account=account,
        actor=None,
        data=TicketData(
            subject=story.subject,
            customer=CustomerData(name=name, email=email),
            type=type_id,
            channel=story.channel,
            products=[
                ItemData(
                    name=product,
                    product_id=sku,
                    amount=Decimal(1),
                    price=PriceData(with_vat=price),
                )
            ],
        ),
    )
    await _retime(session, ticket.id, since, filed)
    assigned = False
    for days, what, text in story.steps:
        since = utcnow()
        await _step(session, account, agent, ticket, what, text, assigned)
        if what in ("agent", "note") and not assigned:
            assigned = True
        await _retime(session, ticket.id, since, filed + timedelta(days=days))
    await session.flush()


async def _step(
    session: AsyncSession,
    account: Account,
    agent: User,
    ticket: Ticket,
    what: str,
    text: str,
    assigned: bool,
) -> Any:
    if what in ("agent", "note") and not assigned:
        # The agent takes the ticket before first writing on it.
        await ticket_update(
            session, account=account, actor=agent, ref=ticket.id, data=TicketData(assignee=agent.id)
        )
    if what == "customer":
        return await message_create(
            session,
            account=account,
            ticket_ref=ticket.id,
            body=text,
            author_contact_id=ticket.requester_id,
            from_email=ticket.customer_email,
        )
    if what == "agent":
        return await message_create(
            session, account=account, ticket_ref=ticket.id, body=text, author_user=agent
        )
    if what == "note":
        return await internal_note_create(
            session, account=account, actor=agent, ticket_ref=ticket.id, text=text
        )
    if what == "status":
        return await ticket_update(
            session, account=account, actor=agent, ref=ticket.id, data=TicketData(status=text)
        )
    return await ticket_close(session, account=account, actor=agent, ref=ticket.id)
