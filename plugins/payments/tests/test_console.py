"""The console's Card payments pages: attempts (failures included), disputes, one attempt (P7)."""

from __future__ import annotations

import pytest

from core.console.testing import sign_in_staff
from core.plugin_state import set_enabled
from plugins.payments.models import Dispute, PaymentAttempt
from plugins.payments.testing import DECLINED_AT_CHARGE, THREE_D_SECURE
from plugins.payments.tests.autopay_data import autopay, card_on_file, pay_by_card, services_of


@pytest.fixture
async def history(app, connected, pat, make_customer, portal_data, stripe_test_client, in_tenant):
    """A paid invoice (two in one payment), a declined AutoPay charge and one awaiting authentication."""
    first = await portal_data.invoice(pat, lines=(("Pool opening", 1000, 18000),))
    second = await portal_data.invoice(pat, lines=(("Filter", 1000, 4500),))
    paid = await pay_by_card(app, connected, pat, [first, second], stripe_test_client)
    lee = await make_customer(connected, "Lee Declined", emails=["lee@example.com"])
    await card_on_file(app, connected, lee, stripe_test_client, DECLINED_AT_CHARGE)
    declined_invoice = await portal_data.invoice(lee, due_in_days=-1)
    await autopay(app, connected)
    kim = await make_customer(connected, "Kim Secure", emails=["kim@example.com"])
    pending = await pay_by_card(app, connected, kim, [await portal_data.invoice(kim)], stripe_test_client, THREE_D_SECURE, started_by="kim@example.com")
    with in_tenant(connected):
        declined = await PaymentAttempt.get(account_id=lee.id)
        from core.models.billing import Payment

        payment = await Payment.get(invoice_id=first.id)
        await Dispute.create(stripe_id="dp_console_1", payment=payment, amount_minor=18000, currency="USD", reason="product_not_received", status="needs_response")
    return {"paid": paid, "declined": declined, "pending": pending, "first": first, "second": second, "declined_invoice": declined_invoice, "payment": payment}


async def test_the_list_shows_every_attempt_with_failures_and_disputes(staff_client, history):
    page = await staff_client.get("/console/card-payments/")
    html = await page.get_data(as_text=True)
    assert page.status_code == 200
    assert "3 payment attempts" in html or "3 payment attempt" in html
    for name in ("Pat Doe", "Lee Declined", "Kim Secure"):
        assert name in html
    assert history["first"].number in html and history["second"].number in html
    assert "Failed" in html and "Needs authentication" in html and "Succeeded" in html
    assert "AutoPay" in html and "Visa •••• 4242" in html
    assert "Latest disputes" in html and "Product not received" in html and "$180.00" in html

    failed = await (await staff_client.get("/console/card-payments/?status=failed")).get_data(as_text=True)
    assert "Lee Declined" in failed and "Pat Doe" not in failed
    autopay_only = await (await staff_client.get("/console/card-payments/?kind=autopay")).get_data(as_text=True)
    assert "Lee Declined" in autopay_only and "Kim Secure" not in autopay_only
    by_invoice = await (await staff_client.get(f"/console/card-payments/?invoice={history['second'].public_id}")).get_data(as_text=True)
    assert "Pat Doe" in by_invoice and "Lee Declined" not in by_invoice
    nonsense = await staff_client.get("/console/card-payments/?status=<script>&kind=x&page=999")
    assert nonsense.status_code == 200


async def test_the_list_is_paginated(staff_client, history):
    html = await (await staff_client.get("/console/card-payments/?per_page=2")).get_data(as_text=True)
    assert "page=2" in html
    second = await (await staff_client.get("/console/card-payments/?per_page=2&page=2")).get_data(as_text=True)
    assert second.count("/console/card-payments/attempts/att_") == 1


async def test_one_attempt_shows_each_invoice_and_its_payment(staff_client, history):
    paid = history["paid"]
    html = await (await staff_client.get(f"/console/card-payments/attempts/{paid.public_id}")).get_data(as_text=True)
    assert history["first"].number in html and history["second"].number in html
    assert f"/console/card-payments/payments/{history['payment'].public_id}" in html
    assert paid.stripe_id in html and "$225.00" in html
    declined = await (await staff_client.get(f"/console/card-payments/attempts/{history['declined'].public_id}")).get_data(as_text=True)
    assert "Why it failed" in declined and "Not paid" in declined and "AutoPay try" in declined


async def test_disputes_page(staff_client, history):
    html = await (await staff_client.get("/console/card-payments/disputes")).get_data(as_text=True)
    assert "Product not received" in html and "Needs response" in html and history["first"].number in html


async def test_empty_states(app, tenant, client_for, connected):
    client = client_for(tenant)
    await sign_in_staff(client, "owner@acme.test")
    assert "No card payments yet" in await (await client.get("/console/card-payments/")).get_data(as_text=True)
    assert "No disputes" in await (await client.get("/console/card-payments/disputes")).get_data(as_text=True)


async def test_staff_see_the_link_and_other_businesses_see_nothing(app, staff_client, history, other_tenant, client_for, tenant, in_tenant):
    home = await (await staff_client.get("/console/")).get_data(as_text=True)
    assert "Card payments" in home and "/console/card-payments/" in home

    globex = client_for(other_tenant)
    await sign_in_staff(globex, "owner@globex.test")
    listing = await (await globex.get("/console/card-payments/")).get_data(as_text=True)
    assert "Pat Doe" not in listing and "No card payments yet" in listing
    assert (await globex.get(f"/console/card-payments/attempts/{history['paid'].public_id}")).status_code == 404
    assert (await globex.get(f"/console/card-payments/?account={history['paid'].account_id}")).status_code == 404

    signed_out = client_for(tenant)
    response = await signed_out.get("/console/card-payments/")
    assert response.status_code in (302, 303)

    # The plugin turned off: no routes, no link, the data kept.
    services = services_of(app)
    with in_tenant(tenant):
        await set_enabled("payments", False, services.plugins, services.cache)
    assert (await staff_client.get("/console/card-payments/")).status_code == 404
    assert "Card payments" not in await (await staff_client.get("/console/")).get_data(as_text=True)
    with in_tenant(tenant):
        assert await PaymentAttempt.all().count() == 3
