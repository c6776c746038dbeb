"""The customers' returns portal at /portal/<account>/."""
