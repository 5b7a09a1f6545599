"""Refunds of card payments from the console, against localstripe (P7).

The form's amount is checked against what is left to refund; Stripe gets
the refund with an idempotency key from the form's key; core's ledger
records it; the audit log and staff hear of it. A double submit refunds once.
"""

from __future__ import annotations

import pytest

from core.console.testing import sign_in_staff
from core.models.billing import Payment
from core.models.platform import AuditEvent, Notification
from plugins.payments.models import AttemptInvoice, Dispute
from plugins.payments.tests.autopay_data import pay_by_card

KEY = "refund-key-0123456789"


@pytest.fixture
async def paid(app, connected, pat, portal_data, stripe_test_client, in_tenant):
    """A $100.00 invoice Pat paid by card: (payment, PaymentIntent id)."""
    invoice = await portal_data.invoice(pat, lines=(("Pool opening", 1000, 10000),))
    attempt = await pay_by_card(app, connected, pat, [invoice], stripe_test_client)
    with in_tenant(connected):
        return await Payment.get(invoice_id=invoice.id), attempt.stripe_id


async def refunds_at_stripe(stripe_test_client, intent_id: str) -> list[int]:
    listed = await stripe_test_client.v1.refunds.list_async({"payment_intent": intent_id})
    return sorted(r.amount for r in listed.data)


async def test_a_partial_then_a_full_refund(admin_client, paid, stripe_test_client, in_tenant, connected, events):
    payment, intent_id = paid
    page = await admin_client.get(f"/console/card-payments/payments/{payment.public_id}")
    html = await page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="refund_key"' in html and 'value="100.00"' in html  # the whole amount offered

    response = await admin_client.submit(
        f"/console/card-payments/payments/{payment.public_id}/refund", {"amount": "30.00", "reason": "Filter not fitted", "refund_key": KEY}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("done=refunded")
    assert await refunds_at_stripe(stripe_test_client, intent_id) == [3000]
    with in_tenant(connected):
        stored = await Payment.get(id=payment.id)
        assert (stored.refunded_minor, stored.status) == (3000, "partially_refunded")
        audit = await AuditEvent.get(action="payment.refunded", target=payment.public_id)
        assert (audit.actor, audit.detail["amount_minor"], audit.detail["reason"]) == ("ada@acme.test", 3000, "Filter not fitted")
        note = await Notification.get(kind="payment.refunded")
        assert note.title.startswith("$30.00 refunded to Pat Doe")
    assert [e.data["amount_minor"] for e in events.named("payment.refunded", "acme")] == [3000]

    page = await admin_client.get(f"/console/card-payments/payments/{payment.public_id}?done=refunded")
    html = await page.get_data(as_text=True)
    assert "Refund sent to Stripe and recorded" in html and "Filter not fitted" in html and 'value="70.00"' in html

    await admin_client.submit(f"/console/card-payments/payments/{payment.public_id}/refund", {"amount": "70", "refund_key": KEY + "-2"})
    assert await refunds_at_stripe(stripe_test_client, intent_id) == [3000, 7000]
    with in_tenant(connected):
        stored = await Payment.get(id=payment.id)
        assert (stored.refunded_minor, stored.status) == (10000, "refunded")
    html = await (await admin_client.get(f"/console/card-payments/payments/{payment.public_id}")).get_data(as_text=True)
    assert "refunded in full" in html and 'name="refund_key"' not in html
    # Core's invoice page shows it too.
    invoice_page = await admin_client.get(f"/console/invoices/{await _invoice_public_id(connected, in_tenant, stored)}")
    assert "refunded $100.00" in await invoice_page.get_data(as_text=True)


async def _invoice_public_id(tenant, in_tenant, payment) -> str:
    from core.models.billing import Invoice

    with in_tenant(tenant):
        return (await Invoice.get(id=payment.invoice_id)).public_id


async def test_a_double_submit_refunds_once(admin_client, paid, stripe_test_client, in_tenant, connected, events):
    payment, intent_id = paid
    form = {"amount": "25.00", "refund_key": KEY}
    first = await admin_client.submit(f"/console/card-payments/payments/{payment.public_id}/refund", form)
    second = await admin_client.submit(f"/console/card-payments/payments/{payment.public_id}/refund", form)
    assert first.headers["Location"].endswith("done=refunded")
    assert second.status_code == 302 and second.headers["Location"].endswith("done=already_refunded")
    assert await refunds_at_stripe(stripe_test_client, intent_id) == [2500]
    with in_tenant(connected):
        assert (await Payment.get(id=payment.id)).refunded_minor == 2500
        assert await AuditEvent.filter(action="payment.refunded").count() == 1
    assert len(events.named("payment.refunded", "acme")) == 1


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("100.01", "That is more than is left to refund ($100.00)."),
        ("0", "Enter an amount greater than zero."),
        ("-5", ""),
        ("lots", ""),
        ("", ""),
    ],
)
async def test_bad_amounts_are_refused_with_a_message_and_nothing_refunded(
    admin_client, paid, stripe_test_client, in_tenant, connected, amount, message
):
    payment, intent_id = paid
    response = await admin_client.submit(f"/console/card-payments/payments/{payment.public_id}/refund", {"amount": amount, "refund_key": KEY})
    html = await response.get_data(as_text=True)
    assert response.status_code == 400 and 'aria-invalid="true"' in html and "Nothing was saved" in html
    if message:
        assert message in html
    assert await refunds_at_stripe(stripe_test_client, intent_id) == []
    with in_tenant(connected):
        assert (await Payment.get(id=payment.id)).refunded_minor == 0
    # The same form, corrected, still works: the refused try did not use up its key.
    ok = await admin_client.submit(f"/console/card-payments/payments/{payment.public_id}/refund", {"amount": "10", "refund_key": KEY})
    assert ok.headers["Location"].endswith("done=refunded")


