"""One invoice, one live payment attempt at a time (issue 14, item 1).

Two tabs, two devices, the pay-many form and the AutoPay job may all try to
charge the same invoice at the same moment. Each test below starts them
together (``asyncio.gather``, separate signed-in sessions) against the real
localstripe and checks what a customer relies on: the card is charged once
and the invoice gets one payment. The database refuses a second live claim
on an invoice, so no check-then-insert window is left.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.models.billing import Invoice, Payment
from plugins.payments.models import CANCELED, CREATED, FAILED, ON_SESSION, AttemptInvoice, PaymentAttempt, SavedCard, StripeCustomer
from plugins.payments.settle import AttemptRefused, open_attempt
from plugins.payments.testing import DECLINED_AT_CHARGE, VISA
from plugins.payments.tests.autopay_data import autopay, card_on_file
from plugins.payments.tests.test_pay_many import pay_many
from plugins.payments.tests.test_portal import add_card, count, fresh, pay, pay_form, result_of
from tenants.context import use_tenant
from tests.portal_data import PAT


async def second_session(client_for, tenant):
    """Pat signed in again in another browser (another device, or a private window)."""
    other = client_for(tenant)
    await other.sign_in_as(PAT)
    return other


async def succeeded_intents(stripe_client, tenant, invoice: Invoice) -> list:
    """PaymentIntents at localstripe that took money for ``invoice`` (alone or with others).

    Read through the account's Stripe customer's charges: localstripe is shared
    by the whole test session, so a plain list of PaymentIntents is not.
    """
    with use_tenant(tenant):
        customer = await StripeCustomer.get(account_id=invoice.account_id)
    charges = await stripe_client.v1.charges.list_async({"customer": customer.stripe_id, "limit": 100})
    out = []
    for intent_id in dict.fromkeys(c.payment_intent for c in charges.data if c.status == "succeeded"):
        intent = await stripe_client.v1.payment_intents.retrieve_async(intent_id)
        metadata = intent.metadata.to_dict() if intent.metadata else {}
        if metadata.get("tenant") == tenant.slug and invoice.public_id in metadata.get("invoices", "").split(",") and intent.status == "succeeded":
            out.append(intent)
    return out


async def assert_charged_once(stripe_client, tenant, invoice: Invoice, amount: int) -> None:
    intents = await succeeded_intents(stripe_client, tenant, invoice)
    assert len(intents) == 1, [i.id for i in intents]
    assert await count(tenant, Payment, invoice_id=invoice.id) == 1
    invoice = await fresh(tenant, Invoice, id=invoice.id)
    assert (invoice.status, invoice.paid_minor) == ("paid", amount)
    with use_tenant(tenant):
        assert not await Payment.filter(reference__startswith="Not applied").exists()
        # Nothing is left holding the invoice.
        assert not await AttemptInvoice.filter(live_invoice_id=invoice.id).exists()


async def test_two_tabs_on_two_devices_pay_one_invoice_once(
    app, connected, pat, pat_client, client_for, portal_data, localstripe, stripe_test_client
):
    tenant = connected
    invoice = await portal_data.invoice(pat, lines=[("Pool opening", 1000, 24000)])
    card = (await add_card(pat_client, localstripe, tenant, VISA))["card"]
    other = await second_session(client_for, tenant)
    # Each tab has its own form, so its own key.
    _, key_one = await pay_form(pat_client, f"/payments/pay?invoice={invoice.public_id}")
    _, key_two = await pay_form(other, f"/payments/pay?invoice={invoice.public_id}")
    assert key_one != key_two

    first, second = await asyncio.gather(pay(pat_client, invoice, card, key_one), pay(other, invoice, card, key_two))

    await assert_charged_once(stripe_test_client, tenant, invoice, 24000)
    # Both tabs land on a page that says how it went, never an error page.
    for client, response in ((pat_client, first), (other, second)):
        if response.status_code == 302:
            _, html = await result_of(client, response)
            assert "Payment received" in html or "already in progress" in html
        else:
            assert response.status_code == 409
            html = await response.get_data(as_text=True)
            assert "already in progress" in html or "is paid" in html


async def test_pay_many_and_pay_one_of_the_same_invoice_at_once(
    app, connected, pat, pat_client, client_for, portal_data, localstripe, stripe_test_client
):
    tenant = connected
    shared = await portal_data.invoice(pat, lines=[("April service", 1000, 10000)])
    also = await portal_data.invoice(pat, lines=[("May service", 1000, 5000)])
    card = (await add_card(pat_client, localstripe, tenant, VISA))["card"]
    other = await second_session(client_for, tenant)
    _, many_key = await pay_form(pat_client, "/payments/pay-many")
    _, one_key = await pay_form(other, f"/payments/pay?invoice={shared.public_id}")

    many, one = await asyncio.gather(
        pay_many(pat_client, [shared, also], card, key=many_key), pay(other, shared, card, one_key)
    )

    assert many.status_code in (302, 409) and one.status_code in (302, 409)
    await assert_charged_once(stripe_test_client, tenant, shared, 10000)
    # The other invoice is paid only if the pay-many form won, and then once.
    assert await count(tenant, Payment, invoice_id=also.id) == len(await succeeded_intents(stripe_test_client, tenant, also)) <= 1


async def test_autopay_and_the_customer_paying_the_same_invoice_at_once(
    app, connected, pat, pat_client, portal_data, stripe_test_client
):
    tenant = connected
    await card_on_file(app, tenant, pat, stripe_test_client)
    with use_tenant(tenant):
        card = (await SavedCard.get(account_id=pat.id)).public_id
    invoice = await portal_data.invoice(pat, lines=[("Repair", 1000, 31000)], due_in_days=-1)
    _, key = await pay_form(pat_client, f"/payments/pay?invoice={invoice.public_id}")

    run, response = await asyncio.gather(autopay(app, tenant), pay(pat_client, invoice, card, key))

    assert response.status_code in (302, 409)
    assert run.charged == [invoice.number] or invoice.number in run.refused + run.skipped + run.charged
    await assert_charged_once(stripe_test_client, tenant, invoice, 31000)


async def test_the_database_refuses_a_second_live_claim_on_an_invoice(app, connected, pat, portal_data):
    tenant = connected
    invoice = await portal_data.invoice(pat)
    with use_tenant(tenant):
        first = await PaymentAttempt.create(account=pat, key="k" * 20, amount_minor=invoice.balance_minor, currency="USD")
        second = await PaymentAttempt.create(account=pat, key="j" * 20, amount_minor=invoice.balance_minor, currency="USD")
        await AttemptInvoice.create(attempt=first, invoice=invoice, amount_minor=1, live_invoice_id=invoice.id)
        with pytest.raises(IntegrityError):
            async with in_transaction():
                await AttemptInvoice.create(attempt=second, invoice=invoice, amount_minor=1, live_invoice_id=invoice.id)
        # A settled line holds nothing: any number of them may name the invoice.
        await AttemptInvoice.create(attempt=second, invoice=invoice, amount_minor=1, live_invoice_id=None)


async def test_after_a_declined_card_a_new_attempt_pays(app, connected, pat, pat_client, portal_data, localstripe, stripe_test_client):
    tenant = connected
    invoice = await portal_data.invoice(pat, lines=[("Service", 1000, 7000)])
    bad = (await add_card(pat_client, localstripe, tenant, DECLINED_AT_CHARGE))["card"]
    _, result = await result_of(pat_client, await pay(pat_client, invoice, bad))
    assert "Payment not made" in result
    with use_tenant(tenant):
        failed = await PaymentAttempt.get()
        assert failed.status == FAILED
        assert await AttemptInvoice.filter(attempt_id=failed.id, live_invoice_id__isnull=False).count() == 0
    good = (await add_card(pat_client, localstripe, tenant, VISA))["card"]
    _, result = await result_of(pat_client, await pay(pat_client, invoice, good))
    assert "Payment received" in result
    await assert_charged_once(stripe_test_client, tenant, invoice, 7000)


async def test_a_live_attempt_refuses_another_and_an_abandoned_one_is_taken_over(app, connected, pat, portal_data):
    tenant = connected
    invoice = await portal_data.invoice(pat, lines=[("Service", 1000, 9000)])
    with use_tenant(tenant):
        held = await open_attempt(pat, [invoice], kind=ON_SESSION, started_by=PAT, key="pay_first_tab_0000000000")
        with pytest.raises(AttemptRefused) as refused:
            await open_attempt(pat, [invoice], kind=ON_SESSION, started_by=PAT, key="pay_second_tab_000000000")
        assert refused.value.code == "in_progress" and refused.value.attempt.id == held.id
        assert "already in progress" in refused.value.message
        # The first tab's request died before it reached Stripe; minutes later the invoice is free again.
        await PaymentAttempt.filter(id=held.id).update(created_at=datetime.now(timezone.utc) - timedelta(hours=1))
        taken = await open_attempt(pat, [invoice], kind=ON_SESSION, started_by=PAT, key="pay_second_tab_000000000")
        assert taken.id != held.id and taken.status == CREATED
        assert (await PaymentAttempt.get(id=held.id)).status == CANCELED
        assert await AttemptInvoice.filter(live_invoice_id=invoice.id).values_list("attempt_id", flat=True) == [taken.id]
        # The same invoice and amount give the same idempotency key at Stripe, so a
        # request of the abandoned attempt that did reach Stripe is answered with its PaymentIntent.
        assert taken.stripe_key == held.stripe_key and taken.stripe_key.startswith("ps_")
        assert taken.stripe_key != taken.key


async def test_the_idempotency_key_changes_with_the_amount_and_after_a_charge(app, connected, pat, portal_data):
    tenant = connected
    invoice = await portal_data.invoice(pat, lines=[("Service", 1000, 9000)])
    with use_tenant(tenant):
        first = await open_attempt(pat, [invoice], kind=ON_SESSION, started_by=PAT, key="pay_generation_one_000000")
        await PaymentAttempt.filter(id=first.id).update(status=FAILED, stripe_id="pi_test_gone")
        await AttemptInvoice.filter(attempt_id=first.id).update(live_invoice_id=None, result="failed")
        second = await open_attempt(pat, [invoice], kind=ON_SESSION, started_by=PAT, key="pay_generation_two_000000")
        assert second.stripe_key != first.stripe_key  # a new try after a failed charge is a new PaymentIntent
        await AttemptInvoice.filter(attempt_id=second.id).update(live_invoice_id=None)
        await PaymentAttempt.filter(id=second.id).update(status=CANCELED)
        await Invoice.filter(id=invoice.id).update(paid_minor=1000)
        third = await open_attempt(pat, [invoice], kind=ON_SESSION, started_by=PAT, key="pay_generation_three_0000")
        assert third.stripe_key not in (first.stripe_key, second.stripe_key)  # another amount
