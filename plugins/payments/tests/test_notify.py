"""AutoPay problems and staff notifications against a real SMTP server (P5, P8).

A declined AutoPay charge, or one the bank wants confirmed, emails the
account's billing contacts a private link (to pay with another card, or to
confirm that very charge) and tells staff in the inbox and by email.
"""

from __future__ import annotations

import re

import pytest

from core.models.platform import Notification
from core.records import Event
from plugins.payments.models import Dispute
from plugins.payments.notify import handle_event
from plugins.payments.testing import DECLINED_AT_CHARGE, THREE_D_SECURE
from plugins.payments.tests.autopay_data import autopay, card_on_file, pay_by_card, smtp_app  # noqa: F401 (smtp_app replaces the app fixture here)
from tests.portal_data import PAT

LINK = re.compile(r"http://acme\.localhost/sign-in/link/[A-Za-z0-9_-]+")
SAM = "sam@example.com"  # on the account, but does not get invoices


@pytest.fixture
async def pat(make_customer, tenant):
    return await make_customer(tenant, "Pat Doe", emails=[PAT, SAM], no_invoices=[SAM])


def by_recipient(smtp_server) -> dict[str, list]:
    out: dict[str, list] = {}
    for message in smtp_server.messages:
        out.setdefault(message["To"], []).append(message)
    return out


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


async def test_a_declined_autopay_charge_emails_the_billing_contacts_a_link_to_pay(
    app, connected, pat, owner, portal_data, stripe_test_client, smtp_server, client_for, in_tenant
):
    await card_on_file(app, connected, pat, stripe_test_client, DECLINED_AT_CHARGE)
    invoice = await portal_data.invoice(pat, lines=(("Pool opening", 1000, 18000),), due_in_days=-1)
    assert (await autopay(app, connected)).failed == [invoice.number]

    await smtp_server.wait_for(2)
    mail = by_recipient(smtp_server)
    assert set(mail) == {PAT, "owner@acme.test"}  # Sam does not get invoices: no email either
    [customer_mail] = mail[PAT]
    assert customer_mail["Subject"] == "Your AutoPay payment to Acme Pool Care did not go through"
    text = text_of(customer_mail)
    assert f"Invoice {invoice.number}: $180.00" in text and "declined" in text
    [url] = LINK.findall(text)
    [staff_mail] = mail["owner@acme.test"]
    assert "AutoPay charge of $180.00 for Pat Doe failed" in staff_mail["Subject"]
    with in_tenant(connected):
        note = await Notification.get(staff_id=owner.id)
        assert note.kind == "payment.failed"

    # The link signs a fresh browser in and opens the invoice's payment page.
    fresh = client_for(connected)
    response = await fresh.submit(url.removeprefix("http://acme.localhost"))
    assert response.status_code == 302 and response.headers["Location"] == f"/payments/pay?invoice={invoice.public_id}"
    page = await fresh.get(response.headers["Location"])
    assert page.status_code == 200 and "$180.00" in await page.get_data(as_text=True)


async def test_an_autopay_charge_the_bank_wants_confirmed_links_to_that_charge(
    app, connected, pat, owner, portal_data, stripe_test_client, smtp_server, client_for, in_tenant
):
    from plugins.payments.models import PaymentAttempt

    await card_on_file(app, connected, pat, stripe_test_client, THREE_D_SECURE)
    invoice = await portal_data.invoice(pat, due_in_days=-1)
    assert (await autopay(app, connected)).needs_action == [invoice.number]

    await smtp_server.wait_for(2)
    mail = by_recipient(smtp_server)
    [customer_mail] = mail[PAT]
    assert customer_mail["Subject"] == "Action needed: confirm your AutoPay payment to Acme Pool Care"
    [url] = LINK.findall(text_of(customer_mail))
    [staff_mail] = mail["owner@acme.test"]
    assert "needs the customer to authenticate" in staff_mail["Subject"]
    with in_tenant(connected):
        attempt = await PaymentAttempt.get()
    fresh = client_for(connected)
    response = await fresh.submit(url.removeprefix("http://acme.localhost"))
    assert response.headers["Location"] == f"/payments/attempts/{attempt.public_id}"


async def test_a_customer_authenticating_in_the_portal_is_not_reported_to_staff(
    app, connected, pat, owner, portal_data, stripe_test_client, in_tenant, smtp_server
):
    invoice = await portal_data.invoice(pat)
    attempt = await pay_by_card(app, connected, pat, [invoice], stripe_test_client, THREE_D_SECURE)
    assert attempt.status == "requires_action"
    with in_tenant(connected):
        assert not await Notification.filter(kind="payment.failed").exists()
    assert smtp_server.messages == []


async def test_refunds_and_disputes_reach_staff(app, connected, pat, owner, portal_data, stripe_test_client, in_tenant, smtp_server):
    invoice = await portal_data.invoice(pat, lines=(("Repair", 1000, 25000),))
    attempt = await pay_by_card(app, connected, pat, [invoice], stripe_test_client)
    with in_tenant(connected):
        from core.models.billing import Payment

        payment = await Payment.get(invoice_id=invoice.id)
        dispute = await Dispute.create(stripe_id="dp_test_1", payment=payment, amount_minor=25000, currency="USD", reason="fraudulent")
    async with app.app_context():
        with in_tenant(connected):
            await handle_event(connected, Event("payment.refunded", payment.public_id, "staff:owner@acme.test", {"payment": payment.public_id, "amount_minor": 5000}))
            await handle_event(connected, Event("payment.disputed", dispute.public_id, "system", {"payments": [payment.public_id], "amount_minor": 25000, "reason": "fraudulent"}))
    with in_tenant(connected):
        kinds = {n.kind: n for n in await Notification.filter(staff_id=owner.id)}
    assert {"payment.received", "payment.refunded", "payment.disputed"} <= set(kinds)
    assert kinds["payment.refunded"].title == f"$50.00 refunded to Pat Doe ({invoice.number})"
    assert "Refunded by owner@acme.test" in kinds["payment.refunded"].body
    assert kinds["payment.disputed"].title == f"Pat Doe disputed a card payment of $250.00 ({invoice.number})"
    assert "fraudulent" in kinds["payment.disputed"].body
    assert kinds["payment.received"].link == f"/console/card-payments/attempts/{attempt.public_id}"
    assert kinds["payment.refunded"].link == f"/console/card-payments/payments/{payment.public_id}"


async def test_events_of_another_plugin_or_unknown_rows_are_ignored(app, connected, in_tenant):
    async with app.app_context():
        with in_tenant(connected):
            assert await handle_event(connected, Event("quote.decided", "qt_x")) is None
            assert await handle_event(connected, Event("payment.succeeded", "att_unknown")) is None
            assert await handle_event(connected, Event("payment.refunded", "pay_unknown")) is None
            assert await handle_event(connected, Event("payment.disputed", "dsp_unknown")) is None
