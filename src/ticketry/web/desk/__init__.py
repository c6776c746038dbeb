"""The agent desk at /desk/: sign-in, the ticket list, a ticket's page, settings."""
