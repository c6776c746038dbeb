"""Swagger UI's own files for ``/api/docs/``, served from the installed
``swagger-ui-bundle-v2`` package: the docs page works without internet (a CDN made it a
blank page offline) and shows the version that was pinned and tested."""

from __future__ import annotations

from functools import cache

from swagger_ui_bundle import swagger_ui_path

ASSETS_PATH = "/api/docs/assets/"

# Only what the page uses; anything else under the prefix is a 404.
_CONTENT_TYPES = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
}


def swagger_asset_url(name: str) -> str:
    return ASSETS_PATH + name


@cache
def _read(name: str) -> bytes:
    return (swagger_ui_path / name).read_bytes()


def swagger_asset(path: str) -> tuple[bytes, str] | None:
    """The file behind ``path`` (under ``ASSETS_PATH``) and its content type, or None."""
    name = path.removeprefix(ASSETS_PATH)
    content_type = _CONTENT_TYPES.get(name)
    if content_type is None:
        return None
    return _read(name), content_type
