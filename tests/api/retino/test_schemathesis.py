"""Property-based run of the Retino face's own served OpenAPI document against the face
(in process): whatever the generated paths, queries and bodies, never a 5xx. Bounded (a
few examples per operation, derandomized) so that it costs seconds per database."""

from __future__ import annotations

from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from tests.conftest import Tenant
from tests.factories import create_ticket

EXAMPLES_PER_OPERATION = 10
BASE_URL = "http://testserver"
# Creating or changing a webhook resolves its host over DNS (and refuses private ones):
# generated host names would make the run depend on the network. Their URL checks have
# tests of their own (tests/api/common/test_bad_params.py, test_webhooks.py).
SKIPPED = {
    ("POST", "/api/v2/webhooks"),
    ("PUT", "/api/v2/webhooks/{webhook_id}"),
    ("PATCH", "/api/v2/webhooks/{webhook_id}"),
}


def _cases(operation: Any) -> list[tuple[Any, bool]]:
    found: list[tuple[Any, bool]] = []

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
    out = {k: kwargs[k] for k in ("method", "url", "headers", "params") if k in kwargs}
    if kwargs.get("json") is not None:
        out["json"] = kwargs["json"]
    data = kwargs.get("data")
    if isinstance(data, (bytes, str)):
        out["content"] = data
    elif data is not None:
        out["data"] = data
    return out


async def test_served_document_never_answers_5xx(client: httpx.AsyncClient, tenant: Tenant) -> None:
    ticket = await create_ticket(client, tenant)
    known = {"ticket_id": ticket["id"]}
    raw = (await client.get("/api/v2/schema")).json()
    raw["servers"] = [{"url": BASE_URL}]
    schema = schemathesis.openapi.from_dict(raw)
    sent = 0
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        for case, use_known in _cases(operation):
            if use_known and case.path_parameters:
                for name, value in known.items():
                    if name in case.path_parameters:
                        case.path_parameters[name] = value
            kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=tenant.headers)
            response = await client.request(**_httpx_kwargs(kwargs))
            sent += 1
            if response.status_code >= 500:
                failures.append(f"{kwargs['method']} {response.request.url}: {response.text[:200]}")
            else:
                case.validate_response(response, checks=[not_a_server_error])
    assert not failures, "\n".join(failures[:10])
    assert sent > 200
