"""Paying several invoices with one card (issue 7, P3), and the plugin switched off.

"Two succeed, one declined": one PaymentIntent is charged or declined as a
whole, so a result per invoice differs when the customer pays some invoices
with a card that works and another with a card that is declined (or when an
invoice was settled meanwhile). Each payment's page lists every invoice
with its own result.
"""

from __future__ import annotations

import re

from core.models.billing import Invoice, Payment
from core.plugin_state import set_enabled
from plugins.payments.models import AttemptInvoice, PaymentAttempt, SavedCard
from plugins.payments.testing import DECLINED_AT_CHARGE, VISA
from plugins.payments.tests.test_portal import KEY, add_card, count, fresh, pay_form, result_of, submit_pairs
from tenants.context import use_tenant


async def pay_many(client, invoices, card: str, *, offered=None, key: str | None = None):
    if key is None:
        _, key = await pay_form(client, "/payments/pay-many")
    pairs = [("key", key), ("many", "1"), ("card", card)]
    pairs += [("offered", i.public_id) for i in (offered or invoices)]
    pairs += [("invoice", i.public_id) for i in invoices]
    return await submit_pairs(client, "/payments/pay", pairs)


async def test_two_succeed_one_declined(app, connected, pat, pat_client, portal_data, localstripe, stripe_test_client):
    tenant = connected
    a = await portal_data.invoice(pat, lines=[("April service", 1000, 10000)], due_in_days=-5)
    b = await portal_data.invoice(pat, lines=[("May service", 1000, 12000)], due_in_days=5)
    c = await portal_data.invoice(pat, lines=[("June service", 1000, 14000)], due_in_days=25)
    paid = await portal_data.invoice(pat, lines=[("March service", 1000, 9000)])
    await portal_data.payment(paid, method="cheque", reference="Cheque 12")

    listing = await (await pat_client.get("/invoices")).get_data(as_text=True)
    assert 'href="/payments/pay-many"' in listing and "Pay invoices by card" in listing
    html, key = await pay_form(pat_client, "/payments/pay-many")
    for invoice in (a, b, c):
        assert f'value="{invoice.public_id}"' in html
    assert paid.number not in html
    assert "$360.00" in html  # all chosen at first
    assert "Select all" in html

    good = (await add_card(pat_client, localstripe, tenant, VISA))["card"]
    bad = (await add_card(pat_client, localstripe, tenant, DECLINED_AT_CHARGE))["card"]

    # A and B with the good card: one PaymentIntent, one payment per invoice.
    location, result = await result_of(pat_client, await pay_many(pat_client, [a, b], good, offered=[a, b, c], key=key))
    assert "Payment received" in result and "$220.00" in result
    assert result.count('data-result="paid"') == 2
    with use_tenant(tenant):
        first = await PaymentAttempt.get()
        payments = {p.invoice_id: p for p in await Payment.filter(external_id__startswith=first.stripe_id)}
    intent = await stripe_test_client.v1.payment_intents.retrieve_async(first.stripe_id)
    assert intent.amount == 22000 and intent.metadata["invoices"] == f"{a.public_id},{b.public_id}"
    assert {k: p.amount_minor for k, p in payments.items()} == {a.id: 10000, b.id: 12000}

    # C is all that is left to pick; the declined card fails it.
    html, key = await pay_form(pat_client, "/payments/pay-many")
    assert f'value="{c.public_id}"' in html and f'value="{a.public_id}"' not in html
    _, result = await result_of(pat_client, await pay_many(pat_client, [c], bad, key=key))
    assert "Payment not made" in result and result.count('data-result="failed"') == 1

    statuses = {i.id: (await fresh(tenant, Invoice, id=i.id)).status for i in (a, b, c)}
    assert statuses == {a.id: "paid", b.id: "paid", c.id: "open"}
    assert await count(tenant, Payment, source="stripe") == 2
    payments_page = await (await pat_client.get("/payments")).get_data(as_text=True)
    assert payments_page.count("Visa ending 4242") == 2


