"""Outgoing webhooks (issue 12, item 6): real HTTP to a loopback receiver, signatures checked independently.

Signatures are verified with the ``standardwebhooks`` package (the
specification's reference implementation), never with our own signing code.
Retries are driven by moving the clock (time-machine) and running what is
due, so no test sleeps through a back-off. The SSRF tests run with
``PORCHSIDE_WEBHOOKS_ALLOW_PRIVATE`` off, resolving names through a loopback
DNS server.
"""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from standardwebhooks import Webhook

from core.console.testing import sign_in_staff
from core.models.platform import AuditEvent
from core.models.staff import StaffUser
from core.models.webhooks import WebhookDelivery, WebhookEndpoint
from core.plugin_state import announce
from core.services import use_services
from core.testing import eventually, jobs_settled
from core.web.security import CSRF_FIELD
from core.webhooks.delivery import run_due
from core.webhooks.secrets import decrypt
from tenants.context import use_tenant
from tenants.service import create_tenant
from tests.api_helpers import bearer
from tests.dns_server import LoopbackDns
from tests.webhook_receiver import WebhookReceiver

SCOPES = ["webhook_endpoints:read", "webhook_endpoints:write"]


@pytest.fixture
async def app(make_app, smtp_server):
    """An app that may send webhooks to loopback (the receiver) and real email to ``smtp_server``."""
    async with make_app(webhooks_allow_private=True, smtp_url=smtp_server.url, dev_outbox=False) as started:
        yield started


@pytest.fixture
async def receiver():
    server = await WebhookReceiver().start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def api(client, tenant):
    return client, await bearer(client, tenant, SCOPES)


async def subscribe(api, url: str, types=("invoice.paid",)) -> dict:
    http, headers = api
    response = await http.post("/api/v1/webhook_endpoints", json={"url": url, "event_types": list(types)}, headers=headers)
    body = await response.get_json()
    assert response.status_code == 201, body
    return body


async def happen(app, tenant, name="invoice.paid", subject="inv_1", **data) -> None:
    """Something happens in ``tenant``: the one broadcast core and plugins use."""
    services = app.extensions["porchside"]
    with use_tenant(tenant), use_services(services):
        await announce(name, subject, "staff:owner@acme.test", services=services, number="INV-1001", **data)


async def delivery_of(tenant, **filters) -> WebhookDelivery:
    with use_tenant(tenant):
        return await WebhookDelivery.filter(**filters).order_by("id").first()


async def next_attempt(app, tenant, delivery: WebhookDelivery) -> WebhookDelivery:
    """Move the clock to the delivery's next attempt and run what is due."""
    with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1), tick=True):
        with use_tenant(tenant):
            await run_due(app.extensions["porchside"])
            return await WebhookDelivery.get(id=delivery.id)


def verified(secret: str, request) -> dict:
    """The payload, verified by the reference implementation (raises if the signature is wrong)."""
    _, headers, body = request
    return Webhook(secret).verify(body, headers)


async def test_a_signed_webhook_reaches_a_local_server_and_verifies_independently(app, tenant, api, receiver, in_tenant):
    created = await subscribe(api, receiver.url(), ["invoice.paid", "invoice.voided"])
    secret = created["secret"]
    assert secret.startswith("whsec_") and created["object"] == "webhook_endpoint" and created["enabled"] is True

    await happen(app, tenant, "invoice.paid", "inv_abc", total_minor=12345)
    await eventually(lambda: receiver.received)
    request = receiver.received[0]
    payload = verified(secret, request)
    assert payload["type"] == "invoice.paid" and payload["timestamp"].endswith("Z")
    assert payload["data"]["id"] == "inv_abc" and payload["data"]["total_minor"] == 12345
    headers = request[1]
    assert headers["webhook-id"].startswith("whmsg_") and headers["content-type"] == "application/json"
    with pytest.raises(Exception):
        Webhook("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=").verify(request[2], headers)

    delivery = await eventually(lambda: _succeeded(tenant))
    assert delivery.public_id == headers["webhook-id"] and delivery.attempts == 1 and delivery.last_status_code == 200
    # Types the endpoint did not subscribe to are not sent.
    await happen(app, tenant, "invoice.issued", "inv_other")
    await jobs_settled(app)
    assert len(receiver.received) == 1


