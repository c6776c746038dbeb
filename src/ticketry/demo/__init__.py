"""Realistic demo data (``ticketry seed``, ``ticketry demo``), bulk-loaded so a million
tickets take minutes."""

from ticketry.demo.rows import FIRST, LAST
from ticketry.demo.seed import demo_seed

__all__ = ["FIRST", "LAST", "demo_seed"]