async def test_an_invoice_settled_meanwhile_is_refused_before_charging(app, connected, pat, pat_client, portal_data, localstripe):
    tenant = connected
    a = await portal_data.invoice(pat, lines=[("Service", 1000, 10000)])
    b = await portal_data.invoice(pat, lines=[("Service", 1000, 5000)])
    card = (await add_card(pat_client, localstripe, tenant, VISA))["card"]
    _, key = await pay_form(pat_client, "/payments/pay-many")
    await portal_data.payment(b)  # staff recorded a cheque while the page was open

    response = await pay_many(pat_client, [a, b], card, key=key)
    html = await response.get_data(as_text=True)
    assert response.status_code == 409
    assert f"Invoice {b.number} is paid already and cannot be paid." in html
    assert await count(tenant, PaymentAttempt) == 0
    # The page offers what is still payable, with a new key; paying it works.
    assert f'value="{b.public_id}"' not in html and f'value="{a.public_id}"' in html
    new_key = KEY.search(html).group(1)
    assert new_key != key
    _, result = await result_of(pat_client, await pay_many(pat_client, [a], card, key=new_key))
    assert "Payment received" in result and (await fresh(tenant, Invoice, id=a.id)).status == "paid"


async def test_choose_at_least_one_and_empty_state(app, connected, pat, pat_client, portal_data, localstripe):
    tenant = connected
    a = await portal_data.invoice(pat)
    card = (await add_card(pat_client, localstripe, tenant, VISA))["card"]
    response = await pay_many(pat_client, [], card, offered=[a])
    assert response.status_code == 400 and "Choose at least one invoice to pay." in await response.get_data(as_text=True)
    await portal_data.payment(a)
    html = await (await pat_client.get("/payments/pay-many")).get_data(as_text=True)
    assert "You have no invoices to pay." in html
    listing = await (await pat_client.get("/invoices")).get_data(as_text=True)
    assert "Pay invoices by card" not in listing


async def test_plugin_disabled_has_no_routes_no_ui_and_keeps_data(app, connected, pat, pat_client, portal_data, localstripe):
    tenant = connected
    invoice = await portal_data.invoice(pat, lines=[("Service", 1000, 8000)])
    later = await portal_data.invoice(pat, lines=[("Service", 1000, 3000)])
    card = (await add_card(pat_client, localstripe, tenant, VISA))["card"]
    location, _ = await result_of(pat_client, await pay_many(pat_client, [invoice], card))

    services = app.extensions["porchside"]
    with use_tenant(tenant):
        await set_enabled("payments", False, services.plugins, services.cache)
    for path in ("/invoices", f"/invoices/{later.public_id}", "/"):
        html = await (await pat_client.get(path)).get_data(as_text=True)
        assert "/payments/pay" not in html and "Payment methods" not in html and "js.stripe.com" not in html, path
    for path in (f"/payments/pay?invoice={later.public_id}", "/payments/pay-many", "/payment-methods", location):
        assert (await pat_client.get(path)).status_code == 404, path
    assert (await pat_client.submit("/payments/pay", {"key": "pay_" + "b" * 32, "invoice": later.public_id, "card": card})).status_code == 404
    assert (await pat_client.submit(f"/payment-methods/{card}/remove")).status_code == 404
    # Core's pages still show the card payment made before.
    assert "Visa ending 4242" in await (await pat_client.get("/payments")).get_data(as_text=True)

    with use_tenant(tenant):
        await set_enabled("payments", True, services.plugins, services.cache)
    assert await count(tenant, SavedCard) == 1 and await count(tenant, AttemptInvoice, result="paid") == 1
    page = await pat_client.get(location)
    assert page.status_code == 200 and "Payment received" in await page.get_data(as_text=True)
    assert re.search(r"Visa ending 4242", await (await pat_client.get("/payment-methods")).get_data(as_text=True))
