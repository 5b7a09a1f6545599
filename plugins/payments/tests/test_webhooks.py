"""Stripe webhooks: real deliveries from localstripe, replays, any order, forged and stale signatures.

localstripe sends payment_intent events itself (through the relay fixture);
it never sends refund or dispute events, so those are built here and signed
exactly as Stripe signs them, with the tenant's webhook secret.
"""

from __future__ import annotations

import secrets
import time

import pytest

from core.models.billing import Invoice, Payment
from plugins.payments.models import AUTOPAY, CREATED, SUCCEEDED, Dispute, PaymentAttempt, WebhookEvent
from plugins.payments.settle import create_intent, open_attempt, sync_attempt
from plugins.payments.testing import (
    DECLINED_AT_CHARGE,
    VISA,
    card_payment_method,
    connect_tenant_for_tests,
    make_event,
    post_event,
)
from tests.portal_data import PAT


@pytest.fixture
def services(app):
    return app.extensions["porchside"]


async def start_charge(tenant, in_tenant, services, stripe_test_client, invoices, account, number=VISA, sync=True):
    """An AutoPay-like charge of ``invoices``: (attempt, intent); synced unless ``sync=False``."""
    customer = await stripe_test_client.v1.customers.create_async({"email": PAT})
    method = await card_payment_method(stripe_test_client, number, customer=customer.id)
    with in_tenant(tenant):
        attempt = await open_attempt(account, invoices, kind=AUTOPAY, started_by="autopay", key=secrets.token_urlsafe(16))
        intent = await create_intent(attempt, customer=customer.id, payment_method=method.id, off_session=True, confirm=True, services=services)
        if sync:
            attempt = await sync_attempt(attempt, intent, services=services)
    return attempt, intent


async def test_localstripe_deliveries_settle_the_payment_and_other_tenants_ignore_them(
    app, connected, other_tenant, pat, portal_data, in_tenant, services, stripe_test_client, stripe_webhook_relay, client, localstripe
):
    from core.testing import eventually

    await connect_tenant_for_tests(app, other_tenant, localstripe)
    stripe_webhook_relay.add(connected)
    stripe_webhook_relay.add(other_tenant)
    invoice = await portal_data.invoice(pat)
    attempt, intent = await start_charge(connected, in_tenant, services, stripe_test_client, [invoice], pat, sync=False)
    with in_tenant(connected):
        assert (await PaymentAttempt.get(id=attempt.id)).status == CREATED  # only the webhook settles it here

    applied = (200, {"result": "applied", "outcome": SUCCEEDED})
    await eventually(
        lambda: applied in [(d.status, d.body) for d in stripe_webhook_relay.received("payment_intent.succeeded", "acme.localhost")],
        timeout=20,
    )
    with in_tenant(connected):
        assert (await PaymentAttempt.get(id=attempt.id)).status == SUCCEEDED
        assert (await Invoice.get(id=invoice.id)).status == "paid"
        assert await Payment.filter(external_id=f"{intent.id}:{invoice.public_id}").count() == 1
        assert await WebhookEvent.filter(type="payment_intent.succeeded", result=SUCCEEDED).exists()
    await eventually(lambda: stripe_webhook_relay.received("payment_intent.succeeded", "globex.localhost"), timeout=10)
    theirs = [d for d in stripe_webhook_relay.received("payment_intent.succeeded", "globex.localhost")]
    assert any(d.status == 200 and d.body == {"result": "ignored"} for d in theirs)
    with in_tenant(other_tenant):
        assert await WebhookEvent.all().count() == 0
        assert await Payment.all().count() == 0


async def test_a_replayed_event_changes_nothing(connected, pat, portal_data, in_tenant, services, stripe_test_client, client, events):
    invoice = await portal_data.invoice(pat)
    attempt, intent = await start_charge(connected, in_tenant, services, stripe_test_client, [invoice], pat, sync=False)
    event = make_event("payment_intent.succeeded", intent.to_dict())
    first = await post_event(client, event)
    assert first.status_code == 200
    assert (await first.get_json())["result"] == "applied"
    again = await post_event(client, event)
    assert (await again.get_json()) == {"result": "duplicate"}
    with in_tenant(connected):
        assert await Payment.all().count() == 1
        assert await WebhookEvent.filter(stripe_id=event["id"]).count() == 1
    assert len(events.named("payment.succeeded")) == 1


async def test_events_in_any_order_leave_the_same_final_state(connected, pat, portal_data, in_tenant, services, stripe_test_client, client):
    invoice = await portal_data.invoice(pat)
    attempt, intent = await start_charge(connected, in_tenant, services, stripe_test_client, [invoice], pat, sync=False)
    failed_view = {**intent.to_dict(), "status": "requires_payment_method", "last_payment_error": {"code": "card_declined", "message": "Declined"}}
    for event in (
        make_event("payment_intent.succeeded", intent.to_dict()),
        make_event("payment_intent.payment_failed", failed_view),  # an older event, delivered late
        make_event("payment_intent.succeeded", intent.to_dict()),
    ):
        assert (await post_event(client, event)).status_code == 200
    with in_tenant(connected):
        assert (await PaymentAttempt.get(id=attempt.id)).status == SUCCEEDED
        assert (await Invoice.get(id=invoice.id)).paid_minor == invoice.total_minor
        assert await Payment.all().count() == 1


