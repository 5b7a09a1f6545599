"""Opening, charging and settling payment attempts against localstripe (no request needed, as in AutoPay)."""

from __future__ import annotations

import asyncio
import secrets

import pytest

from core.models.platform import AuditEvent
from core.models.billing import Invoice, Payment
from plugins.payments.models import AUTOPAY, FAILED, ON_SESSION, REQUIRES_ACTION, SUCCEEDED, AttemptInvoice, PaymentAttempt
from plugins.payments.settle import AttemptRefused, create_intent, open_attempt, refresh_attempt, sync_attempt
from plugins.payments.stripe_api import NotConnected, is_connected, stripe_client
from plugins.payments.testing import DECLINED_AT_CHARGE, THREE_D_SECURE, VISA, card_payment_method
from tests.portal_data import PAT


def key() -> str:
    return secrets.token_urlsafe(16)


@pytest.fixture
def services(app):
    return app.extensions["porchside"]


async def charge(services, attempt, number=VISA, stripe_test_client=None):
    """Create and confirm the attempt's PaymentIntent off-session with a card of a new Stripe customer."""
    customer = await stripe_test_client.v1.customers.create_async({"email": PAT})
    method = await card_payment_method(stripe_test_client, number, customer=customer.id)
    return await create_intent(attempt, customer=customer.id, payment_method=method.id, off_session=True, confirm=True, services=services)


async def test_not_connected_until_both_keys_are_saved(app, tenant, in_tenant, services, localstripe):
    from plugins.payments.testing import connect_tenant_for_tests

    with in_tenant(tenant):
        assert not await is_connected(services)
        with pytest.raises(NotConnected):
            await stripe_client(services)
    await connect_tenant_for_tests(app, tenant, localstripe)
    with in_tenant(tenant):
        assert await is_connected(services)
        client = await stripe_client(services)
        assert client is await stripe_client(services)  # one client per tenant and key


async def test_open_attempt_charges_server_side_balances_once_per_key(connected, pat, portal_data, in_tenant, services):
    first = await portal_data.invoice(pat, lines=(("Service", 1000, 12000),))
    second = await portal_data.invoice(pat, lines=(("Repair", 2000, 2550),))
    k = key()
    with in_tenant(connected):
        attempt = await open_attempt(pat, [first, second.id], kind=ON_SESSION, started_by=PAT, key=k)
        assert attempt.amount_minor == 12000 + 5100
        assert attempt.currency == first.currency
        again = await open_attempt(pat, [first], kind=ON_SESSION, started_by=PAT, key=k)  # a double click
        assert again.id == attempt.id
        assert await PaymentAttempt.all().count() == 1
        assert [line.amount_minor for line in await AttemptInvoice.filter(attempt_id=attempt.id)] == [12000, 5100]


async def test_open_attempt_refuses_what_cannot_be_paid(connected, pat, make_customer, portal_data, in_tenant, other_tenant):
    other = await make_customer(connected, "Lee", emails=["lee@example.com"])
    theirs = await portal_data.invoice(other)
    void = await portal_data.invoice(pat, status="void")
    paid = await portal_data.invoice(pat)
    await portal_data.payment(paid)
    draft = await portal_data.invoice(pat, status="draft")
    good = await portal_data.invoice(pat)
    with in_tenant(connected):
        euro = await Invoice.create(account=pat, number="EUR-1", status="open", currency="EUR", total_minor=500)
        cases = {
            "not_found": [theirs],
            "not_open": [void],
            "no_invoices": [],
            "mixed_currency": [good, euro],
        }
        for code, invoices in cases.items():
            with pytest.raises(AttemptRefused) as refused:
                await open_attempt(pat, invoices, kind=ON_SESSION, started_by=PAT, key=key())
            assert refused.value.code == code, code
        for invoice in (paid, draft):
            with pytest.raises(AttemptRefused) as refused:
                await open_attempt(pat, [invoice], kind=ON_SESSION, started_by=PAT, key=key())
            assert refused.value.code == "not_open"
        with pytest.raises(AttemptRefused) as refused:
            await open_attempt(pat, [good], kind=ON_SESSION, started_by=PAT, key="short")
        assert refused.value.code == "bad_key"
        assert await PaymentAttempt.all().count() == 0


async def test_another_accounts_key_is_not_reused(connected, pat, make_customer, portal_data, in_tenant):
    other = await make_customer(connected, "Lee", emails=["lee@example.com"])
    mine, theirs = await portal_data.invoice(pat), await portal_data.invoice(other)
    k = key()
    with in_tenant(connected):
        await open_attempt(pat, [mine], kind=ON_SESSION, started_by=PAT, key=k)
        with pytest.raises(AttemptRefused) as refused:
            await open_attempt(other, [theirs], kind=ON_SESSION, started_by="lee@example.com", key=k)
        assert refused.value.code == "key_reused"


