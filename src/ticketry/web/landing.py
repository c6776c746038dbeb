"""``GET /``: what a newcomer meets first. A page for a browser linking the desk, the
portal, the docs and every face; the same facts as JSON for ``Accept: application/json``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2

from ticketry.web.common import TEMPLATES_DIR


@dataclass(frozen=True)
class Face:
    key: str
    name: str
    base: str
    schema: str
    auth: str


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("landing.html")


def landing_json(faces: list[Face], *, docs: str, desk: str, portal: str) -> dict[str, Any]:
    return {
        "name": "Ticketry",
        "docs": docs,
        "desk": desk,
        "portal": portal,
        "apis": {
            f.key: {"name": f.name, "base": f.base, "schema": f.schema, "auth": f.auth}
            for f in faces
        },
    }


def landing_html(faces: list[Face], *, docs: str, desk: str, portal: str) -> str:
    return _template().render(
        faces=faces, docs=docs, desk=desk, portal=portal, static_prefix=desk + "static"
    )


def wants_html(accept: str) -> bool:
    """A browser asks for ``text/html`` first; a client asking for JSON (or for nothing in
    particular, as curl does) keeps the JSON it always had."""
    html = json = -1.0
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media = media.strip().lower()
        if media in ("text/html", "application/xhtml+xml"):
            html = max(html, quality)
        elif media in ("application/json", "application/*"):
            json = max(json, quality)
    return html > 0 and html >= json
