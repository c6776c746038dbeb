"""Next Commerce test helpers: OAuth apps and tokens, and a client that checks every
response of the face against the vendor's OpenAPI document."""

from __future__ import annotations

import copy
import re
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import select

from tests.conftest import Tenant, make_tenant
from ticketry.app import TicketryApp
from ticketry.domain.accounts.models import User
from ticketry.domain.accounts.services import account_get
from ticketry.domain.oauth.apps import oauth_app_create

SPEC_FILE = "nextcommerce-admin-2024-04-01-tickets.yaml"
_LOCAL_SPECS = Path(__file__).parent / "specs"
BASE = "/api/admin"


def spec_path(name: str = SPEC_FILE) -> Path:
    """The vendor's document, kept beside the tests (copied from the seeds)."""
    return _LOCAL_SPECS / name


def _nullable(node: Any) -> Any:
    """The vendor writes OpenAPI 3.0's ``nullable: true`` in a 3.1 document (drf-spectacular);
    read it as it is meant: the type or null."""
    if isinstance(node, dict):
        out = {k: _nullable(v) for k, v in node.items() if k != "nullable"}
        if node.get("nullable") is True and isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        return out
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


@lru_cache(maxsize=1)
def vendor_spec() -> dict[str, Any]:
    with spec_path().open(encoding="utf-8") as fh:
        return _nullable(yaml.safe_load(fh))


def _templates() -> list[tuple[re.Pattern[str], str]]:
    paths = vendor_spec()["paths"]
    ordered = sorted(paths, key=lambda p: p.count("{"))  # static segments win
    return [(re.compile("^" + re.sub(r"\{[^}]+\}", r"[^/]+", p) + "$"), p) for p in ordered]


def response_schema(method: str, path: str, status: int) -> dict[str, Any] | None:
    for regex, template in _templates():
        if regex.match(path):
            operation = vendor_spec()["paths"][template].get(method.lower())
            if operation is None:
                return None
            response = operation.get("responses", {}).get(str(status))
            if response is None:
                return None
            return response["content"]["application/json"]["schema"]
    return None


def assert_vendor_shape(method: str, path: str, response: httpx.Response) -> None:
    """A documented answer matches its schema; an undocumented error is DRF-shaped."""
    schema = response_schema(method, path, response.status_code)
    if schema is not None:
        full = {**copy.deepcopy(schema), "components": vendor_spec()["components"]}
        validator = Draft202012Validator(full, format_checker=FormatChecker())
        problems = sorted(validator.iter_errors(response.json()), key=str)
        assert not problems, f"{method} {path} {response.status_code}: {problems[0]}"
    elif response.status_code >= 400 and response.headers.get("content-type", "").startswith(
        "application/json"
    ):
        body = response.json()
        assert isinstance(body, dict)
        if "detail" in body:
            assert isinstance(body["detail"], str)
    assert response.status_code < 500, response.text


class NCClient:
    """Sends requests with a bearer token and the version header; checks each response."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        token: str,
        tenant: Tenant | None = None,
        version: str = "2024-04-01",
    ) -> None:
        self.client = client
        self.token = token
        self.tenant = tenant
        self.version = version

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        out = {"Authorization": f"Bearer {self.token}", "X-29Next-Api-Version": self.version}
        out.update(extra or {})
        return out

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = self.headers(kwargs.pop("headers", None))
        url = path if path.startswith("http") else BASE + path
        response = await self.client.request(method, url, headers=headers, **kwargs)
        assert_vendor_shape(method, httpx.URL(url).path.removeprefix(BASE), response)
        return response

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", path, **kwargs)

    async def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PUT", path, **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PATCH", path, **kwargs)

    async def create_ticket(self, **body: Any) -> dict[str, Any]:
        body.setdefault("subject", "Broken zipper")
        r = await self.post("/tickets/", json=body)
        assert r.status_code == 201, r.text
        return r.json()


@dataclass
class OAuthClient:
    tenant: Tenant
    client_id: str
    client_secret: str


async def make_oauth_app(
    app: TicketryApp,
    tenant: Tenant,
    *,
    scopes: str = "tickets:read tickets:write",
    redirect_uris: list[str] | None = None,
    as_user: bool = False,
    public: bool = False,
) -> OAuthClient:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        account = await account_get(session, slug=tenant.slug)
        user = None
        if as_user:
            user = await session.scalar(select(User).where(User.public_id == tenant.user_public_id))
        oauth_app, secret = await oauth_app_create(
            session,
            account=account,
            name=f"App {uuid.uuid4().hex[:6]}",
            scopes=scopes.split(),
            redirect_uris=redirect_uris or [],
            user=user,
            public=public,
        )
        await session.commit()
        return OAuthClient(tenant=tenant, client_id=oauth_app.client_id, client_secret=secret)


async def client_credentials_token(
    client: httpx.AsyncClient, oauth: OAuthClient, scope: str | None = None
) -> str:
    form = {"grant_type": "client_credentials"}
    if scope:
        form["scope"] = scope
    r = await client.post("/oauth2/token/", data=form, auth=(oauth.client_id, oauth.client_secret))
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


async def nc_client(
    app: TicketryApp, client: httpx.AsyncClient, *, scopes: str = "tickets:read tickets:write"
) -> NCClient:
    tenant = await make_tenant(app)
    oauth = await make_oauth_app(app, tenant, scopes=scopes)
    token = await client_credentials_token(client, oauth)
    return NCClient(client, token, tenant)
