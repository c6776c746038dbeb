"""A bounded schemathesis run of a face's own served OpenAPI document against the face (in
process): positive and negative examples for every operation, each answer checked for no
5xx and, where asked, for its status and body being the ones the document lists.

Few examples per operation, derandomized, so that a face costs seconds per database;
``TICKETRY_FUZZ_EXAMPLES=50`` runs more of them, by hand."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

BASE_URL = "http://testserver"
NO_5XX = (not_a_server_error,)
CONFORMANCE = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)


@dataclass
class FuzzRun:
    sent: int = 0
    failures: list[str] = field(default_factory=list)
    succeeded: dict[str, int] = field(default_factory=dict)


def _cases(operation: Any, mode: GenerationMode, examples: int) -> list[tuple[Any, bool]]:
    found: list[tuple[Any, bool]] = []

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), use_known=st.booleans())
    def collect(case: Any, use_known: bool) -> None:
        found.append((case, use_known))

    collect()
    return found


def _httpx_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    out = {k: kwargs[k] for k in ("method", "url", "headers", "params") if k in kwargs}
    if kwargs.get("json") is not None:
        out["json"] = kwargs["json"]
    data = kwargs.get("data")
    if isinstance(data, (bytes, str)):
        out["content"] = data
    elif data is not None:
        out["data"] = data
    return out


async def fuzz_served_document(
    client: httpx.AsyncClient,
    schema_path: str,
    *,
    headers: dict[str, str] | Callable[[], dict[str, str]],
    known: dict[str, Any],
    examples: int,
    checks: Iterable[Any] = CONFORMANCE,
    skipped: Iterable[tuple[str, str]] = (),
    modes: Iterable[GenerationMode] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
) -> FuzzRun:
    """Send every operation's generated cases (path parameters named in ``known`` set to a
    real record's id half of the time) and report what failed the ``checks``."""
    examples = int(os.environ.get("TICKETRY_FUZZ_EXAMPLES") or examples)
    raw = (await client.get(schema_path)).json()
    raw["servers"] = [{"url": BASE_URL}]
    schema = schemathesis.openapi.from_dict(raw)
    checks = list(checks)
    skip = set(skipped)
    run = FuzzRun()
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in skip:
            continue
        for mode in modes:
            for case, use_known in _cases(operation, mode, examples):
                if use_known and case.path_parameters:
                    for name, value in known.items():
                        if name in case.path_parameters:
                            case.path_parameters[name] = value
                sent_headers = headers() if callable(headers) else headers
                kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=sent_headers)
                response = await client.request(**_httpx_kwargs(kwargs))
                run.sent += 1
                label = f"{mode.value} {kwargs['method']} {response.request.url}"
                if response.status_code < 300:
                    run.succeeded[operation.label] = run.succeeded.get(operation.label, 0) + 1
                try:
                    case.validate_response(response, checks=checks)
                except FailureGroup as exc:
                    run.failures.append(
                        f"{label} -> {response.status_code} {response.text[:200]}: {str(exc)[:300]}"
                    )
    return run