async def test_a_succeeded_charge_books_one_payment_per_invoice_once(
    connected, pat, portal_data, in_tenant, services, stripe_test_client, events
):
    first = await portal_data.invoice(pat, lines=(("Service", 1000, 12000),))
    second = await portal_data.invoice(pat, lines=(("Repair", 1000, 3000),))
    with in_tenant(connected):
        attempt = await open_attempt(pat, [first, second], kind=AUTOPAY, started_by="autopay", key=key(), autopay_key=f"{first.public_id}:1")
        intent = await charge(services, attempt, VISA, stripe_test_client)
        assert intent.status == "succeeded"
        assert intent.amount == 15000
        assert intent.metadata["attempt"] == attempt.public_id
        assert intent.metadata["tenant"] == connected.slug
        assert intent.metadata["invoices"] == f"{first.public_id},{second.public_id}"
        # The return page, the webhook and the job all at once, then once more.
        copies = [await PaymentAttempt.get(id=attempt.id) for _ in range(3)]
        await asyncio.gather(*(sync_attempt(copy, intent, services=services) for copy in copies))
        await refresh_attempt(await PaymentAttempt.get(id=attempt.id), services=services)

        attempt = await PaymentAttempt.get(id=attempt.id)
        assert attempt.status == SUCCEEDED
        assert (attempt.card_brand, attempt.card_last4) == ("visa", "4242")
        payments = await Payment.all().order_by("amount_minor")
        assert [(p.amount_minor, p.method, p.source, p.card_last4) for p in payments] == [(3000, "card", "stripe", "4242"), (12000, "card", "stripe", "4242")]
        assert {p.external_id for p in payments} == {f"{intent.id}:{first.public_id}", f"{intent.id}:{second.public_id}"}
        assert [i.status for i in await Invoice.filter(id__in=[first.id, second.id])] == ["paid", "paid"]
        assert {line.result for line in await AttemptInvoice.filter(attempt_id=attempt.id)} == {"paid"}
        assert await AuditEvent.filter(action="payment.recorded").count() == 2
    assert len(events.named("payment.succeeded")) == 1
    assert len(events.named("payment.recorded")) == 2
    assert len(events.named("invoice.paid")) == 2
    succeeded = events.named("payment.succeeded")[0]
    assert succeeded.data["invoices"] == [first.public_id, second.public_id]
    assert succeeded.data["amount_minor"] == 15000


async def test_a_declined_card_fails_the_attempt_and_books_nothing(
    connected, pat, portal_data, in_tenant, services, stripe_test_client, events
):
    invoice = await portal_data.invoice(pat)
    with in_tenant(connected):
        attempt = await open_attempt(pat, [invoice], kind=AUTOPAY, started_by="autopay", key=key())
        intent = await charge(services, attempt, DECLINED_AT_CHARGE, stripe_test_client)
        attempt = await sync_attempt(attempt, intent, services=services)
        assert attempt.status == FAILED
        assert attempt.failure_code == "card_declined"
        assert "declined" in attempt.failure_message
        assert await Payment.all().count() == 0
        assert (await Invoice.get(id=invoice.id)).status == "open"
        # Calling create_intent again (a retried job) charges nothing new.
        again = await create_intent(attempt, services=services)
        assert again.id == intent.id
    assert len(events.named("payment.failed")) == 1
    assert events.named("payment.failed")[0].data["failure_code"] == "card_declined"


async def test_authentication_then_success(connected, pat, portal_data, in_tenant, services, stripe_test_client, localstripe, events):
    from plugins.payments.testing import localstripe_http

    invoice = await portal_data.invoice(pat)
    with in_tenant(connected):
        attempt = await open_attempt(pat, [invoice], kind=AUTOPAY, started_by="autopay", key=key())
        intent = await charge(services, attempt, THREE_D_SECURE, stripe_test_client)
        attempt = await sync_attempt(attempt, intent, services=services)
        assert attempt.status == REQUIRES_ACTION
        async with localstripe_http(localstripe) as http:
            response = await http.post(
                f"/v1/payment_intents/{intent.id}/_authenticate",
                data={"client_secret": intent.client_secret, "success": "true"},
                auth=("sk_test_porchside_tests", ""),
            )
            assert response.status_code == 200, response.text
        attempt = await refresh_attempt(attempt, services=services)
        assert attempt.status == SUCCEEDED
        assert (await Invoice.get(id=invoice.id)).status == "paid"
    assert [e.name for e in events.named("payment.requires_action")] == ["payment.requires_action"]
    assert len(events.named("payment.succeeded")) == 1


async def test_an_invoice_settled_meanwhile_is_not_paid_twice(connected, pat, portal_data, in_tenant, services, stripe_test_client):
    invoice = await portal_data.invoice(pat)
    with in_tenant(connected):
        attempt = await open_attempt(pat, [invoice], kind=ON_SESSION, started_by=PAT, key=key())
    await portal_data.payment(await _fresh(connected, in_tenant, invoice), method="cash")  # staff recorded cash meanwhile
    with in_tenant(connected):
        intent = await charge(services, attempt, VISA, stripe_test_client)
        await sync_attempt(attempt, intent, services=services)
        line = await AttemptInvoice.get(attempt_id=attempt.id).select_related("payment")
        assert line.result == "not_applied"
        assert line.payment.amount_minor == invoice.total_minor
        fresh = await Invoice.get(id=invoice.id)
        assert fresh.paid_minor == invoice.total_minor  # not twice


async def _fresh(tenant, in_tenant, invoice):
    with in_tenant(tenant):
        return await Invoice.get(id=invoice.id)
