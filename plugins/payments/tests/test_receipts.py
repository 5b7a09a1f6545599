"""Receipts of card payments against a real SMTP server (P7, P8).

One receipt per invoice paid, with the paid invoice's PDF, to every address
of the account that gets invoices; staff hear of the payment once.
"""

from __future__ import annotations

import pytest

from core.models.platform import Notification
from core.testing import jobs_settled
from plugins.payments.settle import refresh_attempt
from plugins.payments.tests.autopay_data import autopay, card_on_file, pay_by_card, services_of, smtp_app  # noqa: F401 (smtp_app replaces the app fixture here)
from tests.portal_data import PAT, pdf_text

SAM = "sam@example.com"
CO = "co@example.com"


@pytest.fixture
async def pat(make_customer, tenant):
    return await make_customer(tenant, "Pat Doe", emails=[PAT, CO, SAM], no_invoices=[SAM])


async def test_paying_two_invoices_sends_one_receipt_per_invoice_with_its_pdf(
    app, connected, pat, owner, portal_data, stripe_test_client, smtp_server, in_tenant, events
):
    first = await portal_data.invoice(pat, lines=(("Pool opening", 1000, 18000),))
    second = await portal_data.invoice(pat, lines=(("Filter", 2000, 2550),))
    attempt = await pay_by_card(app, connected, pat, [first, second], stripe_test_client)
    assert attempt.status == "succeeded"

    # 2 invoices x 2 addresses that get invoices, and the owner's notification.
    messages = await smtp_server.wait_for(5)
    receipts = [m for m in messages if m["Subject"].startswith("Receipt:")]
    assert sorted((m["To"], m["Subject"]) for m in receipts) == sorted(
        (to, f"Receipt: {amount} paid on invoice {invoice.number}")
        for to in (PAT, CO)
        for invoice, amount in ((first, "$180.00"), (second, "$51.00"))
    )
    mail = next(m for m in receipts if m["To"] == PAT and first.number in m["Subject"])
    text = mail.get_body(("plain",)).get_content()
    assert "Visa ending 4242" in text and "Balance left on the invoice: $0.00" in text
    assert "http://acme.localhost/sign-in/link/" in text
    [pdf] = [part for part in mail.iter_attachments()]
    assert pdf.get_content_type() == "application/pdf" and pdf.get_filename() == f"invoice-{first.number}.pdf"
    printed = pdf_text(pdf.get_content())
    assert first.number in printed and "Paid" in printed and "4242" in printed

    [staff_mail] = [m for m in messages if m["To"] == "owner@acme.test"]
    assert staff_mail["Subject"] == f"Pat Doe paid $231.00 by card ({first.number}, {second.number})"
    with in_tenant(connected):
        assert await Notification.filter(kind="payment.received").count() == 1

    # The return page, the webhook and a retried job read the same payment again: nothing more is sent.
    async with app.app_context():
        with in_tenant(connected):
            await refresh_attempt(attempt, services=services_of(app))
    await jobs_settled(app)  # every queued send is done
    assert len(smtp_server.messages) == 5
    assert SAM not in {m["To"] for m in smtp_server.messages}


async def test_an_autopay_receipt_says_so(app, connected, pat, portal_data, stripe_test_client, smtp_server):
    await card_on_file(app, connected, pat, stripe_test_client)
    invoice = await portal_data.invoice(pat, due_in_days=-1)
    assert (await autopay(app, connected)).charged == [invoice.number]
    messages = await smtp_server.wait_for(2)
    assert {m["To"] for m in messages} == {PAT, CO}
    assert "(AutoPay)" in messages[0].get_body(("plain",)).get_content()


async def test_an_account_without_billing_addresses_gets_no_receipt(
    app, connected, make_customer, portal_data, stripe_test_client, smtp_server, in_tenant
):
    from plugins.payments.receipts import send_receipt
    from plugins.payments.models import AttemptInvoice

    quiet = await make_customer(connected, "Quiet Co", emails=["q@example.com"], no_invoices=["q@example.com"])
    invoice = await portal_data.invoice(quiet)
    await pay_by_card(app, connected, quiet, [invoice], stripe_test_client, started_by="q@example.com")
    with in_tenant(connected):
        line = await AttemptInvoice.get(invoice_id=invoice.id)
        assert await send_receipt(line, services_of(app)) == 0
    await jobs_settled(app)
    assert smtp_server.messages == []
