"""Paying an invoice by card in the portal (issue 7, P2), against localstripe.

The tests play the browser the way Stripe.js does: a new card is confirmed
on a SetupIntent at localstripe with the tenant's *publishable* key (what
``confirmCardSetup`` sends), and authentication is finished with
localstripe's ``_authenticate`` (what its ``confirmCardPayment`` stand-in
calls). Everything else goes through the portal's own pages.
"""

from __future__ import annotations

import re

import httpx

from core.models.billing import Invoice, Payment
from plugins.payments.models import AttemptInvoice, PaymentAttempt, SavedCard, StripeCustomer
from plugins.payments.testing import DECLINED, DECLINED_AT_CHARGE, THREE_D_SECURE, VISA, connect_tenant_for_tests, localstripe_http
from tenants.context import use_tenant
from tests.portal_data import PAT

KEY = re.compile(r'name="key" value="(pay_[\w-]+)"')


# -- what the browser does ---------------------------------------------------------


async def json_post(client, path: str, body: dict | None = None):
    return await client.post(path, json=body or {}, headers={"X-CSRF-Token": await client.csrf(), "Accept": "application/json"})


async def confirm_setup_like_stripe_js(localstripe, publishable_key: str, client_secret: str, number: str) -> httpx.Response:
    """What Stripe.js ``confirmCardSetup`` (localstripe's stand-in) sends, with the publishable key."""
    seti = client_secret.split("_secret_")[0]
    async with localstripe_http(localstripe) as http:
        return await http.post(
            f"/v1/setup_intents/{seti}/confirm",
            content=(
                '{"key": "%s", "use_stripe_sdk": true, "client_secret": "%s", "payment_method_data": '
                '{"type": "card", "card": {"number": "%s", "exp_month": "12", "exp_year": "2034", "cvc": "123"}, '
                '"billing_details": {"address": {"postal_code": "12345"}}}}' % (publishable_key, client_secret, number)
            ),
        )


async def add_card(client, localstripe, tenant, number: str = VISA) -> dict:
    """Add a card as the page's script does; return the server's JSON answer (``card`` or ``error``)."""
    setup = await json_post(client, "/payments/cards/setup")
    assert setup.status_code == 200, await setup.get_data(as_text=True)
    secret = (await setup.get_json())["client_secret"]
    confirmed = await confirm_setup_like_stripe_js(localstripe, f"pk_test_{tenant.slug}", secret, number)
    if confirmed.status_code == 200 and confirmed.json()["status"] == "requires_action":
        # 3-D Secure when saving: the stand-in's "Complete authentication" confirms again.
        async with localstripe_http(localstripe) as http:
            confirmed = await http.post(
                f"/v1/setup_intents/{secret.split('_secret_')[0]}/confirm",
                content='{"key": "pk_test_%s", "use_stripe_sdk": true, "client_secret": "%s"}' % (tenant.slug, secret),
            )
    answer = await json_post(client, "/payments/cards/confirm", {"setup_intent": secret.split("_secret_")[0]})
    data = await answer.get_json()
    data["_status"] = answer.status_code
    data["_stripe_status"] = confirmed.status_code
    return data


async def authenticate(localstripe, client_secret: str, success: bool) -> None:
    """The customer's answer to 3-D Secure (localstripe's ``_authenticate``, as its Stripe.js stand-in calls it)."""
    pi = client_secret.split("_secret_")[0]
    async with localstripe_http(localstripe) as http:
        response = await http.post(
            f"/v1/payment_intents/{pi}/_authenticate?success={'true' if success else 'false'}",
            content='{"key": "pk_test_x", "client_secret": "%s"}' % client_secret,
        )
    assert response.status_code == 200, response.text


async def submit_pairs(client, path: str, pairs: list[tuple[str, str]]):
    """POST a form with repeated fields (checkboxes), with a valid CSRF token, as a browser encodes it."""
    from urllib.parse import urlencode

    from core.web.security import CSRF_FIELD

    body = urlencode([(CSRF_FIELD, await client.csrf()), *pairs])
    return await client.post(path, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})


async def pay_form(client, path: str) -> tuple[str, str]:
    """The pay page and its one-time form key."""
    response = await client.get(path)
    html = await response.get_data(as_text=True)
    assert response.status_code == 200, html
    return html, KEY.search(html).group(1)


async def pay(client, invoice: Invoice, card: str, key: str | None = None, **extra):
    if key is None:
        _, key = await pay_form(client, f"/payments/pay?invoice={invoice.public_id}")
    return await client.submit("/payments/pay", {"key": key, "invoice": invoice.public_id, "card": card, **extra})


