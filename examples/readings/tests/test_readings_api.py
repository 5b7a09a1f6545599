"""The readings API: external systems post values (exact decimals), read them back with their marks; tenants stay apart."""

from __future__ import annotations

import pytest

pytest.importorskip("porchside_readings", reason="porchside-readings is not installed: pip install ./examples/readings")

import base64

from core.api.clients import create_client
from porchside_readings.models import Reading
from readings_testdata import make_pool

SCOPES = ["readings:read", "readings:write", "reading_measures:read"]


async def bearer(http, tenant, scopes: list[str]) -> dict[str, str]:
    """An API client of ``tenant`` and a fresh token, as an integrator gets them (docs/api.md)."""
    client, secret = await create_client(tenant, "Pool controller", scopes)
    pair = base64.b64encode(f"{client.client_id}:{secret}".encode()).decode()
    response = await http.post("/oauth/token", form={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {pair}"})
    assert response.status_code == 200, await response.get_data(as_text=True)
    return {"Authorization": f"Bearer {(await response.get_json())['access_token']}"}


async def test_post_a_reading_then_read_patch_and_delete_it(client, tenant, in_tenant, pool):
    auth = await bearer(client, tenant, SCOPES)
    visit = pool.upcoming
    body = {"visit": visit.public_id, "measure": pool.ph.public_id, "value": "7.625", "taken_by": "Controller 7", "external_id": "ctl-1"}
    created = await client.post("/api/v1/readings", json=body, headers=auth)
    assert created.status_code == 201, await created.get_data(as_text=True)
    reading = await created.get_json()
    assert (reading["object"], reading["value"], reading["status"], reading["in_range"]) == ("reading", "7.625", "in_range", True)
    assert (reading["visit"], reading["measure"], reading["measure_name"], reading["taken_by"]) == (visit.public_id, pool.ph.public_id, "pH", "Controller 7")
    with in_tenant(tenant):
        assert (await Reading.get(public_id=reading["id"])).value_milli == 7625  # stored exactly

    # The same measure twice on one visit is a conflict with a stable code.
    again = await client.post("/api/v1/readings", json={**body, "external_id": "ctl-2"}, headers=auth)
    assert again.status_code == 409 and (await again.get_json())["code"] == "reading_exists"

    listed = await (await client.get(f"/api/v1/readings?visit={visit.public_id}", headers=auth)).get_json()
    assert [r["id"] for r in listed["data"]] == [reading["id"]]
    fetched = await client.get(f"/api/v1/readings/{reading['id']}", headers=auth)
    patched = await client.request(
        "PATCH", f"/api/v1/readings/{reading['id']}", json={"value": "8.2"}, headers={**auth, "If-Match": fetched.headers["ETag"]}
    )
    assert patched.status_code == 200, await patched.get_data(as_text=True)
    assert ((await patched.get_json())["value"], (await patched.get_json())["status"]) == ("8.2", "high")

    measures = await (await client.get("/api/v1/reading_measures?active=true", headers=auth)).get_json()
    assert [(m["name"], m["target_min"], m["target_max"]) for m in measures["data"]][:2] == [("Free chlorine", "1", "3"), ("pH", "7.2", "7.8")]

    deleted = await client.request("DELETE", f"/api/v1/readings/{reading['id']}", headers=auth)
    assert deleted.status_code in (200, 204)
    with in_tenant(tenant):
        assert not await Reading.filter(public_id=reading["id"]).exists()


async def test_bad_values_and_references_are_422_with_the_field_named(client, tenant, pool):
    auth = await bearer(client, tenant, SCOPES)
    good = {"visit": pool.upcoming.public_id, "measure": pool.chlorine.public_id, "value": "2.5"}
    for changes, param in (
        ({"value": 2.5}, "value"),  # a float would not be exact: strings only
        ({"value": "2.5555"}, "value"),
        ({"value": "1e3"}, "value"),
        ({"value": ""}, "value"),
        ({"visit": "vis_nope"}, "visit"),
        ({"measure": "msr_nope"}, "measure"),
    ):
        response = await client.post("/api/v1/readings", json={**good, **changes}, headers=auth)
        assert response.status_code == 422, changes
        problem = await response.get_json()
        assert problem["code"] == "validation_failed" and param in str(problem), (changes, problem)


async def test_another_businesss_readings_and_visits_are_out_of_reach(client, tenant, other_tenant, make_customer, in_tenant, pool):
    theirs = await make_pool(other_tenant, make_customer, in_tenant, name="Globex Pool")
    with in_tenant(other_tenant):
        their_reading = await Reading.create(visit=theirs.visits[0], measure=theirs.chlorine, value_milli=2000, taken_at=theirs.visits[0].completed_at)
    auth = await bearer(client, tenant, SCOPES)
    assert (await client.get(f"/api/v1/readings/{their_reading.public_id}", headers=auth)).status_code == 404
    assert (await client.request("DELETE", f"/api/v1/readings/{their_reading.public_id}", headers=auth)).status_code == 404
    posted = await client.post(
        "/api/v1/readings", json={"visit": theirs.visits[0].public_id, "measure": pool.chlorine.public_id, "value": "1"}, headers=auth
    )
    assert posted.status_code == 422
    listed = await (await client.get("/api/v1/readings", headers=auth)).get_json()
    assert their_reading.public_id not in {r["id"] for r in listed["data"]}
    # Without the write scope a client may read but not post.
    reader = await bearer(client, tenant, ["readings:read"])
    assert (await client.post("/api/v1/readings", json={"visit": pool.upcoming.public_id, "measure": pool.ph.public_id, "value": "7"}, headers=reader)).status_code == 403


async def test_the_openapi_document_describes_the_resources(client):
    document = await (await client.get("/api/v1/openapi.json")).get_json()
    assert {"/api/v1/readings", "/api/v1/reading_measures"} <= set(document["paths"])
