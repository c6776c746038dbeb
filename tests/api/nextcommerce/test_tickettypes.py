"""Next Commerce ticket types."""

from __future__ import annotations

from tests.api.nextcommerce.helpers import NCClient


async def test_list_and_retrieve(nc: NCClient) -> None:
    r = await nc.get("/tickettypes/")
    assert r.status_code == 200
    page = r.json()
    assert page["next"] is None and page["previous"] is None
    names = [t["name"] for t in page["results"]]
    assert len(names) == 3
    one = page["results"][0]
    r = await nc.get(f"/tickettypes/{one['id']}/")
    assert r.status_code == 200 and r.json() == one
    assert (await nc.get("/tickettypes/999999999/")).status_code == 404


async def test_name_filter(nc: NCClient) -> None:
    everything = (await nc.get("/tickettypes/")).json()["results"]
    wanted = everything[1]["name"]
    r = await nc.get("/tickettypes/", params={"name": wanted[:4].upper()})
    assert wanted in [t["name"] for t in r.json()["results"]]
    r = await nc.get("/tickettypes/", params={"name": "no such type"})
    assert r.json()["results"] == []
