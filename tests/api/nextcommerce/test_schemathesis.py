"""Property-based run of the vendor's own OpenAPI document against the face (in process):
no 5xx, and every documented answer matches its schema. Examples are bounded."""

from __future__ import annotations

from typing import Any

import httpx
import schemathesis
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.api.fuzz import fuzz_served_document
from tests.api.nextcommerce.helpers import NCClient, _nullable, spec_path

EXAMPLES_PER_OPERATION = 12
BASE_URL = "http://testserver/api/admin"


def _schema(version_file: str) -> Any:
    with spec_path(version_file).open(encoding="utf-8") as fh:
        raw = _nullable(yaml.safe_load(fh))
    raw["servers"] = [{"url": BASE_URL}]
    return schemathesis.openapi.from_dict(raw)


def _cases(operation: Any) -> list[Any]:
    found: list[Any] = []

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), use_known=st.booleans())
    def collect(case: Any, use_known: bool) -> None:
        found.append((case, use_known))

    collect()
    return found


def _httpx_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    out = {k: kwargs[k] for k in ("method", "url", "headers", "params", "cookies") if k in kwargs}
    if kwargs.get("json") is not None:
        out["json"] = kwargs["json"]
    data = kwargs.get("data")
    if isinstance(data, (bytes, str)):
        out["content"] = data
    elif data is not None:
        out["data"] = data
    if kwargs.get("files"):
        out["files"] = [_file_part(name, value) for name, value in _items(kwargs["files"])]
    return out


def _items(files: Any) -> list[tuple[str, Any]]:
    return list(files.items()) if isinstance(files, dict) else list(files)


def _file_part(name: str, value: Any) -> tuple[str, Any]:
    """requests' multipart parts as httpx takes them (bytes content)."""
    if isinstance(value, tuple):
        filename, content, *rest = value
        if not isinstance(content, (bytes, str)):
            content = "" if content is None else str(content)
        if isinstance(content, str):
            content = content.encode()
        return name, (filename, content, *rest)
    if isinstance(value, bytes):
        return name, (None, value)
    return name, (None, str(value).encode())


async def _run(nc: NCClient, version_file: str) -> int:
    ticket = await nc.create_ticket(subject="Seed", comment={"body": "first"})
    type_id = (await nc.get("/tickettypes/")).json()["results"][0]["id"]
    known = {"tickettypes": type_id, "tickets": ticket["id"]}
    schema = _schema(version_file)
    sent = 0
    succeeded: dict[str, int] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        for case, use_known in _cases(operation):
            if case.path_parameters and "id" in case.path_parameters and use_known:
                kind = "tickettypes" if "tickettypes" in operation.path else "tickets"
                case.path_parameters["id"] = known[kind]
            kwargs = case.as_transport_kwargs(
                base_url=BASE_URL, headers={"Authorization": f"Bearer {nc.token}"}
            )
            request = nc.client.build_request(**_httpx_kwargs(kwargs))
            request.read()  # multipart bodies stream; schemathesis reads the content back
            response = await nc.client.send(request)
            case.validate_response(
                response,
                checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
            )
            sent += 1
            if response.status_code < 300:
                succeeded[operation.label] = succeeded.get(operation.label, 0) + 1
    # Random bytes are never an allowed file type; every other operation got through.
    assert len(succeeded) >= 9, succeeded
    return sent


async def test_vendor_document_2024_04_01(nc: NCClient) -> None:
    assert await _run(nc, "nextcommerce-admin-2024-04-01-tickets.yaml") > 100


async def test_vendor_document_unstable(nc: NCClient, client: httpx.AsyncClient) -> None:
    assert await _run(nc, "nextcommerce-admin-unstable-tickets.yaml") > 100


async def test_served_document(nc: NCClient) -> None:
    """Ticketry's own served document (tests/api/fuzz.py): positive and negative cases, no
    5xx, every answer documented with its body."""
    ticket = await nc.create_ticket(subject="Seed", comment={"body": "first"})
    run = await fuzz_served_document(
        nc.client,
        "/api/admin/schema",
        headers={"Authorization": f"Bearer {nc.token}"},
        known={"id": ticket["id"]},
        examples=6,
    )
    assert not run.failures, "\n".join(run.failures[:10])
    assert run.sent > 80
    assert len(run.succeeded) >= 5, run.succeeded
