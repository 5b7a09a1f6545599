"""Integration API resources (issue 12): customers and contacts through the declarative engine.

Covers the conventions every resource gets: pagination, filters, ETag and
If-Match, idempotent POSTs, upsert by external id, problem details, request
ids, rate limits, tenant isolation and the audit log.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from core.models.customers import Contact, ContactEmail, CustomerAccount, PortalLogin
from core.models.platform import AuditEvent
from tests.api_helpers import ALL, bearer

JSON = "application/json"


@pytest.fixture
async def api(client, tenant):
    """``(http client, bearer headers)`` for a client of ``tenant`` with every core scope."""
    return client, await bearer(client, tenant, ALL)


async def post(http, path, headers, body, **extra):
    return await http.post(path, json=body, headers={**headers, **extra})


async def test_customers_create_list_get_patch_and_audit(api, tenant, in_tenant):
    http, auth = api
    created = await post(http, "/api/v1/customers", auth, {"name": "Dana Reyes", "phone": "555-0101"})
    assert created.status_code == 201, await created.get_data(as_text=True)
    body = await created.get_json()
    assert body["object"] == "customer" and body["id"].startswith("acct_")
    assert body["number"] == "C-1001" and body["external_id"] is None
    assert body["created_at"].endswith("Z") or "+" in body["created_at"]
    assert created.headers["Location"] == f"/api/v1/customers/{body['id']}"

    fetched = await http.get(f"/api/v1/customers/{body['id']}", headers=auth)
    assert fetched.status_code == 200 and (await fetched.get_json())["name"] == "Dana Reyes"
    etag = fetched.headers["ETag"]
    assert (await http.get(f"/api/v1/customers/{body['id']}", headers={**auth, "If-None-Match": etag})).status_code == 304

    patched = await http.request("PATCH", f"/api/v1/customers/{body['id']}", json={"archived": True}, headers={**auth, "If-Match": etag})
    assert patched.status_code == 200
    assert (await patched.get_json())["archived"] is True
    assert patched.headers["ETag"] != etag

    listed = await (await http.get("/api/v1/customers?archived=true", headers=auth)).get_json()
    assert [c["id"] for c in listed["data"]] == [body["id"]]
    assert (await (await http.get("/api/v1/customers?archived=false", headers=auth)).get_json())["data"] == []

    with in_tenant(tenant):
        events = await AuditEvent.filter(target=body["id"]).order_by("id")
    assert [e.action for e in events] == ["customer.created", "customer.updated"]
    assert all(e.actor_type == "api" and e.actor.startswith("Books Sync") for e in events)


async def test_customer_validation_is_422_with_the_field(api):
    http, auth = api
    response = await post(http, "/api/v1/customers", auth, {"name": "", "phone": 5})
    assert response.status_code == 422
    problem = await response.get_json()
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert problem["code"] == "validation_failed" and problem["param"] in ("name", "phone")
    assert {e["param"] for e in problem["errors"]} == {"name", "phone"}
    unknown = await post(http, "/api/v1/customers", auth, {"name": "X", "colour": "red"})
    assert unknown.status_code == 422 and (await unknown.get_json())["param"] == "colour"
    taken = await post(http, "/api/v1/customers", auth, {"name": "A", "number": "C-7"})
    assert taken.status_code == 201
    again = await post(http, "/api/v1/customers", auth, {"name": "B", "number": "C-7"})
    assert again.status_code == 409 and (await again.get_json())["param"] == "number"


async def test_wrong_media_type_method_and_json(api):
    http, auth = api
    form = await http.post("/api/v1/customers", form={"name": "X"}, headers=auth)
    assert form.status_code == 415 and (await form.get_json())["code"] == "unsupported_media_type"
    broken = await http.post("/api/v1/customers", data="{", headers={**auth, "Content-Type": JSON})
    assert broken.status_code == 400 and (await broken.get_json())["code"] == "invalid_json"
    wrong = await http.request("PUT", "/api/v1/customers", json={}, headers=auth)
    assert wrong.status_code == 405
    assert (await wrong.get_json())["code"] == "method_not_allowed" and "GET" in wrong.headers["Allow"]
    no_delete = await http.request("DELETE", "/api/v1/customers/acct_x", headers=auth)
    assert no_delete.status_code == 405 and "PATCH" in no_delete.headers["Allow"]


async def test_pagination_has_more_and_after(api):
    http, auth = api
    ids = []
    for name in ("Ann", "Bob", "Cy"):
        ids.append((await (await post(http, "/api/v1/customers", auth, {"name": name})).get_json())["id"])
    first = await (await http.get("/api/v1/customers?limit=2", headers=auth)).get_json()
    assert [c["id"] for c in first["data"]] == ids[:2]
    assert first["has_more"] is True and first["next_after"] == ids[1]
    second = await (await http.get(f"/api/v1/customers?limit=2&after={first['next_after']}", headers=auth)).get_json()
    assert [c["id"] for c in second["data"]] == ids[2:] and second["has_more"] is False
    assert second["next_after"] is None
    for query, param in (("limit=0", "limit"), ("limit=101", "limit"), ("after=acct_nope", "after"), ("colour=red", "colour"), ("updated_since=2026-01-01T00:00:00", "updated_since")):
        bad = await http.get(f"/api/v1/customers?{query}", headers=auth)
        assert bad.status_code == 400, query
        assert (await bad.get_json())["param"] == param


async def test_updated_since_lists_changed_objects(api):
    http, auth = api
    old = (await (await post(http, "/api/v1/customers", auth, {"name": "Old"})).get_json())["id"]
    mark = (datetime.now(timezone.utc) + timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (await (await http.get(f"/api/v1/customers?updated_since={mark}", headers=auth)).get_json())["data"] == []
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(minutes=30), tick=False):
        patched = await http.request("PATCH", f"/api/v1/customers/{old}", json={"phone": "1"}, headers=auth)
        assert patched.status_code == 200
    changed = await (await http.get(f"/api/v1/customers?updated_since={mark}", headers=auth)).get_json()
    assert [c["id"] for c in changed["data"]] == [old]


async def test_idempotent_replay_and_key_reuse(api, tenant, in_tenant):
    http, auth = api
    first = await post(http, "/api/v1/customers", auth, {"name": "Once"}, **{"Idempotency-Key": "k-1"})
    again = await post(http, "/api/v1/customers", auth, {"name": "Once"}, **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert await again.get_json() == await first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    with in_tenant(tenant):
        assert await CustomerAccount.filter(name="Once").count() == 1
    reused = await post(http, "/api/v1/customers", auth, {"name": "Twice"}, **{"Idempotency-Key": "k-1"})
    assert reused.status_code == 422
    assert (await reused.get_json())["code"] == "idempotency_key_reused"
    refused = await post(http, "/api/v1/customers", auth, {"name": ""}, **{"Idempotency-Key": "k-2"})
    replayed = await post(http, "/api/v1/customers", auth, {"name": ""}, **{"Idempotency-Key": "k-2"})
    assert refused.status_code == replayed.status_code == 422 and replayed.headers["Idempotent-Replayed"] == "true"


async def test_stale_if_match_is_412(api):
    http, auth = api
    created = await post(http, "/api/v1/customers", auth, {"name": "Lost Update"})
    customer_id, etag = (await created.get_json())["id"], created.headers["ETag"]
    assert (await http.request("PATCH", f"/api/v1/customers/{customer_id}", json={"name": "First"}, headers={**auth, "If-Match": etag})).status_code == 200
    stale = await http.request("PATCH", f"/api/v1/customers/{customer_id}", json={"name": "Second"}, headers={**auth, "If-Match": etag})
    assert stale.status_code == 412
    assert (await stale.get_json())["code"] == "precondition_failed"
    current = await (await http.get(f"/api/v1/customers/{customer_id}", headers=auth)).get_json()
    assert current["name"] == "First"


async def test_upsert_by_external_id_twice_gives_the_same_state(api, tenant, in_tenant):
    http, auth = api
    body = {"name": "Sync Co", "number": "EXT-1", "phone": "555-0199"}
    first = await http.request("PUT", "/api/v1/customers/by-external-id/qb-42", json=body, headers=auth)
    assert first.status_code == 201
    second = await http.request("PUT", "/api/v1/customers/by-external-id/qb-42", json=body, headers=auth)
    assert second.status_code == 200
    assert await second.get_json() == await first.get_json()
    assert second.headers["ETag"] == first.headers["ETag"]
    assert (await first.get_json())["external_id"] == "qb-42"
    with in_tenant(tenant):
        assert await CustomerAccount.filter(external_id="qb-42").count() == 1
    changed = await http.request("PUT", "/api/v1/customers/by-external-id/qb-42", json={**body, "name": "Sync Company"}, headers=auth)
    assert changed.status_code == 200 and (await changed.get_json())["name"] == "Sync Company"
    found = await http.get("/api/v1/customers/by-external-id/qb-42", headers=auth)
    assert (await found.get_json())["name"] == "Sync Company"
    listed = await (await http.get("/api/v1/customers?external_id=qb-42", headers=auth)).get_json()
    assert len(listed["data"]) == 1
    clash = await post(http, "/api/v1/customers", auth, {"name": "Other", "external_id": "qb-42"})
    assert clash.status_code == 409 and (await clash.get_json())["param"] == "external_id"


async def test_contacts_with_emails_flags_and_portal_access(api, tenant, in_tenant):
    http, auth = api
    customer = (await (await post(http, "/api/v1/customers", auth, {"name": "Reyes Home"})).get_json())["id"]
    with in_tenant(tenant):
        await PortalLogin.create(email="dana@example.com", invited_at=datetime(2026, 1, 5, tzinfo=timezone.utc))
    created = await post(http, "/api/v1/contacts", auth, {
        "customer": customer, "first_name": "Dana", "last_name": "Reyes",
        "emails": [{"email": "Dana@Example.com"}, {"email": "ap@reyes.example", "send_invoices": False}],
    })
    assert created.status_code == 201, await created.get_data(as_text=True)
    contact = await created.get_json()
    assert contact["customer"] == customer and contact["is_primary"] is True
    assert [(e["email"], e["send_invoices"], e["is_primary"], e["portal"]["status"]) for e in contact["emails"]] == [
        ("dana@example.com", True, True, "invited"),
        ("ap@reyes.example", False, False, "not_invited"),
    ]
    patched = await http.request("PATCH", f"/api/v1/contacts/{contact['id']}", json={"emails": [{"email": "ap@reyes.example", "send_invoices": True}]}, headers=auth)
    assert [(e["email"], e["send_invoices"], e["is_primary"]) for e in (await patched.get_json())["emails"]] == [("ap@reyes.example", True, True)]
    with in_tenant(tenant):
        assert await ContactEmail.filter(email="dana@example.com").count() == 0
    by_customer = await (await http.get(f"/api/v1/contacts?customer={customer}", headers=auth)).get_json()
    assert [c["id"] for c in by_customer["data"]] == [contact["id"]]
    by_email = await (await http.get("/api/v1/contacts?email=ap@reyes.example", headers=auth)).get_json()
    assert [c["id"] for c in by_email["data"]] == [contact["id"]]
    bad = await post(http, "/api/v1/contacts", auth, {"customer": customer, "first_name": "X", "emails": [{"email": "not-an-address"}]})
    assert bad.status_code == 422 and (await bad.get_json())["param"] == "emails.0.email"
    missing = await post(http, "/api/v1/contacts", auth, {"customer": "acct_nope", "first_name": "X"})
    assert missing.status_code == 422 and (await missing.get_json())["param"] == "customer"
    deleted = await http.request("DELETE", f"/api/v1/contacts/{contact['id']}", headers=auth)
    assert (await deleted.get_json()) == {"id": contact["id"], "object": "contact", "deleted": True}
    with in_tenant(tenant):
        assert not await Contact.filter(public_id=contact["id"]).exists()
    assert (await http.get(f"/api/v1/contacts/{contact['id']}", headers=auth)).status_code == 404


async def test_contact_upsert_twice_gives_the_same_state(api, tenant, in_tenant):
    http, auth = api
    customer = (await (await http.request("PUT", "/api/v1/customers/by-external-id/c-1", json={"name": "Upsert Home"}, headers=auth)).get_json())["id"]
    body = {"customer": customer, "first_name": "Lee", "emails": [{"email": "lee@example.com", "send_invoices": False}]}
    first = await http.request("PUT", "/api/v1/contacts/by-external-id/p-1", json=body, headers=auth)
    second = await http.request("PUT", "/api/v1/contacts/by-external-id/p-1", json=body, headers=auth)
    assert (first.status_code, second.status_code) == (201, 200)
    assert await first.get_json() == await second.get_json()
    with in_tenant(tenant):
        assert await ContactEmail.filter(email="lee@example.com").count() == 1


async def test_another_tenants_ids_are_404(api, other_client, other_tenant, make_customer, in_tenant):
    http, auth = api
    theirs = await make_customer(other_tenant, "Globex Client", emails=["g@globex.example"])
    with in_tenant(other_tenant):
        their_contact = await Contact.get(account_id=theirs.id)
    for path in (f"/api/v1/customers/{theirs.public_id}", f"/api/v1/contacts/{their_contact.public_id}"):
        response = await http.get(path, headers=auth)
        assert response.status_code == 404
        problem = await response.get_json()
        assert problem["code"] == "resource_missing" and problem["param"] == "id" and problem["status"] == 404
        assert set(problem) >= {"type", "title", "status", "detail", "code", "request_id"}
    patched = await http.request("PATCH", f"/api/v1/customers/{theirs.public_id}", json={"name": "Mine"}, headers=auth)
    assert patched.status_code == 404
    linked = await post(http, "/api/v1/contacts", auth, {"customer": theirs.public_id, "first_name": "Sneaky"})
    assert linked.status_code == 422
    with in_tenant(other_tenant):
        assert (await CustomerAccount.get(id=theirs.id)).name == "Globex Client"
    assert (await http.get("/api/v1/widgets", headers=auth)).status_code == 404


async def test_request_id_is_echoed_or_made(api):
    http, auth = api
    echoed = await http.get("/api/v1/customers", headers={**auth, "X-Request-Id": "sync-run-7"})
    assert echoed.headers["X-Request-Id"] == "sync-run-7"
    made = await http.get("/api/v1/customers/acct_nope", headers={**auth, "X-Request-Id": "bad id <script>"})
    assert made.headers["X-Request-Id"].startswith("req_")
    assert (await made.get_json())["request_id"] == made.headers["X-Request-Id"]
    unauthenticated = await http.get("/api/v1/customers")
    assert unauthenticated.headers["X-Request-Id"].startswith("req_")


async def test_rate_limit_is_per_client_with_retry_after(make_app, client_for):
    from tenants.service import create_tenant

    async with make_app(rate_limits={"api_per_client": "3/60"}) as app:
        tenant = await create_tenant("acme", "Acme Pool Care")
        http = client_for(tenant, app)
        with time_machine.travel(datetime(2031, 5, 6, 10, 0, 5, tzinfo=timezone.utc), tick=False):
            auth = await bearer(http, tenant, ALL)
            other = await bearer(http, tenant, ALL, name="Other Sync")
            for _ in range(3):
                assert (await http.get("/api/v1/customers", headers=auth)).status_code == 200
            limited = await http.get("/api/v1/customers", headers=auth)
            assert limited.status_code == 429
            assert limited.headers["Retry-After"] == "55"
            assert (await limited.get_json())["code"] == "rate_limited"
            assert (await http.get("/api/v1/customers", headers=other)).status_code == 200
        with time_machine.travel(datetime(2031, 5, 6, 10, 1, 0, tzinfo=timezone.utc), tick=False):
            assert (await http.get("/api/v1/customers", headers=auth)).status_code == 200


async def test_every_api_error_is_problem_details_even_outside_the_views(api, client_for):
    """Routing 404, unknown hosts and refused characters answer problem+json too, and no CSRF token is asked."""
    http, auth = api
    nowhere = await http.request("POST", "/api/v1/customers/acct_x/y/z", json={}, headers=auth)
    assert nowhere.status_code == 404
    assert nowhere.headers["Content-Type"].startswith("application/problem+json")
    assert (await nowhere.get_json())["code"] == "not_found"
    unknown_host = await client_for("nobody.localhost").get("/api/v1/customers", headers=auth)
    assert unknown_host.status_code == 404 and (await unknown_host.get_json())["code"] == "unknown_host"
    control = await http.post("/api/v1/customers", data='{"name": "A\\u0000B"}', headers={**auth, "Content-Type": JSON})
    assert control.status_code == 400
    assert (await control.get_json())["code"] == "invalid_characters"
    assert control.headers["X-Request-Id"]


async def test_the_api_keeps_working_while_the_portal_is_off(api, tenant):
    http, auth = api
    tenant.portal_enabled = False
    await tenant.save()
    created = await post(http, "/api/v1/customers", auth, {"name": "Setup Co"})
    assert created.status_code == 201
    assert (await http.get("/", headers={})).status_code == 503


async def test_two_updates_racing_with_one_etag_cannot_both_win(api):
    """The If-Match check and the write happen under one row lock: the slower one gets 412."""
    import asyncio

    http, auth = api
    created = await post(http, "/api/v1/customers", auth, {"name": "Race"})
    customer_id, etag = (await created.get_json())["id"], created.headers["ETag"]
    responses = await asyncio.gather(*(
        http.request("PATCH", f"/api/v1/customers/{customer_id}", json={"name": name}, headers={**auth, "If-Match": etag})
        for name in ("Left", "Right")
    ))
    assert sorted(r.status_code for r in responses) == [200, 412]
    winner = next(r for r in responses if r.status_code == 200)
    current = await (await http.get(f"/api/v1/customers/{customer_id}", headers=auth)).get_json()
    assert current["name"] == (await winner.get_json())["name"]


async def test_idempotency_keys_are_kept_a_day_then_purged(client, tenant, in_tenant):
    from core.api.builtin import purge_task
    from core.api.clients import create_client
    from core.models.api import ApiToken, IdempotencyRecord
    from tests.api_helpers import request_token

    api_client, secret = await create_client(tenant, "Nightly Sync", ALL)

    async def fresh_token() -> dict[str, str]:
        token = (await (await request_token(client, api_client.client_id, secret)).get_json())["access_token"]
        return {"Authorization": f"Bearer {token}"}

    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=False):
        auth = await fresh_token()
        first = await post(client, "/api/v1/customers", auth, {"name": "Day One"}, **{"Idempotency-Key": "nightly-1"})
        assert first.status_code == 201
        assert (await post(client, "/api/v1/customers", auth, {"name": "Other"}, **{"Idempotency-Key": "nightly-0"})).status_code == 201
    with time_machine.travel(start + timedelta(hours=23), tick=False):
        auth = await fresh_token()
        reused = await post(client, "/api/v1/customers", auth, {"name": "Day Two"}, **{"Idempotency-Key": "nightly-1"})
        assert reused.status_code == 422  # still within the day
        with in_tenant(tenant):
            await purge_task()
            assert await IdempotencyRecord.all().count() == 2
            assert await ApiToken.all().count() == 1  # the expired first token went
    with time_machine.travel(start + timedelta(hours=25), tick=False):
        # A day later the key is free again: another body is a new request, not a reuse.
        second = await post(client, "/api/v1/customers", await fresh_token(), {"name": "Day Two"}, **{"Idempotency-Key": "nightly-1"})
        assert second.status_code == 201 and "Idempotent-Replayed" not in second.headers
        with in_tenant(tenant):
            await purge_task()
            assert await IdempotencyRecord.all().values_list("key", flat=True) == ["nightly-1"]  # nightly-0 was a day old
