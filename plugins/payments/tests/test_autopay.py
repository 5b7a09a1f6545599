"""AutoPay: the scheduled off-session charges, against localstripe (P5).

Each run is made as the scheduled job makes it: in the tenant's scope,
without a request.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from core.console.testing import sign_in_staff
from core.models.billing import Invoice, Payment
from core.models.platform import Notification
from core.plugin_state import set_enabled
from core.queue.cron import dispatch_cron
from core.services import use_services
from core.testing import eventually
from plugins.payments.autopay import TASK, AutopayRun, charge_invoice
from plugins.payments.models import AUTOPAY, FAILED, REQUIRES_ACTION, SUCCEEDED, PaymentAttempt, SavedCard
from plugins.payments.testing import DECLINED_AT_CHARGE, THREE_D_SECURE, connect_tenant_for_tests
from plugins.payments.tests.autopay_data import autopay, card_on_file, services_of
from tests.portal_data import PortalData


def attempts_of(invoice: Invoice):
    return PaymentAttempt.filter(kind=AUTOPAY, invoices__invoice_id=invoice.id).order_by("id")


async def test_a_due_invoice_is_charged_once_however_often_the_job_runs(
    app, connected, pat, portal_data, stripe_test_client, in_tenant, events
):
    customer = await card_on_file(app, connected, pat, stripe_test_client)
    due = await portal_data.invoice(pat, lines=(("Pool opening", 1000, 18000),), due_in_days=-1)
    not_due = await portal_data.invoice(pat, lines=(("Weekly service", 1000, 9000),), due_in_days=5)

    first = await autopay(app, connected)
    second = await autopay(app, connected)

    assert first.charged == [due.number]
    assert second == AutopayRun()  # paid: no longer due
    # The same try made again (a retried job, a second worker) finds its row and charges nothing.
    services = services_of(app)
    with in_tenant(connected), use_services(services):
        assert await charge_invoice(due, customer, 1, services) == "skipped"
    with in_tenant(connected):
        assert (await Invoice.get(id=due.id)).status == "paid"
        assert (await Invoice.get(id=not_due.id)).status == "open"
        payment = await Payment.get(invoice_id=due.id)
        assert (payment.method, payment.source, payment.amount_minor, payment.card_last4) == ("card", "stripe", 18000, "4242")
        attempt = await attempts_of(due).get()
        assert (attempt.status, attempt.autopay_key, attempt.started_by) == (SUCCEEDED, f"{due.public_id}:1", "autopay")
        assert await PaymentAttempt.all().count() == 1
    charges = await stripe_test_client.v1.charges.list_async({"customer": customer.stripe_id})
    assert [c.amount for c in charges.data] == [18000]  # Stripe charged once
    assert len(events.named("payment.succeeded", "acme")) == 1


async def test_charge_on_issue_or_on_the_due_date(app, tenant, localstripe, pat, portal_data, stripe_test_client, in_tenant):
    await connect_tenant_for_tests(app, tenant, localstripe, autopay_charge_on="due")
    await card_on_file(app, tenant, pat, stripe_test_client)
    issued_today = await portal_data.invoice(pat, issued_days_ago=0, due_in_days=30)

    assert await autopay(app, tenant) == AutopayRun()  # due in 30 days: not yet

    await connect_tenant_for_tests(app, tenant, localstripe, autopay_charge_on="issue")
    assert (await autopay(app, tenant)).charged == [issued_today.number]


async def test_issuing_an_invoice_charges_it_at_once_when_the_tenant_charges_on_issue(
    app, tenant, localstripe, pat, portal_data, stripe_test_client, in_tenant, client_for
):
    await connect_tenant_for_tests(app, tenant, localstripe, autopay_charge_on="issue")
    await card_on_file(app, tenant, pat, stripe_test_client)
    draft = await portal_data.invoice(pat, status="draft", lines=(("Filter", 1000, 4500),))
    staff = client_for(tenant)
    await sign_in_staff(staff, "owner@acme.test")
    response = await staff.submit(f"/console/invoices/{draft.public_id}/issue", {"terms_days": "14"})
    assert response.status_code == 302

    async def paid():
        with in_tenant(tenant):
            return (await Invoice.get(id=draft.id)).status == "paid"

    await eventually(paid)  # the job queued on issue charged it, without waiting for the schedule
    with in_tenant(tenant):
        assert await PaymentAttempt.filter(kind=AUTOPAY).count() == 1


async def test_a_declined_card_is_retried_by_the_plan_and_then_left_alone(
    app, tenant, localstripe, pat, portal_data, stripe_test_client, in_tenant, events
):
    await connect_tenant_for_tests(app, tenant, localstripe, autopay_retries=2, autopay_retry_days=3)
    await card_on_file(app, tenant, pat, stripe_test_client, DECLINED_AT_CHARGE)
    invoice = await portal_data.invoice(pat, due_in_days=0)
    now = datetime.now(timezone.utc)

    assert (await autopay(app, tenant, now=now)).failed == [invoice.number]
    assert (await autopay(app, tenant, now=now + timedelta(days=2))).skipped == [invoice.number]  # too soon
    assert (await autopay(app, tenant, now=now + timedelta(days=3, minutes=1))).failed == [invoice.number]
    assert (await autopay(app, tenant, now=now + timedelta(days=6, minutes=2))).failed == [invoice.number]
    assert (await autopay(app, tenant, now=now + timedelta(days=30))).skipped == [invoice.number]  # 1 + 2 retries made

    with in_tenant(tenant):
        tries = await attempts_of(invoice)
        assert [(a.autopay_key, a.status) for a in tries] == [(f"{invoice.public_id}:{n}", FAILED) for n in (1, 2, 3)]
        assert tries[0].failure_code and tries[0].failure_message
        assert (await Invoice.get(id=invoice.id)).status == "open"
        assert not await Payment.filter(invoice_id=invoice.id).exists()
    assert len(events.named("payment.failed", "acme")) == 3


async def test_authentication_required_waits_for_the_customer(
    app, connected, pat, portal_data, stripe_test_client, in_tenant, events
):
    await card_on_file(app, connected, pat, stripe_test_client, THREE_D_SECURE)
    invoice = await portal_data.invoice(pat, due_in_days=-2)

    assert (await autopay(app, connected)).needs_action == [invoice.number]
    later = datetime.now(timezone.utc) + timedelta(days=20)
    assert (await autopay(app, connected, now=later)).skipped == [invoice.number]  # no second charge while it waits
    with in_tenant(connected):
        assert [a.status for a in await attempts_of(invoice)] == [REQUIRES_ACTION]
    assert len(events.named("payment.requires_action", "acme")) == 1


async def test_nothing_is_charged_without_autopay_a_card_a_connection_or_the_plugin(
    app, tenant, other_tenant, localstripe, make_customer, pat, portal_data, stripe_test_client, in_tenant
):
    services = services_of(app)
    await card_on_file(app, tenant, pat, stripe_test_client)
    invoice = await portal_data.invoice(pat, due_in_days=-1)
    # Not connected: nothing, not even an attempt row.
    assert await autopay(app, tenant) == AutopayRun()
    await connect_tenant_for_tests(app, tenant, localstripe)

    # AutoPay off, or the default card no longer on file.
    others = PortalData(app, tenant)
    sam = await make_customer(tenant, "Sam Off", emails=["sam@example.com"])
    await card_on_file(app, tenant, sam, stripe_test_client, autopay=False)
    await others.invoice(sam, due_in_days=-1)
    lee = await make_customer(tenant, "Lee Gone", emails=["lee@example.com"])
    lee_customer = await card_on_file(app, tenant, lee, stripe_test_client)
    with in_tenant(tenant):
        await SavedCard.filter(account_id=lee.id).delete()
    await others.invoice(lee, due_in_days=-1)
    assert lee_customer.autopay

    # Another business with a due invoice and AutoPay on is not this run's business.
    await connect_tenant_for_tests(app, other_tenant, localstripe)
    globex_pat = await make_customer(other_tenant, "Pat at Globex", emails=["pat@example.com"])
    await card_on_file(app, other_tenant, globex_pat, stripe_test_client)
    globex_invoice = await PortalData(app, other_tenant).invoice(globex_pat, due_in_days=-1)

    # The plugin off: the scheduler does not even queue the job there.
    with in_tenant(other_tenant):
        await set_enabled("payments", False, services.plugins, services.cache)
    assert await dispatch_cron(TASK, "2026-01-01T00:00:00+00:00", services) == 1  # acme only

    async def paid():
        with in_tenant(tenant):
            return (await Invoice.get(id=invoice.id)).status == "paid"

    await eventually(paid)  # the queued job charged Pat, and only Pat
    assert await autopay(app, tenant) == AutopayRun()
    with in_tenant(tenant):
        assert await PaymentAttempt.all().count() == 1
    with in_tenant(other_tenant):
        assert await PaymentAttempt.all().count() == 0
        assert (await Invoice.get(id=globex_invoice.id)).status == "open"


async def test_staff_are_told_of_autopay_problems(app, connected, pat, owner, portal_data, stripe_test_client, in_tenant):
    await card_on_file(app, connected, pat, stripe_test_client, DECLINED_AT_CHARGE)
    invoice = await portal_data.invoice(pat, due_in_days=-1)
    await autopay(app, connected)
    with in_tenant(connected):
        note = await Notification.get(kind="payment.failed")
        assert invoice.number in note.title and "AutoPay" in note.title
        assert note.link.startswith("/console/card-payments/attempts/att_")
