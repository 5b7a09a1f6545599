"""Back office: invoices from jobs, issuing with emails and deep links, voiding, recorded payments (S6, I1-I4, A3)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.console.testing import sign_in_staff
from core.models.billing import Invoice, InvoiceLine, Payment
from core.models.customers import CustomerAccount
from core.models.mail import OutboundEmail
from core.models.platform import AuditEvent
from core.web.rendering import tenant_today
from tenants.service import create_tenant
from tests.plugins import ledger
from tests.portal_data import PortalData, pdf_text, queries_of

LINK = re.compile(r"http://acme\.localhost/sign-in/link/[\w-]+")


@pytest.fixture
async def ledger_app(make_app):
    """An app with the ledger test plugin, which records every event it hears."""
    ledger.events.clear()
    async with make_app(plugins=[("ledger", ledger)]) as app:
        yield app
    ledger.events.clear()


@pytest.fixture
async def acme(ledger_app):
    return await create_tenant("acme", "Acme Pool Care", contact_email="office@acme.test")


@pytest.fixture
def data(ledger_app, acme) -> PortalData:
    return PortalData(ledger_app, acme)


@pytest.fixture
async def pat(make_customer, acme) -> CustomerAccount:
    """Pat's account: two addresses receive invoices, the landlord's does not."""
    return await make_customer(acme, "Pat Doe", emails=["pat@example.com", "sam@example.com", "landlord@example.com"], no_invoices=["landlord@example.com"])


@pytest.fixture
async def office(client_for, acme, ledger_app):
    office = client_for(acme, ledger_app)
    await sign_in_staff(office, "olive@acme.test", role="staff", name="Olive Office")
    return office


async def page(client, path: str) -> str:
    r = await client.get(path)
    assert r.status_code == 200, (path, r.status_code)
    return await r.get_data(as_text=True)


async def new_invoice(office, acme, in_tenant, **form) -> Invoice:
    r = await office.submit("/console/invoices/new", form)
    assert r.status_code == 302, await r.get_data(as_text=True)
    invoice_id = r.headers["Location"].split("/")[3].split("?")[0]
    with in_tenant(acme):
        return await Invoice.get(public_id=invoice_id)


async def fresh(acme, in_tenant, invoice: Invoice) -> Invoice:
    with in_tenant(acme):
        return await Invoice.get(id=invoice.id)


async def issued(office, acme, in_tenant, pat, lines=(("Labour", "2", "50.00"),)) -> Invoice:
    invoice = await new_invoice(office, acme, in_tenant, account=pat.public_id)
    for description, quantity, price in lines:
        await office.submit(f"/console/invoices/{invoice.public_id}/lines", {"description": description, "quantity": quantity, "unit_price": price})
    r = await office.submit(f"/console/invoices/{invoice.public_id}/issue", {"terms_days": "30"})
    assert r.headers["Location"].endswith("done=issued"), r.headers.get("Location")
    return await fresh(acme, in_tenant, invoice)


async def audit_actions(acme, in_tenant, prefix: str) -> list[str]:
    with in_tenant(acme):
        return [a for a in await AuditEvent.all().order_by("id").values_list("action", flat=True) if a.startswith(prefix)]


# -- drafts -------------------------------------------------------------------------


async def test_invoice_from_a_job_copies_its_charges(office, acme, in_tenant, pat, data, client_for, ledger_app):
    job = await data.job(pat, title="Pool opening", charges=[("Labour", 1500, 8500), ("Chlorine", 3000, 1299)])
    invoice = await new_invoice(office, acme, in_tenant, job=job.public_id)
    with in_tenant(acme):
        lines = list(await InvoiceLine.filter(invoice_id=invoice.id))
    assert [(l.description, l.quantity_milli, l.unit_price_minor, l.amount_minor) for l in lines] == [
        ("Labour", 1500, 8500, 12750), ("Chlorine", 3000, 1299, 3897),
    ]
    assert (invoice.status, invoice.number, invoice.job_id, invoice.subtotal_minor, invoice.total_minor) == ("draft", "INV-1001", job.id, 16647, 16647)
    html = await page(office, f"/console/invoices/{invoice.public_id}?done=created")
    assert "Draft invoice created." in html and "$166.47" in html and "pat@example.com" in html and "landlord@example.com" not in html
    # Customers never see drafts.
    customer = client_for(acme, ledger_app)
    await customer.sign_in_as("pat@example.com")
    assert (await customer.get(f"/invoices/{invoice.public_id}")).status_code == 404
    assert await audit_actions(acme, in_tenant, "invoice.") == ["invoice.created"]


async def test_draft_lines_tax_and_memo_then_frozen_once_issued(office, acme, in_tenant, pat):
    invoice = await new_invoice(office, acme, in_tenant, account=pat.public_id)
    base = f"/console/invoices/{invoice.public_id}"
    await office.submit(f"{base}/lines", {"description": "Labour", "quantity": "2.5", "unit_price": "40"})
    await office.submit(f"{base}/lines", {"description": "Filter", "quantity": "1", "unit_price": "19.99"})
    r = await office.submit(f"{base}/lines", {"description": "Bad", "quantity": "1", "unit_price": "1.999"})
    assert r.status_code == 400 and "USD amounts have at most 2 decimals." in await r.get_data(as_text=True)
    await office.submit(f"{base}/details", {"memo": "Thank you!", "tax": "9.60"})
    invoice = await fresh(acme, in_tenant, invoice)
    assert (invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor, invoice.memo) == (11999, 960, 12959, "Thank you!")
    with in_tenant(acme):
        filter_line = await InvoiceLine.get(description="Filter")
    draft_page = await page(office, base)
    assert f'href="{base}/lines/{filter_line.public_id}"' in draft_page and f'action="{base}/lines/{filter_line.public_id}/delete"' in draft_page
    assert 'value="19.99"' in await page(office, f"{base}/lines/{filter_line.public_id}")
    await office.submit(f"{base}/lines/{filter_line.public_id}", {"description": "Filter cartridge", "quantity": "2", "unit_price": "19.99"})
    assert (await fresh(acme, in_tenant, invoice)).total_minor == 10000 + 3998 + 960
    r = await office.submit(f"{base}/lines/{filter_line.public_id}/delete")
    assert r.headers["Location"].endswith(f"{base}?done=line_deleted#lines")
    assert (await fresh(acme, in_tenant, invoice)).total_minor == 10000 + 960
    with in_tenant(acme):
        entries = await AuditEvent.filter(action__startswith="invoice.line_", target=filter_line.public_id).order_by("id")
    assert [(e.action, e.detail) for e in entries] == [
        ("invoice.line_added", {"invoice": invoice.public_id, "amount_minor": 1999}),
        ("invoice.line_updated", {"invoice": invoice.public_id, "amount_minor": 3998}),
        ("invoice.line_deleted", {"invoice": invoice.public_id}),
    ]
    r = await office.submit(f"{base}/details", {"memo": "", "tax": "-1"})
    assert r.status_code == 400 and "Enter an amount of zero or more." in await r.get_data(as_text=True)

    await office.submit(f"{base}/issue", {"terms_days": "14"})
    for path, form in (
        (f"{base}/lines", {"description": "Late", "quantity": "1", "unit_price": "1"}),
        (f"{base}/details", {"memo": "changed", "tax": "0"}),
        (f"{base}/delete", {}),
    ):
        r = await office.submit(path, form)
        assert r.status_code == 409 and "Only a draft invoice can be changed" in await r.get_data(as_text=True)
    with in_tenant(acme):
        [line] = await InvoiceLine.filter(invoice_id=invoice.id)
    assert (await office.get(f"{base}/lines/{line.public_id}")).status_code == 409
    issued = await page(office, base)
    assert "Labour" in issued and f"{base}/lines/{line.public_id}" not in issued  # no Edit or Remove once issued
    assert (await fresh(acme, in_tenant, invoice)).total_minor == 10960


async def test_a_draft_can_be_deleted(office, acme, in_tenant, pat):
    invoice = await new_invoice(office, acme, in_tenant, account=pat.public_id)
    await office.submit(f"/console/invoices/{invoice.public_id}/lines", {"description": "X", "quantity": "1", "unit_price": "5"})
    r = await office.submit(f"/console/invoices/{invoice.public_id}/delete")
    assert r.status_code == 302
    with in_tenant(acme):
        assert not await Invoice.filter(id=invoice.id).exists()
        assert not await InvoiceLine.filter(invoice_id=invoice.id).exists()


# -- issuing ----------------------------------------------------------------------


async def test_issuing_emails_each_invoice_address_a_deep_link_and_the_pdf(office, acme, in_tenant, pat, data, client_for, ledger_app):
    job = await data.job(pat, title="Pool opening", charges=[("Opening labour", 2000, 8500)])
    invoice = await new_invoice(office, acme, in_tenant, job=job.public_id)
    r = await office.submit(f"/console/invoices/{invoice.public_id}/issue", {"terms_days": "14"})
    assert r.status_code == 302 and r.headers["Location"].endswith("done=issued")
    invoice = await fresh(acme, in_tenant, invoice)
    today = tenant_today(acme)
    assert (invoice.status, invoice.issued_on, invoice.due_on, invoice.total_minor) == ("open", today, today + timedelta(days=14), 17000)

    with in_tenant(acme):
        emails = list(await OutboundEmail.filter(kind="invoice.issued").order_by("to"))
    assert [e.to for e in emails] == ["pat@example.com", "sam@example.com"]  # not the landlord: "Send invoices" is off
    pat_email = emails[0]
    assert pat_email.subject.startswith("Invoice INV-1001 from Acme Pool Care: $170.00, due ")
    assert "Hello Pat," in pat_email.text and "job J-" in pat_email.text and "Pool opening" in pat_email.html
    [attachment] = pat_email.attachments
    assert attachment["content_type"] == "application/pdf" and attachment["filename"] == "invoice-INV-1001.pdf"
    with in_tenant(acme):
        pdf = await ledger_app.extensions["porchside"].storage.read(attachment["storage_key"])
    text = pdf_text(pdf)
    assert "INV-1001" in text and "170.00" in text

    # The link signs Pat straight into the invoice.
    [url] = LINK.findall(pat_email.text)
    assert url in pat_email.html
    path = url.removeprefix("http://acme.localhost")
    customer = client_for(acme, ledger_app)
    assert "Continue" in await page(customer, path)
    r = await customer.submit(path)
    assert r.status_code == 302 and r.headers["Location"] == f"/invoices/{invoice.public_id}"
    assert "INV-1001" in await page(customer, r.headers["Location"])
    # Sam's link is Sam's own.
    assert LINK.findall(emails[1].text) != [url]

    assert ledger.events.count("invoice.issued") == 1
    assert await audit_actions(acme, in_tenant, "invoice.issued") == ["invoice.issued"]
    with in_tenant(acme):
        detail = (await AuditEvent.get(action="invoice.issued")).detail
    assert detail["emailed"] == 2 and detail["total_minor"] == 17000
    assert "Invoice issued." in await page(office, f"/console/invoices/{invoice.public_id}?done=issued")
    staff_pdf = await office.get(f"/console/invoices/{invoice.public_id}/pdf")
    assert staff_pdf.status_code == 200 and (await staff_pdf.get_data()).startswith(b"%PDF-")


async def test_issuing_twice_issues_and_emails_once(office, acme, in_tenant, pat):
    invoice = await new_invoice(office, acme, in_tenant, account=pat.public_id)
    await office.submit(f"/console/invoices/{invoice.public_id}/lines", {"description": "Labour", "quantity": "1", "unit_price": "80"})
    first = await office.submit(f"/console/invoices/{invoice.public_id}/issue", {"terms_days": "30"})
    second = await office.submit(f"/console/invoices/{invoice.public_id}/issue", {"terms_days": "5"})
    assert first.headers["Location"].endswith("done=issued")
    assert second.headers["Location"].endswith("done=already_issued")
    invoice = await fresh(acme, in_tenant, invoice)
    assert invoice.due_on == invoice.issued_on + timedelta(days=30)
    with in_tenant(acme):
        assert await OutboundEmail.filter(kind="invoice.issued").count() == 2
    assert ledger.events.count("invoice.issued") == 1
    assert await audit_actions(acme, in_tenant, "invoice.issued") == ["invoice.issued"]
    assert "nothing was sent again" in await page(office, second.headers["Location"])


@pytest.mark.parametrize(
    ("lines", "terms", "message"),
    [
        ((), "30", "Add at least one line before issuing the invoice."),
        ((("Free check", "1", "0"),), "30", "The total must be more than zero to issue the invoice."),
        ((("Labour", "1", "10"),), "soon", "Payment terms must be a whole number."),
        ((("Labour", "1", "10"),), "400", "Payment terms must be between 0 and 365."),
    ],
)
async def test_issue_refusals(office, acme, in_tenant, pat, lines, terms, message):
    invoice = await new_invoice(office, acme, in_tenant, account=pat.public_id)
    for description, quantity, price in lines:
        await office.submit(f"/console/invoices/{invoice.public_id}/lines", {"description": description, "quantity": quantity, "unit_price": price})
    r = await office.submit(f"/console/invoices/{invoice.public_id}/issue", {"terms_days": terms})
    assert r.status_code == 400
    assert message in await r.get_data(as_text=True)
    assert (await fresh(acme, in_tenant, invoice)).status == "draft"
    with in_tenant(acme):
        assert not await OutboundEmail.filter(kind="invoice.issued").exists()
    assert "invoice.issued" not in ledger.events


async def test_archived_accounts_are_not_invoiced(office, acme, in_tenant, pat):
    invoice = await new_invoice(office, acme, in_tenant, account=pat.public_id)
    await office.submit(f"/console/invoices/{invoice.public_id}/lines", {"description": "Labour", "quantity": "1", "unit_price": "10"})
    with in_tenant(acme):
        pat.archived = True
        await pat.save(update_fields=["archived"])
    r = await office.submit(f"/console/invoices/{invoice.public_id}/issue", {"terms_days": "30"})
    assert r.status_code == 400 and "This account is archived." in await r.get_data(as_text=True)
    r = await office.submit("/console/invoices/new", {"account": pat.public_id})
    assert r.status_code == 409


# -- voiding ------------------------------------------------------------------------


async def test_void_needs_a_reason_and_no_payments(office, acme, in_tenant, pat, client_for, ledger_app):
    invoice = await issued(office, acme, in_tenant, pat)
    base = f"/console/invoices/{invoice.public_id}"
    # Voiding cancels what is owed: the money permission (owner, admin), not a technician's back office.
    assert "Void invoice" not in await page(office, base)
    r = await office.submit(f"{base}/void", {"reason": "Billed the wrong customer"})
    assert r.status_code == 403 and (await fresh(acme, in_tenant, invoice)).status == "open"
    office = client_for(acme, ledger_app)
    await sign_in_staff(office, "ada@acme.test", role="admin", name="Ada Admin")
    assert "Void invoice" in await page(office, base)
    r = await office.submit(f"{base}/void", {"reason": "  "})
    assert r.status_code == 400 and "Enter the reason." in await r.get_data(as_text=True)
    r = await office.submit(f"{base}/void", {"reason": "Billed the wrong customer"})
    assert r.headers["Location"].endswith("done=voided")
    invoice = await fresh(acme, in_tenant, invoice)
    assert invoice.status == "void" and invoice.voided_at is not None
    with in_tenant(acme):
        event = await AuditEvent.get(action="invoice.voided")
    assert (event.actor, event.detail["reason"]) == ("ada@acme.test", "Billed the wrong customer")
    assert ledger.events.count("invoice.voided") == 1
    customer = client_for(acme, ledger_app)
    await customer.sign_in_as("pat@example.com")
    assert "Void" in await page(customer, f"/invoices/{invoice.public_id}")
    r = await office.submit(f"{base}/void", {"reason": "again"})
    assert r.status_code == 400 and "Only an open invoice can be voided." in await r.get_data(as_text=True)

    paid_in_part = await issued(office, acme, in_tenant, pat)
    await office.submit(f"/console/invoices/{paid_in_part.public_id}/payments", {"amount": "10", "method": "cash", "received_on": tenant_today(acme).isoformat()})
    r = await office.submit(f"/console/invoices/{paid_in_part.public_id}/void", {"reason": "oops"})
    assert r.status_code == 400 and "has payments recorded against it" in await r.get_data(as_text=True)
    assert (await fresh(acme, in_tenant, paid_in_part)).status == "open"

    draft = await new_invoice(office, acme, in_tenant, account=pat.public_id)
    r = await office.submit(f"/console/invoices/{draft.public_id}/void", {"reason": "no"})
    assert r.status_code == 400 and "A draft is deleted, not voided." in await r.get_data(as_text=True)


# -- payments ------------------------------------------------------------------------


def payment_form(amount: str, key: str, *, received_on: date, **extra) -> dict:
    """The record-a-payment form; ``received_on`` is a day on the business's calendar (tenant_today)."""
    return {"amount": amount, "method": "cash", "received_on": received_on.isoformat(), "payment_key": key, **extra}