async def _succeeded(tenant):
    row = await delivery_of(tenant)
    return row if row is not None and row.status == "succeeded" else None


async def test_the_secret_is_shown_once_and_stored_encrypted(app, tenant, api, receiver, in_tenant):
    http, headers = api
    created = await subscribe(api, receiver.url())
    with in_tenant(tenant):
        row = await WebhookEndpoint.get(public_id=created["id"])
    assert created["secret"] not in row.secret_encrypted
    assert decrypt(row.secret_encrypted, app.extensions["porchside"].settings.secret_key) == created["secret"]
    again = await (await http.get(f"/api/v1/webhook_endpoints/{created['id']}", headers=headers)).get_json()
    assert again["secret"] is None and again["url"] == receiver.url()
    listed = await (await http.get("/api/v1/webhook_endpoints", headers=headers)).get_json()
    assert [item["secret"] for item in listed["data"]] == [None]


async def test_retried_after_a_500_with_the_same_webhook_id(app, tenant, api, receiver):
    secret = (await subscribe(api, receiver.url()))["secret"]
    receiver.answers = [500]
    await happen(app, tenant)
    await eventually(lambda: receiver.received)
    failed = await eventually(lambda: _attempted(tenant, 1))
    assert failed.status == "pending" and failed.last_status_code == 500 and "500" in failed.last_error
    assert len(failed.last_response_excerpt) <= 500  # the receiver answered 5000 characters
    assert failed.next_attempt_at > failed.last_attempt_at

    done = await next_attempt(app, tenant, failed)
    assert done.status == "succeeded" and done.attempts == 2 and done.last_status_code == 200
    first, second = receiver.received
    assert first[1]["webhook-id"] == second[1]["webhook-id"] == done.public_id
    assert first[2] == second[2]  # the same body, signed again
    verified(secret, second)


async def _attempted(tenant, attempts: int):
    row = await delivery_of(tenant)
    return row if row is not None and row.attempts >= attempts and row.next_attempt_at and row.status == "pending" else None


async def test_an_endpoint_failing_for_three_days_is_disabled_and_the_owner_emailed(app, tenant, api, receiver, smtp_server, in_tenant):
    with in_tenant(tenant):
        await StaffUser.create(email="owner@acme.test", name="Olive Owner", role="owner")
        await StaffUser.create(email="tech@acme.test", name="Tom Tech", role="staff")
    created = await subscribe(api, receiver.url())
    receiver.always = 503
    await happen(app, tenant)
    delivery = await eventually(lambda: _attempted(tenant, 1))
    for _ in range(20):
        delivery = await next_attempt(app, tenant, delivery)
        if delivery.status != "pending":
            break
    assert delivery.status == "failed" and delivery.attempts == 13  # the first try and 12 retries
    assert delivery.last_attempt_at - delivery.created_at >= timedelta(days=3)
    with in_tenant(tenant):
        endpoint = await WebhookEndpoint.get(public_id=created["id"])
        assert await AuditEvent.filter(action="webhook_endpoint.disabled", target=endpoint.public_id).exists()
    assert endpoint.enabled is False and "3 days" in endpoint.disabled_reason

    messages = await smtp_server.wait_for(1)
    assert [m["To"] for m in messages] == ["owner@acme.test"]
    assert "disabled" in messages[0]["Subject"] and receiver.url() in messages[0].get_body(("plain",)).get_content()

    # Disabled: new events are not queued for it.
    before = len(receiver.received)
    await happen(app, tenant)
    await jobs_settled(app)
    assert len(receiver.received) == before