async def result_of(client, response) -> tuple[str, str]:
    assert response.status_code == 302, await response.get_data(as_text=True)
    location = response.headers["Location"]
    page = await client.get(location)
    assert page.status_code == 200
    return location, await page.get_data(as_text=True)


async def fresh(tenant, model, **filters):
    with use_tenant(tenant):
        return await model.get(**filters)


async def count(tenant, model, **filters) -> int:
    with use_tenant(tenant):
        return await model.filter(**filters).count()


# -- pay one invoice ------------------------------------------------------------


async def test_pay_an_invoice_with_a_new_card(app, connected, pat, pat_client, portal_data, localstripe, stripe_test_client):
    tenant = connected
    invoice = await portal_data.invoice(pat, lines=[("Pool service", 1000, 12345)])
    detail = await (await pat_client.get(f"/invoices/{invoice.public_id}")).get_data(as_text=True)
    assert f'href="/payments/pay?invoice={invoice.public_id}"' in detail and "Pay with card" in detail

    html, key = await pay_form(pat_client, f"/payments/pay?invoice={invoice.public_id}")
    assert "$123.45" in html and 'data-card-element' in html
    # Paying an invoice is under the Invoices tab, though the address is /payments/...
    assert 'aria-current="page">Invoices' in html and 'aria-current="page">Payments' not in html
    assert f"{localstripe.api_base}/js.stripe.com/v3/" in html

    added = await add_card(pat_client, localstripe, tenant, VISA)
    assert added["_status"] == 200 and added["default"] is True
    response = await pay(pat_client, invoice, added["card"], key)
    location, result = await result_of(pat_client, response)
    assert "Payment received" in result and "ending 4242" in result and "$123.45" in result

    invoice = await fresh(tenant, Invoice, id=invoice.id)
    assert invoice.status == "paid" and invoice.paid_minor == 12345
    with use_tenant(tenant):
        attempt = await PaymentAttempt.get(account_id=pat.id)
        payment = await Payment.get(invoice_id=invoice.id)
    assert location == f"/payments/attempts/{attempt.public_id}"
    assert (payment.method, payment.amount_minor, payment.card_last4, payment.source) == ("card", 12345, "4242", "stripe")
    assert payment.external_id == f"{attempt.stripe_id}:{invoice.public_id}"
    intent = await stripe_test_client.v1.payment_intents.retrieve_async(attempt.stripe_id)
    assert intent.amount == 12345 and intent.currency == "usd" and intent.status == "succeeded"
    assert intent.metadata["attempt"] == attempt.public_id and intent.metadata["invoices"] == invoice.public_id
    assert intent.metadata["tenant"] == tenant.slug

    # Paid: no button any more, and the pay page and a POST say so.
    detail = await (await pat_client.get(f"/invoices/{invoice.public_id}")).get_data(as_text=True)
    assert "Pay with card" not in detail
    again = await pat_client.get(f"/payments/pay?invoice={invoice.public_id}")
    assert again.status_code == 409 and "is paid: there is nothing left to pay" in await again.get_data(as_text=True)
    refused = await pay(pat_client, invoice, added["card"], key="pay_" + "x" * 32)
    assert refused.status_code == 409 and "paid already and cannot be paid" in await refused.get_data(as_text=True)
    assert await count(tenant, Payment, invoice_id=invoice.id) == 1
    # The payment shows on the Payments page like any other.
    payments = await (await pat_client.get("/payments")).get_data(as_text=True)
    assert "Visa ending 4242" in payments


async def test_double_click_on_pay_charges_once(app, connected, pat, pat_client, portal_data, localstripe, stripe_test_client):
    tenant = connected
    invoice = await portal_data.invoice(pat, lines=[("Service", 1000, 5000)])
    card = (await add_card(pat_client, localstripe, tenant))["card"]
    _, key = await pay_form(pat_client, f"/payments/pay?invoice={invoice.public_id}")
    first = await pay(pat_client, invoice, card, key)
    second = await pay(pat_client, invoice, card, key)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert await count(tenant, PaymentAttempt) == 1
    assert await count(tenant, Payment, invoice_id=invoice.id) == 1
    with use_tenant(tenant):
        attempt = await PaymentAttempt.get()
        customer = await StripeCustomer.get(account_id=pat.id)
    # Per customer: localstripe is shared by the whole session, so a plain list of PaymentIntents is not.
    charges = await stripe_test_client.v1.charges.list_async({"customer": customer.stripe_id, "limit": 100})
    assert [c.payment_intent for c in charges.data] == [attempt.stripe_id]