async def test_recorded_payments_settle_the_invoice(office, acme, in_tenant, pat, client_for, ledger_app):
    invoice = await issued(office, acme, in_tenant, pat)  # $100.00
    path = f"/console/invoices/{invoice.public_id}/payments"
    today = tenant_today(acme)
    r = await office.submit(path, payment_form("40", "k" * 20, received_on=today, reference="Cash at door"))
    assert r.headers["Location"].endswith("done=payment_recorded#payments")
    invoice = await fresh(acme, in_tenant, invoice)
    assert (invoice.paid_minor, invoice.status, invoice.balance_minor) == (4000, "open", 6000)
    # The same form again (a double click, a reload): one payment.
    r = await office.submit(path, payment_form("40", "k" * 20, received_on=today))
    assert r.headers["Location"].endswith("done=already_recorded#payments")
    assert (await fresh(acme, in_tenant, invoice)).paid_minor == 4000

    r = await office.submit(path, payment_form("60.01", "m" * 20, received_on=today))
    assert r.status_code == 400 and "That is more than the balance of $60.00." in await r.get_data(as_text=True)
    for form, message in (
        (payment_form("0", "n" * 20, received_on=today), "Enter an amount greater than zero."),
        (payment_form("ten", "n" * 20, received_on=today), "is not a number"),
        (payment_form("10", "n" * 20, received_on=today + timedelta(days=1)), "The date received cannot be in the future."),
        (payment_form("10", "n" * 20, received_on=today, method="card"), "Choose how it was paid."),
    ):
        r = await office.submit(path, form)
        assert r.status_code == 400 and message in await r.get_data(as_text=True), form

    last_week = today - timedelta(days=7)
    r = await office.submit(path, {**payment_form("60.00", "p" * 20, received_on=last_week), "method": "cheque", "reference": "Cheque 1042"})
    assert r.headers["Location"].endswith("done=payment_recorded#payments")
    invoice = await fresh(acme, in_tenant, invoice)
    assert (invoice.paid_minor, invoice.status, invoice.balance_minor) == (10000, "paid", 0)
    with in_tenant(acme):
        payments = list(await Payment.filter(invoice_id=invoice.id).order_by("id"))
    assert [(p.amount_minor, p.method, p.reference, p.source, p.status) for p in payments] == [
        (4000, "cash", "Cash at door", "staff", "succeeded"), (6000, "cheque", "Cheque 1042", "staff", "succeeded"),
    ]
    # A past day is kept as that day where the business is.
    assert payments[1].received_at.astimezone(ZoneInfo(acme.timezone)).date() == last_week
    assert ledger.events.count("payment.recorded") == 2 and ledger.events.count("invoice.paid") == 1
    assert await audit_actions(acme, in_tenant, "payment.") == ["payment.recorded", "payment.recorded"]
    # Paid: no more payments; the customer sees it paid.
    r = await office.submit(path, payment_form("1", "q" * 20, received_on=today))
    assert r.status_code == 400 and "Only an open invoice can take a payment." in await r.get_data(as_text=True)
    customer = client_for(acme, ledger_app)
    await customer.sign_in_as("pat@example.com")
    assert "Cheque 1042" in await page(customer, f"/invoices/{invoice.public_id}")


