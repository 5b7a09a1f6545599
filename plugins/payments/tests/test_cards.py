"""Payment methods and the AutoPay switch in the portal (issue 7, P4 and P5), against localstripe."""

from __future__ import annotations

from plugins.payments.models import SavedCard, StripeCustomer
from plugins.payments.testing import DECLINED_AT_CHARGE, VISA
from plugins.payments.tests.test_portal import add_card, count, fresh
from tenants.context import use_tenant


async def cards_at_stripe(stripe_test_client, customer_id: str) -> list[str]:
    listed = await stripe_test_client.v1.payment_methods.list_async({"customer": customer_id, "type": "card"})
    return sorted(method.id for method in listed.data)


async def test_add_list_default_and_remove_cards(app, connected, pat, pat_client, localstripe, stripe_test_client):
    tenant = connected
    page = await pat_client.get("/payment-methods")
    html = await page.get_data(as_text=True)
    assert page.status_code == 200 and "You have no cards on file." in html and "AutoPay is off." in html
    assert 'href="/payment-methods"' in html  # the nav tab
    csp = page.headers["Content-Security-Policy"]
    assert localstripe.api_base in csp.split("script-src", 1)[1].split(";")[0]

    visa = await add_card(pat_client, localstripe, tenant, VISA)
    other = await add_card(pat_client, localstripe, tenant, DECLINED_AT_CHARGE)
    assert visa["default"] is True and other["default"] is False
    with use_tenant(tenant):
        customer = await StripeCustomer.get(account_id=pat.id)
        rows = {row.public_id: row for row in await SavedCard.filter(account_id=pat.id)}
    assert (rows[visa["card"]].brand, rows[visa["card"]].last4, rows[visa["card"]].exp_month, rows[visa["card"]].exp_year) == ("visa", "4242", 12, 2034)
    assert rows[visa["card"]].added_by == "pat@example.com"
    assert customer.default_payment_method == rows[visa["card"]].stripe_id
    assert await cards_at_stripe(stripe_test_client, customer.stripe_id) == sorted(r.stripe_id for r in rows.values())

    html = await (await pat_client.get("/payment-methods")).get_data(as_text=True)
    assert "Visa ending 4242" in html and "Visa ending 0341" in html and "Expires 12/2034" in html
    assert html.index("ending 4242") < html.index("ending 0341")  # default first

    # Another default: at Stripe and here.
    moved = await pat_client.submit(f"/payment-methods/{other['card']}/default")
    assert moved.status_code == 302 and moved.headers["Location"].endswith("done=default")
    remote = await stripe_test_client.v1.customers.retrieve_async(customer.stripe_id)
    assert remote.invoice_settings.default_payment_method == rows[other["card"]].stripe_id
    assert (await fresh(tenant, SavedCard, public_id=other["card"])).is_default
    assert not (await fresh(tenant, SavedCard, public_id=visa["card"])).is_default

    # Remove one: detached at Stripe, gone here.
    removed = await pat_client.submit(f"/payment-methods/{visa['card']}/remove")
    assert removed.status_code == 302
    assert await cards_at_stripe(stripe_test_client, customer.stripe_id) == [rows[other["card"]].stripe_id]
    assert await count(tenant, SavedCard) == 1
    html = await (await pat_client.get("/payment-methods?done=removed")).get_data(as_text=True)
    assert "The card was removed." in html and "ending 4242" not in html


async def test_autopay_needs_a_default_card_and_records_who(app, connected, pat, pat_client, localstripe):
    tenant = connected
    refused = await pat_client.submit("/payment-methods/autopay", {"autopay": "on"})
    assert refused.status_code == 409
    assert "Add a card and make it your default before turning AutoPay on." in await refused.get_data(as_text=True)

    card = await add_card(pat_client, localstripe, tenant, VISA)
    html = await (await pat_client.get("/payment-methods")).get_data(as_text=True)
    assert "on each invoice&#39;s due date" in html or "on each invoice's due date" in html
    on = await pat_client.submit("/payment-methods/autopay", {"autopay": "on"})
    assert on.status_code == 302
    with use_tenant(tenant):
        customer = await StripeCustomer.get(account_id=pat.id)
    assert customer.autopay and customer.autopay_changed_by == "pat@example.com" and customer.autopay_changed_at
    html = await (await pat_client.get("/payment-methods?done=autopay_on")).get_data(as_text=True)
    assert "AutoPay is on." in html and "charged to your Visa ending 4242" in html

    # The card AutoPay uses cannot be removed while it is on.
    kept = await pat_client.submit(f"/payment-methods/{card['card']}/remove")
    assert kept.status_code == 409 and "pays your invoices with AutoPay" in await kept.get_data(as_text=True)
    assert await count(tenant, SavedCard) == 1

    off = await pat_client.submit("/payment-methods/autopay", {"autopay": "off"})
    assert off.status_code == 302
    assert not (await fresh(tenant, StripeCustomer, account_id=pat.id)).autopay
    assert (await pat_client.submit(f"/payment-methods/{card['card']}/remove")).status_code == 302
    assert await count(tenant, SavedCard) == 0


async def test_tenant_rule_is_shown(app, tenant, pat, pat_client, localstripe):
    from plugins.payments.testing import connect_tenant_for_tests

    await connect_tenant_for_tests(app, tenant, localstripe, autopay_charge_on="issue", autopay_retries=3, autopay_retry_days=2)
    html = await (await pat_client.get("/payment-methods")).get_data(as_text=True)
    assert "when an invoice is issued" in html and "up to 3 more times, 2 days apart" in html


async def test_another_accounts_card_is_404(app, connected, pat, pat_client, make_customer, client_for, localstripe):
    tenant = connected
    card = await add_card(pat_client, localstripe, tenant, VISA)
    await make_customer(tenant, "Someone Else", emails=["else@example.com"])
    other = client_for(tenant)
    await other.sign_in_as("else@example.com")
    for action in ("default", "remove"):
        assert (await other.submit(f"/payment-methods/{card['card']}/{action}")).status_code == 404
    # A SetupIntent of Pat's customer cannot become another account's card.
    setup = await (await pat_client.post("/payments/cards/setup", json={}, headers={"X-CSRF-Token": await pat_client.csrf()})).get_json()
    stolen = await other.post("/payments/cards/confirm", json={"setup_intent": setup["setup_intent"]}, headers={"X-CSRF-Token": await other.csrf()})
    assert stolen.status_code == 400 and (await stolen.get_json())["error"]["code"] == "setup_unknown"
    assert await count(tenant, SavedCard) == 1
    # Without the CSRF header the JSON endpoints refuse.
    assert (await pat_client.post("/payments/cards/setup", json={})).status_code == 403