async def test_redirects_are_not_followed(app, tenant, api, receiver):
    await subscribe(api, receiver.url("/redirect"))
    await happen(app, tenant)
    delivery = await eventually(lambda: _attempted(tenant, 1))
    assert delivery.last_status_code == 302 and "redirect" in delivery.last_error
    assert receiver.on("/elsewhere") == [] and len(receiver.on("/redirect")) == 1


async def test_api_refuses_unknown_event_types_and_bad_urls_with_stable_codes(app, tenant, api, receiver):
    http, headers = api
    bad_type = await http.post("/api/v1/webhook_endpoints", json={"url": receiver.url(), "event_types": ["invoice.eaten"]}, headers=headers)
    assert bad_type.status_code == 422 and (await bad_type.get_json())["code"] == "unknown_event_type"
    # quote.approved belongs to the quotes plugin: subscribable only while it is enabled.
    ok = await http.post("/api/v1/webhook_endpoints", json={"url": receiver.url(), "event_types": ["quote.approved"]}, headers=headers)
    assert ok.status_code == 201
    bad_url = await http.post("/api/v1/webhook_endpoints", json={"url": "ftp://example.com/x", "event_types": ["invoice.paid"]}, headers=headers)
    body = await bad_url.get_json()
    assert bad_url.status_code == 422 and body["code"] == "url_refused" and body["param"] == "url"
    empty = await http.post("/api/v1/webhook_endpoints", json={"url": receiver.url(), "event_types": []}, headers=headers)
    assert empty.status_code == 422


# -- the SSRF guard -------------------------------------------------------------


@pytest.fixture
async def loopback_dns():
    server = await LoopbackDns().start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.64.0.1/hook",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://internal.example/hook",
        "https://localhost.example/hook",
        "http://public.example/hook",
    ],
)
async def test_ssrf_guard_refuses_private_targets(make_app, client_for, loopback_dns, url):
    loopback_dns.publish_address("internal.example", "10.0.0.7")
    loopback_dns.publish_address("localhost.example", "127.0.0.1")
    loopback_dns.publish_address("public.example", "93.184.216.34")
    async with make_app(dns_nameservers=(("127.0.0.1", loopback_dns.port),)) as started:
        acme = await create_tenant("acme", "Acme Pool Care", contact_email="office@acme.test")
        http = client_for(acme, started)
        headers = await bearer(http, acme, SCOPES)
        response = await http.post("/api/v1/webhook_endpoints", json={"url": url, "event_types": ["invoice.paid"]}, headers=headers)
        body = await response.get_json()
        assert response.status_code == 422 and body["code"] == "url_refused", body
        assert "https://" in body["detail"] if url.startswith("http:") else "public addresses only" in body["detail"]


async def test_ssrf_guard_checks_again_at_delivery_so_a_name_turned_private_is_not_called(make_app, client_for, loopback_dns, receiver):
    loopback_dns.publish_address("hooks.example", "93.184.216.34")
    async with make_app(dns_nameservers=(("127.0.0.1", loopback_dns.port),)) as started:
        acme = await create_tenant("acme", "Acme Pool Care", contact_email="office@acme.test")
        http = client_for(acme, started)
        headers = await bearer(http, acme, SCOPES)
        url = f"https://hooks.example:{receiver.port}/hook"
        response = await http.post("/api/v1/webhook_endpoints", json={"url": url, "event_types": ["invoice.paid"]}, headers=headers)
        assert response.status_code == 201
        # The name now points at this machine (DNS rebinding): the delivery refuses it without connecting.
        loopback_dns.addresses["hooks.example"] = ["127.0.0.1"]
        await happen(started, acme)
        delivery = await eventually(lambda: _attempted(acme, 1))
        assert "loopback" in delivery.last_error and delivery.last_status_code is None
        assert receiver.received == []


# -- console ----------------------------------------------------------------------


async def post_pairs(client, path: str, pairs: list[tuple[str, str]], token: str | None = None):
    """POST a form with repeated fields (checkboxes) as a browser encodes it."""
    body = urlencode([(CSRF_FIELD, token or await client.csrf()), *pairs])
    return await client.post(path, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})


