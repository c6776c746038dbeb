"""What a newcomer meets first: ``GET /`` and ``/api/docs/`` work without internet."""

from __future__ import annotations

import re

import httpx

FACE_BASES = ["/api/v2/tickets", "/api/v2/orders", "/api/admin", "/api/v1/admin", "/api/portos/v1"]


async def test_docs_page_loads_only_local_assets(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/docs/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    refs = re.findall(r'<(?:script|link)[^>]*?(?:src|href)="([^"]+)"', html)
    assert len(refs) >= 3, refs
    expected = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
    for url in refs:
        assert url.startswith("/"), f"{url} is not served by Ticketry"
        asset = await client.get(url)
        assert asset.status_code == 200, url
        suffix = url[url.rindex(".") :]
        assert asset.headers["content-type"].startswith(expected[suffix]), url
        assert len(asset.content) > 0
    assert "cdn" not in html.lower() and "https://" not in html
    # The schemas the page lists are served too.
    for url in re.findall(r'"url":"([^"]+)"', html):
        doc = await client.get(url)
        assert doc.status_code == 200 and doc.json()["openapi"].startswith("3."), url


async def test_unknown_docs_asset_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/docs/assets/../../settings.py")).status_code == 404
    assert (await client.get("/api/docs/assets/index.html")).status_code == 404


async def test_root_answers_a_browser_with_a_page_linking_everything(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    links = set(re.findall(r'href="([^"]+)"', r.text))
    assert {"/desk/", "/portal/demo/", "/api/docs/"} <= links
    for base in FACE_BASES:
        assert f"<code>{base}</code>" in r.text
    for schema in ["/api/v2/schema/", "/api/admin/schema/", "/api/v1/admin/schema/"]:
        assert schema in links
    assert "/api/portos/schema/" in links
    assert (await client.get("/desk/static/ticketry.css")).status_code == 200


async def test_root_answers_json_to_a_client(client: httpx.AsyncClient) -> None:
    for accept in ("application/json", "*/*", None):
        headers = {"Accept": accept} if accept else {}
        r = await client.get("/", headers=headers)
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        body = r.json()
        assert body["docs"] == "/api/docs/" and body["desk"] == "/desk/"
        assert [a["base"] for a in body["apis"].values()] == FACE_BASES