async def test_drafts_take_no_payment(office, acme, in_tenant, pat):
    draft = await new_invoice(office, acme, in_tenant, account=pat.public_id)
    r = await office.submit(f"/console/invoices/{draft.public_id}/payments", payment_form("1", "z" * 20, received_on=tenant_today(acme)))
    assert r.status_code == 400 and "Only an open invoice can take a payment." in await r.get_data(as_text=True)
    with in_tenant(acme):
        assert not await Payment.exists()


# -- the list, isolation ----------------------------------------------------------------


async def test_invoice_list_filters_and_costs_the_same_for_2_and_20(office, acme, in_tenant, pat, data, make_customer, count_queries):
    await data.invoice(pat, lines=[("Open one", 1000, 1000)], due_in_days=10)
    await data.invoice(pat, lines=[("Draft one", 1000, 1000)], status="draft")
    few, html = await queries_of(office, "/console/invoices/", count_queries)
    assert html.count('href="/console/invoices/inv_') == 2
    drafts = await page(office, "/console/invoices/?status=draft")
    assert drafts.count('href="/console/invoices/inv_') == 1 and "Draft" in drafts
    for n in range(18):
        await data.invoice(await make_customer(acme, f"Customer {n}", emails=[f"c{n}@example.com"]), lines=[("Line", 1000, 100)])
    many, html = await queries_of(office, "/console/invoices/", count_queries)
    assert "Customer 17" in html and many.count == few.count
    only_pat = await page(office, f"/console/invoices/?account={pat.public_id}")
    assert only_pat.count('href="/console/invoices/inv_') == 2