async def test_console_adds_an_endpoint_shows_the_secret_once_and_a_double_submit_adds_one(app, tenant, client, receiver, in_tenant):
    await sign_in_staff(client, "owner@acme.test", role="owner")
    page = await (await client.get("/console/webhooks/")).get_data(as_text=True)
    assert "quote.approved" in page and "invoice.paid" in page and 'name="form_key"' in page
    form_key = page.split('name="form_key" value="')[1].split('"')[0]
    pairs = [("form_key", form_key), ("url", receiver.url()), ("event_types", "invoice.paid"), ("event_types", "quote.approved")]
    first = await post_pairs(client, "/console/webhooks/", pairs)
    html = await first.get_data(as_text=True)
    assert first.status_code == 201 and first.headers["Cache-Control"] == "no-store"
    secret = html.split('id="webhook-secret" type="text" readonly value="')[1].split('"')[0]
    assert secret.startswith("whsec_")
    second = await post_pairs(client, "/console/webhooks/", pairs)
    assert second.status_code == 302 and "already_added" in second.headers["Location"]

    with in_tenant(tenant):
        endpoints = await WebhookEndpoint.all()
        assert await AuditEvent.filter(action="webhook_endpoint.created", actor="owner@acme.test").count() == 1
    assert len(endpoints) == 1 and endpoints[0].event_types == ["invoice.paid", "quote.approved"]
    assert endpoints[0].created_by == "owner@acme.test"
    listing = await (await client.get("/console/webhooks/")).get_data(as_text=True)
    assert receiver.url() in listing and secret not in listing
    assert secret not in await (await client.get(f"/console/webhooks/{endpoints[0].public_id}")).get_data(as_text=True)

    refused = await post_pairs(client, "/console/webhooks/", [("form_key", "k" * 20), ("url", receiver.url())])
    assert refused.status_code == 422 and "Choose at least one event type" in await refused.get_data(as_text=True)
    no_csrf = await client.post("/console/webhooks/", form={"form_key": "z" * 20, "url": receiver.url(), "event_types": "invoice.paid"})
    assert no_csrf.status_code in (400, 403)


async def test_console_needs_owner_or_admin(app, tenant, client):
    await sign_in_staff(client, "tech@acme.test", role="staff")
    assert (await client.get("/console/webhooks/")).status_code == 403


async def test_delivery_log_and_resend_keep_the_webhook_id_and_a_double_click_sends_once(app, tenant, api, client, receiver, in_tenant):
    created = await subscribe(api, receiver.url())
    await happen(app, tenant)
    delivery = await eventually(lambda: _succeeded(tenant))
    await sign_in_staff(client, "admin@acme.test", role="admin")
    log_page = await (await client.get(f"/console/webhooks/{created['id']}")).get_data(as_text=True)
    assert delivery.public_id in log_page and "invoice.paid" in log_page and "200" in log_page and "Delivered" in log_page

    resend = f"/console/webhooks/{created['id']}/deliveries/{delivery.public_id}/resend"
    token = await client.csrf()
    assert 'name="attempts" value="1"' in log_page
    first = await post_pairs(client, resend, [("attempts", "1")], token)
    second = await post_pairs(client, resend, [("attempts", "1")], token)
    assert first.status_code == 302 and "done=resent" in first.headers["Location"]
    assert second.status_code == 302 and "already_queued" in second.headers["Location"]
    await eventually(lambda: len(receiver.received) >= 2)
    await eventually(lambda: _succeeded(tenant))
    await jobs_settled(app)
    assert len(receiver.received) == 2
    assert receiver.received[0][1]["webhook-id"] == receiver.received[1][1]["webhook-id"] == delivery.public_id
    verified(created["secret"], receiver.received[1])
    with in_tenant(tenant):
        assert await AuditEvent.filter(action="webhook_delivery.resent", target=delivery.public_id).count() == 1


