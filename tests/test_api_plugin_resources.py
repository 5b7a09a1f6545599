"""Integration API (issue 12): the plugins' read-only resources, declared through porchside_api_resources.

Quotes with revisions (quotes), card payments and AutoPay (payments),
message threads and service requests (marketing): listed, read, filtered,
refused for writes (405), for another tenant's ids (404) and without the
scope (403), and gone when the business switches the plugin off.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from core.models.billing import Invoice
from core.plugin_state import set_enabled
from plugins.marketing.messages.models import Message, Thread
from plugins.marketing.requests.models import ServiceRequest
from plugins.payments.models import AttemptInvoice, PaymentAttempt, SavedCard, StripeCustomer
from plugins.quotes.models import Quote, QuoteLine, QuoteRevision
from tests.api_helpers import bearer

SCOPES = [f"{name}:{verb}" for name in ("quotes", "card_payments", "autopay", "message_threads", "service_requests") for verb in ("read", "write")]


@pytest.fixture
async def seeded(tenant, make_customer, in_tenant):
    """One object of each plugin resource for one customer."""
    account = await make_customer(tenant, "Reyes Home", emails=["dana@example.com"])
    now = datetime(2026, 5, 6, 14, 0, tzinfo=timezone.utc)
    with in_tenant(tenant):
        quote = await Quote.create(account=account, number="Q-1001", title="Heater", status="sent", revision=1, currency="USD", total_minor=120000, sent_at=now)
        revision = await QuoteRevision.create(quote=quote, number=1, status="sent", title="Heater", currency="USD", subtotal_minor=120000, total_minor=120000, sent_at=now)
        await QuoteLine.create(revision=revision, description="Heat pump", quantity_milli=1000, unit_price_minor=120000, amount_minor=120000)
        invoice = await Invoice.create(account=account, number="INV-1", currency="USD", status="open", total_minor=5000)
        attempt = await PaymentAttempt.create(account=account, key="k1", amount_minor=5000, currency="USD", status="failed", card_brand="visa", card_last4="0341", failure_code="card_declined", started_by="autopay", kind="autopay")
        await AttemptInvoice.create(attempt=attempt, invoice=invoice, amount_minor=5000)
        stripe = await StripeCustomer.create(account=account, stripe_id="cus_1", autopay=True, autopay_changed_at=now, autopay_changed_by="dana@example.com")
        await SavedCard.create(account=account, stripe_id="pm_1", brand="visa", last4="4242", exp_month=12, exp_year=2030, is_default=True)
        thread = await Thread.create(account=account, subject="Gate", last_seq=1, last_message_at=now, customer_messages=1)
        await Message.create(thread=thread, seq=1, author_kind="customer", author_email="dana@example.com", author_name="Dana", body="Gate code 1234")
        request = await ServiceRequest.create(account=account, what="Green pool", requested_by="dana@example.com", form_key="f1", preferred_1=date(2026, 5, 8))
    return {"account": account, "quote": quote, "attempt": attempt, "stripe": stripe, "thread": thread, "request": request}


async def test_each_plugin_resource_lists_gets_and_filters(client, tenant, seeded):
    auth = await bearer(client, tenant, SCOPES)
    acct = seeded["account"].public_id
    quotes = await (await client.get(f"/api/v1/quotes?customer={acct}&status=sent", headers=auth)).get_json()
    [quote] = quotes["data"]
    assert quote["object"] == "quote" and quote["total_minor"] == 120000 and quote["customer"] == acct
    assert [(r["number"], r["status"], [line["amount_minor"] for line in r["lines"]]) for r in quote["revisions"]] == [(1, "sent", [120000])]
    card = await (await client.get(f"/api/v1/card_payments/{seeded['attempt'].public_id}", headers=auth)).get_json()
    assert (card["status"], card["failure_code"], card["card_last4"], card["kind"]) == ("failed", "card_declined", "0341", "autopay")
    assert card["invoices"][0]["amount_minor"] == 5000 and card["invoices"][0]["payment"] is None
    autopay = await (await client.get("/api/v1/autopay?enabled=true", headers=auth)).get_json()
    assert [(a["customer"], a["enabled"], a["default_card"]["last4"]) for a in autopay["data"]] == [(acct, True, "4242")]
    threads = await (await client.get(f"/api/v1/message_threads?customer={acct}", headers=auth)).get_json()
    assert [m["body"] for m in threads["data"][0]["messages"]] == ["Gate code 1234"] and threads["data"][0]["staff_unread"] == 1
    requests = await (await client.get("/api/v1/service_requests?status=new", headers=auth)).get_json()
    assert [(r["what"], r["preferred_dates"]) for r in requests["data"]] == [("Green pool", ["2026-05-08"])]
    document = await (await client.get("/api/v1/openapi.json")).get_json()
    assert {"/api/v1/quotes", "/api/v1/card_payments", "/api/v1/autopay", "/api/v1/message_threads", "/api/v1/service_requests"} <= set(document["paths"])


async def test_plugin_resources_refuse_writes_other_tenants_and_missing_scopes(client, tenant, other_tenant, make_customer, in_tenant, seeded, app):
    auth = await bearer(client, tenant, SCOPES)
    for name in ("card_payments", "autopay", "message_threads", "service_requests"):
        response = await client.post(f"/api/v1/{name}", json={}, headers=auth)
        assert response.status_code == 405, name
    theirs = await make_customer(other_tenant, "Globex Client")
    with in_tenant(other_tenant):
        their_quote = await Quote.create(account=theirs, number="Q-9", title="X", currency="USD")
        their_thread = await Thread.create(account=theirs)
    assert (await client.get(f"/api/v1/quotes/{their_quote.public_id}", headers=auth)).status_code == 404
    assert (await client.get(f"/api/v1/message_threads/{their_thread.public_id}", headers=auth)).status_code == 404
    assert (await (await client.get("/api/v1/quotes", headers=auth)).get_json())["data"][0]["id"] == seeded["quote"].public_id
    no_scope = await bearer(client, tenant, ["quotes:read"], name="Quotes only")
    assert (await client.get("/api/v1/service_requests", headers=no_scope)).status_code == 403
    services = app.extensions["porchside"]
    with in_tenant(tenant):
        await set_enabled("quotes", False, services.plugins, services.cache)
    assert (await client.get("/api/v1/quotes", headers=auth)).status_code == 404
    assert "/api/v1/quotes" not in (await (await client.get("/api/v1/openapi.json")).get_json())["paths"]


async def test_quotes_are_written_as_drafts_sent_once_and_revised(client, tenant, make_customer, in_tenant):
    from core.models.mail import OutboundEmail

    auth = await bearer(client, tenant, SCOPES)
    account = await make_customer(tenant, "Reyes Home", emails=["dana@example.com"])
    created = await client.post("/api/v1/quotes", json={
        "customer": account.public_id, "title": "Heater", "tax_minor": 1000,
        "lines": [{"description": "Heat pump", "unit_price_minor": 250000}, {"description": "Install", "quantity_milli": 4000, "unit_price_minor": 9000}],
    }, headers=auth)
    assert created.status_code == 201, await created.get_data(as_text=True)
    quote = await created.get_json()
    [draft] = quote["revisions"]
    assert (quote["status"], draft["status"], draft["subtotal_minor"], draft["total_minor"]) == ("draft", "draft", 286000, 287000)
    patched = await client.request("PATCH", f"/api/v1/quotes/{quote['id']}", json={"lines": [{"description": "Heat pump", "unit_price_minor": 240000}]}, headers=auth)
    assert (await patched.get_json())["revisions"][0]["total_minor"] == 241000 and patched.headers["ETag"] != created.headers["ETag"]
    wrong = await client.post(f"/api/v1/quotes/{quote['id']}/send", json={"to": ["someone@else.example"]}, headers=auth)
    assert wrong.status_code == 422 and (await wrong.get_json())["param"] == "to"
    for _ in range(2):
        sent = await client.post(f"/api/v1/quotes/{quote['id']}/send", json={}, headers=auth)
        assert sent.status_code == 200, await sent.get_data(as_text=True)
    body = await sent.get_json()
    assert (body["status"], body["revision"], body["total_minor"]) == ("sent", 1, 241000)
    with in_tenant(tenant):
        assert await OutboundEmail.filter(to="dana@example.com").exclude(kind__startswith="invite").count() == 1
    locked = await client.request("PATCH", f"/api/v1/quotes/{quote['id']}", json={"title": "Changed"}, headers=auth)
    assert locked.status_code == 409 and (await locked.get_json())["code"] == "quote_not_draft"
    revised = await client.post(f"/api/v1/quotes/{quote['id']}/revise", json={}, headers=auth)
    assert [r["status"] for r in (await revised.get_json())["revisions"]] == ["sent", "draft"]
    assert (await client.request("PATCH", f"/api/v1/quotes/{quote['id']}", json={"title": "Changed"}, headers=auth)).status_code == 200
    reader = await bearer(client, tenant, ["quotes:read"], name="Reader")
    assert (await client.post(f"/api/v1/quotes/{quote['id']}/send", json={}, headers=reader)).status_code == 403
