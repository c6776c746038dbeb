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
class S3Settings:
    """An S3-compatible bucket (AWS S3, MinIO, Ceph, Garage, R2...). Credentials left
    empty fall back to boto3's usual chain (AWS_* variables, profiles, instance roles)."""

    bucket: str
    prefix: str = ""
    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    addressing_style: str = "auto"  # auto | path | virtual; MinIO wants "path"


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
    # Webhooks and the outbox worker (docs/webhooks.md).
    worker_in_process: bool | None = None  # None: on for SQLite, off for PostgreSQL
    worker_poll_seconds: float = 0.1
    worker_concurrency: int = 32
    webhook_subscription_concurrency: int = 16
    webhook_timeout_seconds: float = 10.0
    webhook_lease_seconds: float = 60.0
    webhook_retry_base_seconds: float = 60.0
    webhook_retry_cap_seconds: float = 3600.0
    webhook_give_up_seconds: float = 3 * 24 * 3600.0
    webhook_disable_after_seconds: float = 3 * 24 * 3600.0
    webhook_disable_after_failures: int = 10
    webhook_allow_private: bool = False
    # On SIGTERM/SIGINT, how long webhook POSTs in flight may take before they are cut
    # short and their deliveries handed back (docs/webhooks.md).
    shutdown_grace_seconds: float = 3.0
    # Rate limits and idempotency (docs/webhooks.md, "Rate limits").
    rate_limit: str = "600/minute"
    redis_url: str | None = None
    idempotency_ttl_seconds: int = 24 * 3600
    # Next Commerce face: requests per second per access token (0 turns the limit off).
    nextcommerce_rate_limit: float = 4.0
    # Sign-in throttling (docs/desk-and-portal.md, "Sign-in throttling"): failures in a row
    # before delays begin and that lock, per identity and per client address.
    signin_free_failures: int = 5
    signin_lockout_failures: int = 10
    signin_address_free_failures: int = 20
    signin_address_lockout_failures: int = 50
    signin_lockout_seconds: int = 900
    # Where uploaded files live: "local" (files_dir) or "s3" (an S3-compatible bucket).
    file_store: str = "local"
    s3: S3Settings | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def run_worker_in_process(self) -> bool:
        if self.worker_in_process is None:
            return self.is_sqlite
        return self.worker_in_process


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SystemExit(f"{name} must be a number, got {raw!r}") from exc


def _optional_bool(name: str) -> bool | None:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    return _bool(name, False)


def _s3_settings(kind: str) -> S3Settings | None:
    if kind == "local":
        return None
    if kind != "s3":
        raise SystemExit(f"TICKETRY_FILE_STORE must be 'local' or 's3', got {kind!r}")
    bucket = os.environ.get("TICKETRY_S3_BUCKET", "").strip()
    if not bucket:
        raise SystemExit("TICKETRY_FILE_STORE=s3 needs TICKETRY_S3_BUCKET")
    style = os.environ.get("TICKETRY_S3_ADDRESSING_STYLE", "auto").strip() or "auto"
    if style not in {"auto", "path", "virtual"}:
        raise SystemExit(
            f"TICKETRY_S3_ADDRESSING_STYLE must be auto, path or virtual, got {style!r}"
        )
    return S3Settings(
        bucket=bucket,
        prefix=os.environ.get("TICKETRY_S3_PREFIX", "").strip().strip("/"),
        endpoint_url=os.environ.get("TICKETRY_S3_ENDPOINT_URL") or None,
        region=os.environ.get("TICKETRY_S3_REGION") or None,
        access_key_id=os.environ.get("TICKETRY_S3_ACCESS_KEY_ID") or None,
        secret_access_key=os.environ.get("TICKETRY_S3_SECRET_ACCESS_KEY") or None,
        addressing_style=style,
    )


def load_settings() -> Settings:
    var_dir = Path(os.environ.get("TICKETRY_VAR_DIR", "var"))
    database_url = os.environ.get("TICKETRY_DATABASE_URL") or default_database_url(var_dir)
    files_dir = Path(os.environ.get("TICKETRY_FILES_DIR", str(var_dir / "files")))
    file_store = os.environ.get("TICKETRY_FILE_STORE", "local").strip().lower() or "local"
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
        worker_in_process=_optional_bool("TICKETRY_WORKER_IN_PROCESS"),
        worker_poll_seconds=_float("TICKETRY_WORKER_POLL_SECONDS", 0.1),
        worker_concurrency=_int("TICKETRY_WORKER_CONCURRENCY", 32),
        webhook_subscription_concurrency=_int("TICKETRY_WEBHOOK_SUBSCRIPTION_CONCURRENCY", 16),
        webhook_timeout_seconds=_float("TICKETRY_WEBHOOK_TIMEOUT_SECONDS", 10.0),
        webhook_lease_seconds=_float("TICKETRY_WEBHOOK_LEASE_SECONDS", 60.0),
        webhook_retry_base_seconds=_float("TICKETRY_WEBHOOK_RETRY_BASE_SECONDS", 60.0),
        webhook_retry_cap_seconds=_float("TICKETRY_WEBHOOK_RETRY_CAP_SECONDS", 3600.0),
        webhook_give_up_seconds=_float("TICKETRY_WEBHOOK_GIVE_UP_SECONDS", 3 * 24 * 3600.0),
        webhook_disable_after_seconds=_float(
            "TICKETRY_WEBHOOK_DISABLE_AFTER_SECONDS", 3 * 24 * 3600.0
        ),
        webhook_disable_after_failures=_int("TICKETRY_WEBHOOK_DISABLE_AFTER_FAILURES", 10),
        webhook_allow_private=_bool("TICKETRY_WEBHOOK_ALLOW_PRIVATE", False),
        shutdown_grace_seconds=_float("TICKETRY_SHUTDOWN_GRACE_SECONDS", 3.0),
        rate_limit=os.environ.get("TICKETRY_RATE_LIMIT", "600/minute"),
        redis_url=os.environ.get("TICKETRY_REDIS_URL") or None,
        idempotency_ttl_seconds=_int("TICKETRY_IDEMPOTENCY_TTL_SECONDS", 24 * 3600),
        nextcommerce_rate_limit=_float("TICKETRY_NEXTCOMMERCE_RATE_LIMIT", 4.0),
        signin_free_failures=_int("TICKETRY_SIGNIN_FREE_FAILURES", 5),
        signin_lockout_failures=_int("TICKETRY_SIGNIN_LOCKOUT_FAILURES", 10),
        signin_address_free_failures=_int("TICKETRY_SIGNIN_ADDRESS_FREE_FAILURES", 20),
        signin_address_lockout_failures=_int("TICKETRY_SIGNIN_ADDRESS_LOCKOUT_FAILURES", 50),
        signin_lockout_seconds=_int("TICKETRY_SIGNIN_LOCKOUT_SECONDS", 900),
        file_store=file_store,
        s3=_s3_settings(file_store),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def reset_settings_cache() -> None:
    get_settings.cache_clear()


__all__ = [
    "S3Settings",
    "Settings",
    "_bool",
    "get_settings",
    "load_settings",
    "reset_settings_cache",
]