async def test_console_disable_enable_and_delete(app, tenant, api, client, receiver, in_tenant):
    created = await subscribe(api, receiver.url())
    await sign_in_staff(client, "owner@acme.test", role="owner")
    base = f"/console/webhooks/{created['id']}"
    assert "done=disabled" in (await client.submit(f"{base}/disable")).headers["Location"]
    await happen(app, tenant)
    await jobs_settled(app)
    assert receiver.received == []
    assert "done=enabled" in (await client.submit(f"{base}/enable")).headers["Location"]
    assert "done=deleted" in (await client.submit(f"{base}/delete")).headers["Location"]
    with in_tenant(tenant):
        assert not await WebhookEndpoint.filter(public_id=created["id"]).exists()
        actions = set(await AuditEvent.filter(target=created["id"]).values_list("action", flat=True))
    assert {"webhook_endpoint.disabled", "webhook_endpoint.enabled", "webhook_endpoint.deleted"} <= actions


async def test_another_tenants_endpoints_and_deliveries_are_404(app, tenant, other_tenant, api, client_for, receiver, in_tenant):
    created = await subscribe(api, receiver.url())
    await happen(app, tenant)
    delivery = await eventually(lambda: _succeeded(tenant))
    other = client_for(other_tenant)
    headers = await bearer(other, other_tenant, SCOPES, name="Globex Sync")
    for method in ("get", "delete"):
        response = await other.request(method.upper(), f"/api/v1/webhook_endpoints/{created['id']}", headers=headers)
        assert response.status_code == 404 and (await response.get_json())["code"] == "resource_missing"
    patch = await other.request("PATCH", f"/api/v1/webhook_endpoints/{created['id']}", json={"enabled": False}, headers=headers)
    assert patch.status_code == 404
    assert (await (await other.get("/api/v1/webhook_endpoints", headers=headers)).get_json())["data"] == []

    await sign_in_staff(other, "owner@globex.test", role="owner")
    assert (await other.get(f"/console/webhooks/{created['id']}")).status_code == 404
    resend = await other.submit(f"/console/webhooks/{created['id']}/deliveries/{delivery.public_id}/resend")
    assert resend.status_code == 404
    assert (await other.submit(f"/console/webhooks/{created['id']}/disable")).status_code == 404
    # Globex's events never reach Acme's endpoint.
    await happen(app, other_tenant)
    await jobs_settled(app)
    assert len(receiver.received) == 1
    with in_tenant(tenant):
        assert (await WebhookEndpoint.get(public_id=created["id"])).enabled is True


async def test_api_update_and_delete_are_audited_with_the_client(app, tenant, api, receiver, in_tenant):
    http, headers = api
    created = await subscribe(api, receiver.url())
    patched = await http.request("PATCH", f"/api/v1/webhook_endpoints/{created['id']}", json={"enabled": False, "event_types": ["invoice.paid", "invoice.voided"]}, headers=headers)
    body = await patched.get_json()
    assert patched.status_code == 200 and body["enabled"] is False and body["event_types"] == ["invoice.paid", "invoice.voided"]
    assert body["disabled_reason"]
    gone = await http.request("DELETE", f"/api/v1/webhook_endpoints/{created['id']}", headers=headers)
    assert gone.status_code == 200 and (await gone.get_json())["deleted"] is True
    with in_tenant(tenant):
        actions = await AuditEvent.filter(target=created["id"], actor_type="api").order_by("id").values_list("action", flat=True)
    assert actions == ["webhook_endpoint.created", "webhook_endpoint.updated", "webhook_endpoint.deleted"]


