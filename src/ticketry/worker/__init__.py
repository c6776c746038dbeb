"""Outbox dispatch: webhooks and other after-commit work (``ticketry worker``)."""