async def test_a_declined_charge_event_fails_the_attempt(connected, pat, portal_data, in_tenant, services, stripe_test_client, client):
    invoice = await portal_data.invoice(pat)
    attempt, intent = await start_charge(connected, in_tenant, services, stripe_test_client, [invoice], pat, DECLINED_AT_CHARGE, sync=False)
    response = await post_event(client, make_event("payment_intent.payment_failed", intent.to_dict()))
    assert (await response.get_json())["outcome"] == "failed"
    with in_tenant(connected):
        stored = await PaymentAttempt.get(id=attempt.id)
        assert (stored.status, stored.failure_code) == ("failed", "card_declined")
        assert (await Invoice.get(id=invoice.id)).status == "open"


@pytest.mark.parametrize("how", ["wrong_secret", "stale", "tampered", "missing"])
async def test_bad_or_stale_signatures_are_refused_and_change_nothing(
    how, connected, pat, portal_data, in_tenant, services, stripe_test_client, client
):
    from plugins.payments.testing import WEBHOOK_PATH, signed_event

    invoice = await portal_data.invoice(pat)
    attempt, intent = await start_charge(connected, in_tenant, services, stripe_test_client, [invoice], pat, sync=False)
    event = make_event("payment_intent.succeeded", intent.to_dict())
    if how == "wrong_secret":
        body, headers = signed_event(event, "whsec_someone_else")
    elif how == "stale":
        body, headers = signed_event(event, timestamp=int(time.time()) - 600)
    elif how == "tampered":
        body, headers = signed_event(event)
        body = body.replace(b'"livemode": false', b'"livemode": true')
    else:
        body, headers = signed_event(event)
        headers.pop("Stripe-Signature")
    response = await client.post(WEBHOOK_PATH, data=body, headers=headers)
    assert response.status_code == 400
    assert (await response.get_json())["error"]["code"] == "bad_signature"
    with in_tenant(connected):
        assert (await PaymentAttempt.get(id=attempt.id)).status == CREATED
        assert await WebhookEvent.all().count() == 0
        assert await Payment.all().count() == 0


async def test_another_tenants_event_is_ignored(connected, pat, portal_data, in_tenant, services, stripe_test_client, client):
    invoice = await portal_data.invoice(pat)
    attempt, intent = await start_charge(connected, in_tenant, services, stripe_test_client, [invoice], pat, sync=False)
    theirs = {**intent.to_dict(), "metadata": {**intent.to_dict()["metadata"], "tenant": "globex"}}
    response = await post_event(client, make_event("payment_intent.succeeded", theirs))
    assert (await response.get_json()) == {"result": "ignored"}
    unknown = {**intent.to_dict(), "id": "pi_not_ours", "metadata": {}}
    response = await post_event(client, make_event("payment_intent.succeeded", unknown))
    assert (await response.get_json()) == {"result": "ignored"}
    with in_tenant(connected):
        assert (await PaymentAttempt.get(id=attempt.id)).status == CREATED
        assert await WebhookEvent.all().count() == 0


async def test_no_webhook_secret_means_no_webhooks(app, tenant, client):
    response = await post_event(client, make_event("payment_intent.succeeded", {"id": "pi_x"}))
    assert response.status_code == 400
    assert (await response.get_json())["error"]["code"] == "not_configured"


async def test_refund_events_update_the_refunded_amount_once(
    connected, pat, portal_data, in_tenant, services, stripe_test_client, client, events
):
    first = await portal_data.invoice(pat, lines=(("Service", 1000, 6000),))
    second = await portal_data.invoice(pat, lines=(("Repair", 1000, 4000),))
    attempt, intent = await start_charge(connected, in_tenant, services, stripe_test_client, [first, second], pat)
    charge = intent.to_dict()["latest_charge"]
    charge = charge if isinstance(charge, dict) else {"id": charge}

    def refunded(total, event_id=None):
        return make_event("charge.refunded", {**charge, "payment_intent": intent.id, "amount_refunded": total, "refunded": total == 10000}, event_id)

    later = refunded(10000)
    assert (await (await post_event(client, refunded(2500))).get_json())["outcome"] == "refunded"
    assert (await (await post_event(client, later)).get_json())["outcome"] == "refunded"
    assert (await (await post_event(client, refunded(2500))).get_json())["outcome"] == "already_recorded"  # older, late
    assert (await (await post_event(client, later)).get_json()) == {"result": "duplicate"}
    with in_tenant(connected):
        payments = await Payment.all().order_by("id")
        assert [(p.amount_minor, p.refunded_minor, p.status) for p in payments] == [(6000, 6000, "refunded"), (4000, 4000, "refunded")]
    assert sum(e.data["amount_minor"] for e in events.named("payment.refunded")) == 10000


async def test_a_dispute_event_creates_one_dispute(connected, pat, portal_data, in_tenant, services, stripe_test_client, client, events):
    invoice = await portal_data.invoice(pat)
    attempt, intent = await start_charge(connected, in_tenant, services, stripe_test_client, [invoice], pat)
    dispute = {
        "id": "dp_" + secrets.token_hex(6), "object": "dispute", "amount": invoice.total_minor, "currency": "usd",
        "reason": "fraudulent", "status": "needs_response", "payment_intent": intent.id, "charge": "ch_x",
    }
    assert (await (await post_event(client, make_event("charge.dispute.created", dispute))).get_json())["outcome"] == "disputed"
    assert (await (await post_event(client, make_event("charge.dispute.created", dispute))).get_json())["outcome"] == "already_recorded"
    with in_tenant(connected):
        row = await Dispute.get(stripe_id=dispute["id"]).select_related("payment")
        assert (row.amount_minor, row.reason, row.payment.status) == (invoice.total_minor, "fraudulent", "disputed")
        assert await Dispute.all().count() == 1
    assert len(events.named("payment.disputed")) == 1
