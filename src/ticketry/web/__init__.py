"""The browser faces: the agent desk (/desk/) and the customers' returns portal (/portal/).

Server-rendered with Jinja2; htmx (vendored in static/) only enhances, every core path works
without JavaScript."""
