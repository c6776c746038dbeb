"""spatie/laravel-query-builder's query string: ``filter[x]``, ``sort``, ``include``, and
Laravel's simple pagination (``page``, ``per_page``), with its 400 messages."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Request

from ticketry.http.params import parse_id

DEFAULT_PER_PAGE = 15
MAX_PER_PAGE = 100  # the seed's documented maximum (Paymenter's code enforces none)


class QueryNotAllowed(Exception):
    """A filter, sort or include the endpoint does not allow: 400 with this message."""


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _with_counts(relations: list[str]) -> list[str]:
    """spatie allows ``xCount`` and ``xExists`` beside each relation ``x``."""
    out: list[str] = []
    for name in relations:
        out += [name, f"{name}Count", f"{name}Exists"]
    return out


def parse_filters(request: Request, allowed: list[str]) -> dict[str, list[str]]:
    """``filter[x]=a,b`` → ``{"x": ["a", "b"]}`` (comma = any of); empty values are ignored."""
    found: dict[str, list[str]] = {}
    unknown: list[str] = []
    for key, value in request.query_params.items():
        if not (key.startswith("filter[") and key.endswith("]")):
            continue
        name = key[len("filter[") : -1]
        if name not in allowed:
            unknown.append(name)
            continue
        values = _csv(value)
        if values:
            found[name] = values
    if unknown:
        raise QueryNotAllowed(
            f"Requested filter(s) `{', '.join(unknown)}` are not allowed. "
            f"Allowed filter(s) are `{', '.join(allowed)}`."
        )
    return found


def parse_sort(value: str | None, allowed: list[str]) -> list[tuple[str, bool]]:
    """``sort=a,-b`` → ``[("a", False), ("b", True)]``."""
    keys = _csv(value)
    unknown = [k for k in keys if k.lstrip("-") not in allowed]
    if unknown:
        raise QueryNotAllowed(
            f"Requested sort(s) `{', '.join(unknown)}` is not allowed. "
            f"Allowed sort(s) are `{', '.join(allowed)}`."
        )
    return [(k.lstrip("-"), k.startswith("-")) for k in keys]


def parse_includes(value: str | None, relations: list[str], permitted: list[str]) -> set[str]:
    """The requested relations. Only ``permitted`` ones (the key may view them) are allowed;
    ``xCount``/``xExists`` are accepted and change nothing (no attribute shows them)."""
    allowed = _with_counts([r for r in relations if r in permitted])
    names = _csv(value)
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise QueryNotAllowed(
            f"Requested include(s) `{', '.join(unknown)}` are not allowed. "
            f"Allowed include(s) are `{', '.join(allowed)}`."
        )
    return {n for n in names if n in relations}


@dataclass(frozen=True)
class PageParams:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def parse_page(request: Request) -> PageParams:
    """A page that is not a positive integer is page 1 (Laravel); ``per_page`` defaults to
    15 and is capped at 100."""
    page = parse_id(request.query_params.get("page")) or 1
    per_page = parse_id(request.query_params.get("per_page")) or DEFAULT_PER_PAGE
    return PageParams(page=page, per_page=min(per_page, MAX_PER_PAGE))


def int_values(values: list[str]) -> list[int]:
    """Exact id matching: values that are not ids (nor in their range) match nothing."""
    return [number for number in map(parse_id, values) if number is not None]
