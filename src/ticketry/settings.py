"""One settings object, read once from the environment (``TICKETRY_*``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"{name} must be an integer, got {raw!r}") from exc


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def default_database_url(var_dir: Path) -> str:
    return f"sqlite:///{(var_dir / 'ticketry.sqlite3').resolve()}"


@dataclass(frozen=True)
class Settings:
    var_dir: Path
    database_url: str
    files_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    max_body_bytes: int = 10 * 1024 * 1024
    max_file_bytes: int = 10 * 1024 * 1024
    default_page_size: int = 20
    max_page_size: int = 100
    db_pool_size: int = 10
    time_zone: str = "UTC"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings() -> Settings:
    var_dir = Path(os.environ.get("TICKETRY_VAR_DIR", "var"))
    database_url = os.environ.get("TICKETRY_DATABASE_URL") or default_database_url(var_dir)
    files_dir = Path(os.environ.get("TICKETRY_FILES_DIR", str(var_dir / "files")))
    return Settings(
        var_dir=var_dir,
        database_url=database_url,
        files_dir=files_dir,
        host=os.environ.get("TICKETRY_HOST", "127.0.0.1"),
        port=_int("TICKETRY_PORT", 8000),
        workers=_int("TICKETRY_WORKERS", 1),
        max_body_bytes=_int("TICKETRY_MAX_BODY_BYTES", 10 * 1024 * 1024),
        max_file_bytes=_int("TICKETRY_MAX_FILE_BYTES", 10 * 1024 * 1024),
        default_page_size=_int("TICKETRY_PAGE_SIZE", 20),
        max_page_size=_int("TICKETRY_MAX_PAGE_SIZE", 100),
        db_pool_size=_int("TICKETRY_DB_POOL_SIZE", 10),
        time_zone=os.environ.get("TICKETRY_TIME_ZONE", "UTC"),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def reset_settings_cache() -> None:
    get_settings.cache_clear()


__all__ = ["Settings", "_bool", "get_settings", "load_settings", "reset_settings_cache"]
