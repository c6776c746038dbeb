"""Every model, imported once so metadata and mappers are complete."""

from ticketry.domain.accounts.models import Account, ApiToken, User
from ticketry.domain.base import Base
from ticketry.domain.catalog.models import (
    CustomField,
    RefundAccount,
    ShippingRoute,
    ShippingType,
    Tag,
    TicketState,
    TicketType,
)
from ticketry.domain.conversations.models import Contact, Message, message_attachments
from ticketry.domain.events.models import Event
from ticketry.domain.files.models import StoredFile
from ticketry.domain.orders.models import Order, OrderItem, OrderStatusChange, Store
from ticketry.domain.refunds.models import CreditNote
from ticketry.domain.tickets.models import (
    HistoryItem,
    Shipment,
    Ticket,
    TicketCodeCounter,
    TicketItem,
    ticket_tags,
)

__all__ = [
    "Account",
    "ApiToken",
    "Base",
    "Contact",
    "CreditNote",
    "CustomField",
    "Event",
    "HistoryItem",
    "Message",
    "Order",
    "OrderItem",
    "OrderStatusChange",
    "RefundAccount",
    "Shipment",
    "ShippingRoute",
    "ShippingType",
    "Store",
    "StoredFile",
    "Tag",
    "Ticket",
    "TicketCodeCounter",
    "TicketItem",
    "TicketState",
    "TicketType",
    "User",
    "message_attachments",
    "ticket_tags",
]
