"""What the browser faces (agent desk, returns portal) keep: sign-in sessions, portal links."""
