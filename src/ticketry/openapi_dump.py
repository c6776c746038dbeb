"""Write each face's OpenAPI document to a folder (`make openapi`); tests check for drift."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ticketry.app import create_app
from ticketry.settings import load_settings

# File name per face prefix.
FILES = {
    "/api/v2": "retino-v2.json",
    "/api/admin": "nextcommerce.json",
    "/api/v1/admin": "paymenter.json",
    "/api/portos": "portos.json",
}


def documents() -> dict[str, dict[str, Any]]:
    from ticketry.api.retino.app import retino_document

    app = create_app(load_settings())
    out: dict[str, dict[str, Any]] = {}
    for prefix, face in app.faces:
        if prefix == "/api/v2":
            out[FILES[prefix]] = retino_document(face)
        elif prefix == "/api/admin":
            from ticketry.api.nextcommerce.app import nextcommerce_document

            out[FILES[prefix]] = nextcommerce_document(face)
        elif prefix == "/api/v1/admin":
            from ticketry.api.paymenter.app import paymenter_document

            out[FILES[prefix]] = paymenter_document(face)
        elif prefix == "/api/portos":
            from ticketry.api.portos.app import portos_document

            out[FILES[prefix]] = portos_document(face)
    return out


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    target = Path(argv[0] if argv else "docs/openapi")
    target.mkdir(parents=True, exist_ok=True)
    for name, doc in documents().items():
        (target / name).write_text(render(doc), encoding="utf-8")
        print(f"wrote {target / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