async def test_a_disputed_payment_is_not_refunded_here(admin_client, paid, stripe_test_client, in_tenant, connected):
    payment, intent_id = paid
    with in_tenant(connected):
        await Dispute.create(stripe_id="dp_test_refund", payment=payment, amount_minor=10000, currency="USD", reason="fraudulent")
        await Payment.filter(id=payment.id).update(status="disputed")
    page = await admin_client.get(f"/console/card-payments/payments/{payment.public_id}")
    html = await page.get_data(as_text=True)
    assert "cannot be refunded while the dispute is open" in html and "Fraudulent" in html
    response = await admin_client.submit(f"/console/card-payments/payments/{payment.public_id}/refund", {"amount": "10", "refund_key": KEY})
    assert response.status_code == 400
    assert await refunds_at_stripe(stripe_test_client, intent_id) == []


async def test_only_this_tenants_card_payments_open_and_only_for_staff(
    app, admin_client, paid, portal_data, pat, in_tenant, connected, other_tenant, client_for, pat_client
):
    payment, _ = paid
    cash = await portal_data.payment(await portal_data.invoice(pat), 2000, method="cash")
    assert (await admin_client.get(f"/console/card-payments/payments/{cash.public_id}")).status_code == 404
    assert (await admin_client.submit(f"/console/card-payments/payments/{cash.public_id}/refund", {"amount": "1"})).status_code == 404

    globex = client_for(other_tenant)
    await sign_in_staff(globex, "owner@globex.test", role="owner")
    assert (await globex.get(f"/console/card-payments/payments/{payment.public_id}")).status_code == 404
    response = await globex.submit(f"/console/card-payments/payments/{payment.public_id}/refund", {"amount": "1", "refund_key": KEY})
    assert response.status_code == 404

    # A customer session is no staff session.
    response = await pat_client.get(f"/console/card-payments/payments/{payment.public_id}")
    assert response.status_code in (302, 303) and "/console/sign-in" in response.headers["Location"]
    with in_tenant(connected):
        assert (await Payment.get(id=payment.id)).refunded_minor == 0
        assert await AttemptInvoice.filter(payment_id=payment.id).exists()