async def test_amount_from_the_browser_is_ignored(app, connected, pat, pat_client, portal_data, localstripe, stripe_test_client):
    tenant = connected
    invoice = await portal_data.invoice(pat, lines=[("Service", 1000, 20000)])
    await portal_data.payment(invoice, 5000)  # part paid: 150.00 left
    card = (await add_card(pat_client, localstripe, tenant))["card"]
    response = await pay(pat_client, invoice, card, amount="1", amount_minor="1", total_minor="1", currency="jpy")
    await result_of(pat_client, response)
    with use_tenant(tenant):
        attempt = await PaymentAttempt.get()
    intent = await stripe_test_client.v1.payment_intents.retrieve_async(attempt.stripe_id)
    assert (intent.amount, intent.currency, attempt.amount_minor) == (15000, "usd", 15000)
    assert (await fresh(tenant, Invoice, id=invoice.id)).status == "paid"


async def test_card_declined_at_charge(app, connected, pat, pat_client, portal_data, localstripe):
    tenant = connected
    invoice = await portal_data.invoice(pat, lines=[("Service", 1000, 7000)])
    card = (await add_card(pat_client, localstripe, tenant, DECLINED_AT_CHARGE))["card"]
    _, result = await result_of(pat_client, await pay(pat_client, invoice, card))
    assert "Payment not made" in result and "declined" in result and "Nothing was charged" in result
    assert f"/payments/pay?invoice={invoice.public_id}" in result  # try again
    assert (await fresh(tenant, Invoice, id=invoice.id)).status == "open"
    assert await count(tenant, Payment) == 0
    with use_tenant(tenant):
        attempt = await PaymentAttempt.get()
        line = await AttemptInvoice.get(attempt_id=attempt.id)
    assert attempt.status == "failed" and attempt.failure_code and line.result == "failed"
    # Another card, a new form: paid.
    good = (await add_card(pat_client, localstripe, tenant, VISA))["card"]
    _, result = await result_of(pat_client, await pay(pat_client, invoice, good))
    assert "Payment received" in result
    assert (await fresh(tenant, Invoice, id=invoice.id)).status == "paid"


async def test_card_declined_when_added_is_not_saved(app, connected, pat, pat_client, portal_data, localstripe):
    tenant = connected
    invoice = await portal_data.invoice(pat)
    answer = await add_card(pat_client, localstripe, tenant, DECLINED)
    assert answer["_stripe_status"] == 402  # Stripe.js shows the decline
    assert answer["_status"] == 400 and answer["error"]["code"] == "setup_failed"
    assert await count(tenant, SavedCard) == 0
    # The form cannot go on without a card.
    response = await pay(pat_client, invoice, "new")
    assert response.status_code == 400
    assert "Choose a saved card, or enter a new card." in await response.get_data(as_text=True)
    assert await count(tenant, PaymentAttempt) == 0


async def test_authentication_required_on_session(app, connected, pat, pat_client, portal_data, localstripe):
    tenant = connected
    first = await portal_data.invoice(pat, lines=[("Service", 1000, 4000)])
    second = await portal_data.invoice(pat, lines=[("Service", 1000, 6000)])
    card = (await add_card(pat_client, localstripe, tenant, THREE_D_SECURE))["card"]

    # The bank wants the customer: the result page offers Stripe.js's confirmation.
    location, result = await result_of(pat_client, await pay(pat_client, first, card))
    assert "Confirm your payment" in result and "Confirm with your bank" in result
    secret = re.search(r'data-client-secret="([^"]+)"', result).group(1)
    assert (await fresh(tenant, Invoice, id=first.id)).status == "open"
    await authenticate(localstripe, secret, success=True)
    result = await (await pat_client.get(location)).get_data(as_text=True)
    assert "Payment received" in result
    assert (await fresh(tenant, Invoice, id=first.id)).status == "paid"

    # Failed authentication: nothing charged, the invoice stays open.
    location, result = await result_of(pat_client, await pay(pat_client, second, card))
    secret = re.search(r'data-client-secret="([^"]+)"', result).group(1)
    await authenticate(localstripe, secret, success=False)
    result = await (await pat_client.get(location)).get_data(as_text=True)
    assert "Payment not made" in result and "Your bank could not confirm the payment" in result
    assert (await fresh(tenant, Invoice, id=second.id)).status == "open"
    assert await count(tenant, Payment) == 1


# -- who may pay what ------------------------------------------------------------


