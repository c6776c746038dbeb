"""Every model, imported once so metadata and mappers are complete."""

from ticketry.domain.accounts.credentials import CredentialEpoch
from ticketry.domain.accounts.models import Account, ApiToken, User
from ticketry.domain.accounts.sessions import DeviceSession, SigningKey
from ticketry.domain.accounts.throttle import SigninThrottleRow
from ticketry.domain.apikeys.models import ApiKey
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
from ticketry.domain.conversations.models import (
    AgentPerson,
    Contact,
    Message,
    message_attachments,
)
from ticketry.domain.events.models import Event
from ticketry.domain.files.models import StoredFile
from ticketry.domain.oauth.models import OAuthApp, OAuthCode, OAuthToken
from ticketry.domain.orders.models import Order, OrderItem, OrderStatusChange, Store
from ticketry.domain.refunds.models import CreditNote
from ticketry.domain.requests.models import IdempotencyRecord, RateLimitCounter
from ticketry.domain.tickets.models import (
    HistoryItem,
    Shipment,
    Ticket,
    TicketCodeCounter,
    TicketItem,
    ticket_tags,
)
from ticketry.domain.web.models import DeskSession, PortalAccess
from ticketry.domain.webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookFanout,
    WebhookSubscription,
    WorkerCursor,
)

__all__ = [
    "Account",
    "AgentPerson",
    "ApiKey",
    "ApiToken",
    "Base",
    "Contact",
    "CredentialEpoch",
    "CreditNote",
    "CustomField",
    "DeskSession",
    "DeviceSession",
    "Event",
    "HistoryItem",
    "IdempotencyRecord",
    "Message",
    "OAuthApp",
    "OAuthCode",
    "OAuthToken",
    "Order",
    "OrderItem",
    "OrderStatusChange",
    "PortalAccess",
    "RateLimitCounter",
    "RefundAccount",
    "Shipment",
    "ShippingRoute",
    "ShippingType",
    "SigninThrottleRow",
    "SigningKey",
    "Store",
    "StoredFile",
    "Tag",
    "Ticket",
    "TicketCodeCounter",
    "TicketItem",
    "TicketState",
    "TicketType",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookFanout",
    "WebhookSubscription",
    "WorkerCursor",
    "message_attachments",
    "ticket_tags",
]
