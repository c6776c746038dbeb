"""Ticketry: one ticket store, served as the Retino, Next Commerce, Paymenter and PORTOS APIs."""

__version__ = "0.1.0"