async def test_another_accounts_or_tenants_invoice_is_404(app, connected, other_tenant, pat, pat_client, portal_data, make_customer, localstripe, client_for):
    tenant = connected
    await connect_tenant_for_tests(app, other_tenant, localstripe)
    mine = await portal_data.invoice(pat)
    someone = await make_customer(tenant, "Someone Else", emails=["else@example.com"])
    theirs = await portal_data.invoice(someone)
    from tests.portal_data import PortalData

    globex_pat = await make_customer(other_tenant, "Pat at Globex", emails=[PAT])
    globex_invoice = await PortalData(app, other_tenant).invoice(globex_pat)
    card = (await add_card(pat_client, localstripe, tenant))["card"]
    _, key = await pay_form(pat_client, f"/payments/pay?invoice={mine.public_id}")

    for other in (theirs, globex_invoice):
        assert (await pat_client.get(f"/payments/pay?invoice={other.public_id}")).status_code == 404
        assert await count(tenant, PaymentAttempt) == 0
        assert (await pay(pat_client, other, card, key)).status_code == 404
        assert await count(tenant, PaymentAttempt) == 0
        many = await submit_pairs(
            pat_client, "/payments/pay",
            [("key", key), ("many", "1"), ("invoice", mine.public_id), ("invoice", other.public_id), ("card", card)],
        )
        assert many.status_code == 404, await many.get_data(as_text=True)
    assert await count(tenant, PaymentAttempt) == 0

    # Pat's card at Acme is not Pat's card at Globex, nor another account's.
    globex_client = client_for(other_tenant)
    await globex_client.sign_in_as(PAT)
    _, globex_key = await pay_form(globex_client, f"/payments/pay?invoice={globex_invoice.public_id}")
    response = await pay(globex_client, globex_invoice, card, globex_key)
    assert response.status_code == 400 and "Choose a saved card" in await response.get_data(as_text=True)
    assert (await pat_client.get("/payments/attempts/att_nothere")).status_code == 404

    # Another account's attempt is a 404 too.
    _, result = await result_of(pat_client, await pay(pat_client, mine, card, key))
    with use_tenant(tenant):
        attempt = await PaymentAttempt.get()
    else_client = client_for(tenant)
    await else_client.sign_in_as("else@example.com")
    assert (await else_client.get(f"/payments/attempts/{attempt.public_id}")).status_code == 404
    replay = await else_client.submit("/payments/pay", {"key": key, "invoice": theirs.public_id, "card": card})
    assert replay.status_code == 404


async def test_staff_viewing_as_the_customer_cannot_pay(app, connected, pat, pat_client, client_for, portal_data, localstripe):
    from core.console.testing import sign_in_staff
    from core.models.customers import ContactEmail

    tenant = connected
    invoice = await portal_data.invoice(pat)
    card = (await add_card(pat_client, localstripe, tenant))["card"]
    _, key = await pay_form(pat_client, f"/payments/pay?invoice={invoice.public_id}")
    # The owner opens the portal as Pat from the console, a read-only view.
    staff = client_for(tenant)
    await sign_in_staff(staff, "owner@acme.test", role="owner")
    with use_tenant(tenant):
        email = await ContactEmail.get(email=PAT)
    assert (await staff.submit("/console/view-as/", {"email": email.public_id})).status_code == 302
    detail = await (await staff.get(f"/invoices/{invoice.public_id}")).get_data(as_text=True)
    assert "read only" in detail and "Pay with card" not in detail
    response = await pay(staff, invoice, card, key)
    assert response.status_code == 403
    assert (await json_post(staff, "/payments/cards/setup")).status_code == 403
    assert await count(tenant, PaymentAttempt) == 0
    assert (await fresh(tenant, Invoice, id=invoice.id)).status == "open"


async def test_no_payment_ui_until_connected(app, tenant, pat, pat_client, portal_data):
    invoice = await portal_data.invoice(pat)
    detail = await (await pat_client.get(f"/invoices/{invoice.public_id}")).get_data(as_text=True)
    listing = await (await pat_client.get("/invoices")).get_data(as_text=True)
    home = await (await pat_client.get("/")).get_data(as_text=True)
    for html in (detail, listing, home):
        assert "/payments/pay" not in html and "Payment methods" not in html and "js.stripe.com" not in html
    for path in (f"/payments/pay?invoice={invoice.public_id}", "/payments/pay-many", "/payment-methods"):
        assert (await pat_client.get(path)).status_code == 404, path
    assert (await pat_client.submit("/payments/pay", {"key": "pay_" + "a" * 32, "invoice": invoice.public_id, "card": "new"})).status_code == 404


async def test_address_without_invoices_sees_no_payments(app, connected, make_customer, client, portal_data):
    account = await make_customer(connected, "Sam's house", emails=["sam@example.com"], no_invoices=["sam@example.com"])
    invoice = await portal_data.invoice(account)
    await client.sign_in_as("sam@example.com")
    home = await (await client.get("/")).get_data(as_text=True)
    assert "Payment methods" not in home
    for path in (f"/payments/pay?invoice={invoice.public_id}", "/payments/pay-many", "/payment-methods"):
        assert (await client.get(path)).status_code == 404, path