async def test_another_tenants_invoices_are_not_found(office, acme, in_tenant, make_customer, ledger_app, client_for):
    globex = await create_tenant("globex", "Globex Plumbing")
    theirs = await make_customer(globex, "Theirs", emails=["them@example.com"])
    their_data = PortalData(ledger_app, globex)
    job = await their_data.job(theirs)
    open_invoice = await their_data.invoice(theirs, lines=[("Work", 1000, 5000)])
    draft = await their_data.invoice(theirs, lines=[("Work", 1000, 5000)], status="draft")
    with in_tenant(globex):
        line = await InvoiceLine.filter(invoice_id=draft.id).first()
    for path in (f"/console/invoices/{open_invoice.public_id}", f"/console/invoices/{open_invoice.public_id}/pdf", f"/console/invoices/{draft.public_id}/lines/{line.public_id}", f"/console/invoices/?account={theirs.public_id}"):
        assert (await office.get(path)).status_code == 404, path
    for path, form in (
        ("/console/invoices/new", {"job": job.public_id}),
        ("/console/invoices/new", {"account": theirs.public_id}),
        (f"/console/invoices/{draft.public_id}/issue", {"terms_days": "30"}),
        (f"/console/invoices/{draft.public_id}/lines", {"description": "x", "quantity": "1", "unit_price": "1"}),
        (f"/console/invoices/{draft.public_id}/delete", {}),
        (f"/console/invoices/{open_invoice.public_id}/payments", payment_form("1", "y" * 20, received_on=tenant_today(acme))),
    ):
        assert (await office.submit(path, form)).status_code == 404, path
    # Voiding needs 'money' (owners and admins): an admin gets 404 for another business's invoice.
    admin = client_for(acme, ledger_app)
    await sign_in_staff(admin, "ada@acme.test", role="admin")
    assert (await admin.submit(f"/console/invoices/{open_invoice.public_id}/void", {"reason": "x"})).status_code == 404
    with in_tenant(globex):
        assert (await Invoice.get(id=draft.id)).status == "draft"
        assert (await Invoice.get(id=open_invoice.id)).status == "open"
        assert not await Payment.exists()
    with in_tenant(acme):
        assert not await Invoice.exists()
