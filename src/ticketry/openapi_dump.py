"""Write each face's OpenAPI document to a folder (`make openapi`); tests check for drift."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ticketry.app import create_app
from ticketry.settings import load_settings

# File name per face prefix.
FILES = {"/api/v2": "retino-v2.json"}


def documents() -> dict[str, dict[str, Any]]:
    from ticketry.api.retino.app import retino_document

    app = create_app(load_settings())
    out: dict[str, dict[str, Any]] = {}
    for prefix, face in app.faces:
        if prefix == "/api/v2":
            out[FILES[prefix]] = retino_document(face)
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