async def test_a_customer_signing_in_and_opening_an_invoice_is_sent(app, tenant, api, client, receiver, make_customer, in_tenant):
    from core.auth.passwords import hash_password
    from core.models.customers import PortalLogin
    from tests.portal_data import PortalData

    account = await make_customer(tenant, "Pat Doe", emails=["pat@example.com"])
    with in_tenant(tenant):
        await PortalLogin.create(email="pat@example.com", password_hash=await hash_password("correct horse battery"))
    invoice = await PortalData(app, tenant).invoice(account)
    secret = (await subscribe(api, receiver.url(), ["customer.signed_in", "invoice.viewed"]))["secret"]

    signed_in = await client.submit("/sign-in/password", {"email": "pat@example.com", "password": "correct horse battery"})
    assert signed_in.status_code == 302
    assert (await client.get(f"/invoices/{invoice.public_id}")).status_code == 200
    await eventually(lambda: len(receiver.received) >= 2)
    await jobs_settled(app)
    payloads = sorted((verified(secret, r) for r in receiver.received), key=lambda p: p["type"])
    assert [p["type"] for p in payloads] == ["customer.signed_in", "invoice.viewed"]
    assert payloads[0]["data"]["id"] == account.public_id and payloads[0]["data"]["email"] == "pat@example.com"
    assert payloads[1]["data"]["id"] == invoice.public_id and payloads[1]["data"]["number"] == invoice.number


def test_allow_private_is_read_from_the_environment_and_refused_in_production(tmp_path):
    from core.config import ConfigError, Settings
    from tests.test_production_mode import COMPLETE

    base = {"PORCHSIDE_DATA_DIR": str(tmp_path)}
    assert Settings.from_env(base).webhooks_allow_private is False
    assert Settings.from_env({**base, "PORCHSIDE_WEBHOOKS_ALLOW_PRIVATE": "1"}).webhooks_allow_private is True
    with pytest.raises(ConfigError, match="WEBHOOKS_ALLOW_PRIVATE"):
        Settings.from_env({**base, "PORCHSIDE_WEBHOOKS_ALLOW_PRIVATE": "maybe"})
    with pytest.raises(ConfigError, match="WEBHOOKS_ALLOW_PRIVATE off"):
        Settings.from_env({**COMPLETE, **base, "PORCHSIDE_WEBHOOKS_ALLOW_PRIVATE": "true"})


async def test_the_request_goes_to_the_vetted_address_with_the_name_as_host(make_app, client_for, loopback_dns, receiver):
    """The name is resolved once, checked, and the connection made to that address; Host still names the endpoint."""
    loopback_dns.publish_address("hooks.test", "127.0.0.1")
    async with make_app(webhooks_allow_private=True, dns_nameservers=(("127.0.0.1", loopback_dns.port),)) as started:
        acme = await create_tenant("acme", "Acme Pool Care", contact_email="office@acme.test")
        http = client_for(acme, started)
        headers = await bearer(http, acme, SCOPES)
        url = f"http://hooks.test:{receiver.port}/hook?source=porchside"
        created = await http.post("/api/v1/webhook_endpoints", json={"url": url, "event_types": ["invoice.paid"]}, headers=headers)
        assert created.status_code == 201
        await happen(started, acme)
        await eventually(lambda: receiver.received)
        path, sent, _ = receiver.received[0]
        assert path == "/hook" and sent["host"] == f"hooks.test:{receiver.port}"
        assert "hooks.test" in loopback_dns.queries


async def test_finished_deliveries_are_forgotten_after_30_days_pending_ones_are_kept(app, tenant, api, receiver, in_tenant):
    from core.webhooks.delivery import sweep_task

    await subscribe(api, receiver.url())
    await happen(app, tenant, subject="inv_old")
    delivered = await eventually(lambda: _succeeded(tenant))
    receiver.always = 500
    await happen(app, tenant, subject="inv_failing")
    await eventually(lambda: len(receiver.received) >= 2)
    await jobs_settled(app)
    with in_tenant(tenant), use_services(app.extensions["porchside"]):
        # Both are 31 days old; the failing one is still being retried, so it stays.
        await WebhookDelivery.all().update(created_at=delivered.created_at - timedelta(days=31))
        await sweep_task(app.extensions["porchside"])
        left = await WebhookDelivery.all()
    assert [d.status for d in left] == ["pending"] and json.loads(left[0].body)["data"]["id"] == "inv_failing"
