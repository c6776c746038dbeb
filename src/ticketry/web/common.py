"""What both browser faces share: templates, static files, security headers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.datastructures import ResponseHeader
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ControllerRouterHandler

from ticketry.web.i18n import localized

WEB_DIR = Path(__file__).parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"

# Pages embed no third-party content; scripts come only from our own static files.
SECURITY_HEADERS = [
    ResponseHeader(
        name="Content-Security-Policy",
        value=(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
        ),
    ),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="same-origin"),
    ResponseHeader(name="X-Frame-Options", value="DENY"),
]


def _datetime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.strftime(fmt) if value else ""


def _amount(value: Any) -> str:
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    def setup(engine: JinjaTemplateEngine) -> None:
        env = engine.engine
        env.filters["dt"] = _datetime
        env.filters["amount"] = _amount
        env.filters["localized"] = localized
        env.trim_blocks = True
        env.lstrip_blocks = True

    return TemplateConfig(
        directory=TEMPLATES_DIR, engine=JinjaTemplateEngine, engine_callback=setup
    )


def static_router(path: str) -> ControllerRouterHandler:
    return create_static_files_router(
        path=path, directories=[STATIC_DIR], include_in_schema=False, name=f"static{path}"
    )
