"""Quotes in the staff console: create, edit, send, revise, convert (issue 6, S6), role checks."""

from __future__ import annotations

import re
from datetime import timedelta

from core.console.access import PERMISSIONS, role_has
from core.console.testing import sign_in_staff
from core.models.billing import Invoice, InvoiceLine
from core.models.jobs import Job, JobCharge
from core.models.mail import OutboundEmail
from core.models.platform import AuditEvent
from core.models.staff import ROLES
from core.web.rendering import tenant_today
from plugins.quotes.decisions import Decision, decide
from plugins.quotes.models import Quote, QuoteLine, QuoteRevision
from plugins.quotes.tests.quote_data import PAT, SAM, make_quote, reload, revision
from tenants.context import use_tenant

LINK = re.compile(r"http://acme\.localhost/sign-in/link/[A-Za-z0-9_-]+")


def console_quote_routes(app) -> list[tuple[str, str, object]]:
    """``(method, path with placeholder values, view)`` of every route of the plugin's console."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("console_quotes."):
            path = re.sub(r"<int:[^>]+>", "1", rule.rule)
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", "no-such-thing", path)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                out.append((method, path, app.view_functions[rule.endpoint]))
    return out


async def approved(tenant, quote, email: str = PAT) -> None:
    with use_tenant(tenant):
        await decide(quote, quote.revision, Decision("approved", email, signature_name="Pat Morgan", ip="198.51.100.7"), tenant, tenant_today(tenant))


async def page(client, path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return await response.get_data(as_text=True)


# -- who may -------------------------------------------------------------------


async def test_every_console_route_needs_back_office_and_staff_sign_in(app, tenant, other_tenant, client_for, pat):
    routes = console_quote_routes(app)
    assert len(routes) >= 12
    for _, _, view in routes:
        assert getattr(view, "console_permission", None) == "back_office"
    assert PERMISSIONS["back_office"] == "staff"  # every role may: see docs/console.md

    signed_out = client_for(tenant)
    customer = client_for(tenant)
    await customer.sign_in_as(PAT)
    acme_staff = client_for(tenant)
    await sign_in_staff(acme_staff, "maria@acme.test", role="owner")
    # A staff session of Acme is unknown on Globex's host.
    elsewhere = client_for(other_tenant)
    elsewhere.client.set_cookie("globex.localhost", "ps_staff", acme_staff.cookie("ps_staff"), path="/console")
    for visitor in (signed_out, customer, elsewhere):
        for method, path, _ in routes:
            response = await (visitor.get(path) if method == "GET" else visitor.submit(path, {}))
            assert response.status_code == 302, (method, path, response.status_code)
            assert response.headers["Location"].startswith("/console/sign-in?next="), (method, path)

    for role in ROLES:
        assert role_has(role, "back_office")
        staff = client_for(tenant)
        await sign_in_staff(staff, f"{role}@acme.test", role=role)
        for method, path, _ in routes:
            response = await (staff.get(path) if method == "GET" else staff.submit(path, {}))
            # Allowed, and the placeholder ids exist nowhere: 404, never 403 or 500.
            assert response.status_code in (200, 404), (role, method, path, response.status_code)


async def test_the_console_navigation_has_a_quotes_entry(tenant, staff_client):
    html = await page(staff_client, "/console/")
    nav = re.search(r'<nav aria-label="Console".*?</nav>', html, re.S).group(0)
    assert '<a href="/console/quotes/">Quotes</a>' in nav
    assert nav.index("Jobs") < nav.index("Quotes") < nav.index("Notifications")


# -- create and edit -------------------------------------------------------------


async def test_a_quote_from_a_job_starts_with_its_charges(tenant, pat, staff_client, creator):
    with use_tenant(tenant):
        job = await Job.create(account=pat, number="J-7", title="Heater repair")
        await JobCharge.create(job=job, description="Heat exchanger", quantity_milli=1000, unit_price_minor=65000, amount_minor=65000, currency="USD")
    html = await page(staff_client, f"/console/quotes/new?job={job.public_id}")
    assert 'value="Heater repair"' in html and job.public_id in html

    response = await staff_client.submit("/console/quotes/new", {
        "account": pat.public_id, "job": job.public_id, "title": "Heater repair",
        "valid_until": tenant_today(tenant).isoformat(), "notes": "Parts in stock.", "copy_charges": "on",
    })
    assert response.status_code == 302
    with use_tenant(tenant):
        quote = await Quote.get(account_id=pat.id)
        [line] = await QuoteLine.filter(revision__quote_id=quote.id)
        draft = await QuoteRevision.get(quote_id=quote.id)
    assert response.headers["Location"] == f"/console/quotes/{quote.public_id}?done=created"
    assert (quote.number, quote.job_id, quote.created_by_id, quote.created_by_name, quote.status) == ("Q-1001", job.id, creator.id, "Maria Delgado", "draft")
    assert (line.description, line.amount_minor, draft.total_minor, draft.notes) == ("Heat exchanger", 65000, 65000, "Parts in stock.")
    html = await page(staff_client, response.headers["Location"])
    assert "Quote created." in html and "Heat exchanger" in html and "Send quote" in html


async def test_new_quote_form_refusals(tenant, other_tenant, pat, staff_client, make_customer):
    with use_tenant(tenant):
        neighbour = await make_customer(tenant, "Neighbour", emails=["lee@example.com"])
        theirs = await Job.create(account=neighbour, number="J-9", title="Their job")
    yesterday = tenant_today(tenant) - timedelta(days=1)
    form = {"account": pat.public_id, "title": "", "valid_until": yesterday.isoformat(), "job": theirs.public_id}
    response = await staff_client.submit("/console/quotes/new", form)
    html = await response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter the title." in html and "The validity date is in the past." in html
    assert "Choose one of this customer&#39;s jobs" in html
    globex_account = await make_customer(other_tenant, "Globex customer", emails=["g@example.com"])
    response = await staff_client.submit("/console/quotes/new", {"account": globex_account.public_id, "title": "X"})
    assert response.status_code == 404
    with use_tenant(tenant):
        assert await Quote.all().count() == 0


async def test_draft_lines_and_details_with_server_side_totals(tenant, pat, staff_client):
    quote = await make_quote(tenant, pat, send=False, lines=())
    base = f"/console/quotes/{quote.public_id}"
    response = await staff_client.submit(f"{base}/lines", {"description": "Labour", "quantity": "1.5", "unit_price": "90", "amount": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{base}?done=line_added#lines")
    await staff_client.submit(f"{base}/lines", {"description": "Discount", "quantity": "1", "unit_price": "-10.00"})
    bad = await staff_client.submit(f"{base}/lines", {"description": "", "quantity": "x", "unit_price": "1"})
    assert bad.status_code == 400
    shown = await bad.get_data(as_text=True)
    assert f'action="{base}/lines"' in shown and "<h4>Add a line</h4>" in shown and 'value="x"' in shown
    response = await staff_client.submit(f"{base}/details", {"title": "Pool opening", "tax": "10.80", "notes": "", "valid_until": ""})
    assert response.status_code == 302
    draft = await revision(tenant, quote, 1)
    assert (draft.subtotal_minor, draft.tax_minor, draft.total_minor, draft.title) == (12500, 1080, 13580, "Pool opening")

    with use_tenant(tenant):
        labour = await QuoteLine.get(revision_id=draft.id, description="Labour")
    shown = await (await staff_client.get(base)).get_data(as_text=True)
    assert f'href="{base}/lines/{labour.public_id}"' in shown and f'action="{base}/lines/{labour.public_id}/delete"' in shown
    edit = await staff_client.get(f"{base}/lines/{labour.public_id}")
    assert edit.status_code == 200 and 'value="1.5"' in await edit.get_data(as_text=True)
    await staff_client.submit(f"{base}/lines/{labour.public_id}", {"description": "Labour", "quantity": "2", "unit_price": "90"})
    discount = await revision_line(tenant, draft, "Discount")
    await staff_client.submit(f"{base}/lines/{discount.public_id}/delete", {})
    draft = await revision(tenant, quote, 1)
    assert (draft.subtotal_minor, draft.total_minor) == (18000, 19080)
    # Each change is audited on the quote (not the line), with the revision it changed.
    with use_tenant(tenant):
        entries = await AuditEvent.filter(action__startswith="quote.line_").order_by("id")
    assert [(e.action, e.target, e.detail) for e in entries] == [
        ("quote.line_added", quote.public_id, {"revision": 1, "amount_minor": 13500}),
        ("quote.line_added", quote.public_id, {"revision": 1, "amount_minor": -1000}),
        ("quote.line_updated", quote.public_id, {"revision": 1, "amount_minor": 18000}),
        ("quote.line_deleted", quote.public_id, {"revision": 1}),
    ]
    assert 'href="/console/quotes/{}#lines"'.format(quote.public_id) in await edit.get_data(as_text=True)


async def revision_line(tenant, draft, description):
    with use_tenant(tenant):
        return await QuoteLine.get(revision_id=draft.id, description=description)


# -- send ------------------------------------------------------------------------


async def test_send_emails_chosen_addresses_a_deep_link_and_the_pdf_once(app, tenant, pat, staff_client, client_for):
    quote = await make_quote(tenant, pat, send=False)
    base = f"/console/quotes/{quote.public_id}"
    html = await page(staff_client, base)
    assert f'value="{PAT}" checked' in html and f'value="{SAM}" checked' in html
    response = await staff_client.submit(f"{base}/send", {})
    assert response.status_code == 400 and "Choose at least one address" in await response.get_data(as_text=True)

    response = await staff_client.submit(f"{base}/send", {"to": PAT})
    assert response.status_code == 302 and response.headers["Location"].endswith("done=sent")
    again = await staff_client.submit(f"{base}/send", {"to": PAT})
    assert again.headers["Location"].endswith("done=already_sent")
    sent = await reload(tenant, quote)
    assert (sent.status, sent.revision, sent.total_minor) == ("sent", 1, 142500)
    with use_tenant(tenant):
        [email] = await OutboundEmail.filter(kind="quote.sent")
        assert await AuditEvent.filter(action="quote.sent").count() == 1
    assert email.to == PAT and email.subject == f"Quote {quote.number} from Acme Pool Care: $1,425.00"
    [attachment] = email.attachments
    assert attachment["filename"] == f"quote-{quote.number}.pdf" and attachment["content_type"] == "application/pdf"
    with use_tenant(tenant):
        assert (await app.extensions["porchside"].storage.read(attachment["storage_key"])).startswith(b"%PDF-")

    # The link signs Pat straight into the quote.
    [url] = LINK.findall(email.text)
    customer = client_for(tenant)
    path = url.removeprefix("http://acme.localhost")
    response = await customer.submit(path)
    assert response.status_code == 302 and response.headers["Location"] == f"/quotes/{quote.public_id}"
    assert quote.number in await page(customer, response.headers["Location"])


async def test_sending_needs_lines_and_a_validity_date_ahead(tenant, pat, staff_client):
    quote = await make_quote(tenant, pat, send=False, lines=())
    response = await staff_client.submit(f"/console/quotes/{quote.public_id}/send", {"to": PAT})
    assert response.status_code == 409 and "Add at least one line" in await response.get_data(as_text=True)
    assert (await reload(tenant, quote)).status == "draft"


# -- revisions: the decided version is frozen ---------------------------------------


async def test_changes_after_approval_make_a_new_revision_and_leave_the_signed_one(tenant, pat, staff_client, pat_client):
    quote = await make_quote(tenant, pat)
    await approved(tenant, quote)
    base = f"/console/quotes/{quote.public_id}"
    html = await page(staff_client, base)
    assert "The customer's decision" in html and "“Pat Morgan”" in html and "198.51.100.7" in html
    signed = await revision(tenant, quote, 1)
    with use_tenant(tenant):
        first_line = await QuoteLine.filter(revision_id=signed.id).first()

    # Nothing of a sent revision can be edited.
    refused = await staff_client.submit(f"{base}/lines", {"description": "Extra", "quantity": "1", "unit_price": "5"})
    assert refused.status_code == 409 and "Start a new revision" in await refused.get_data(as_text=True)
    refused = await staff_client.submit(f"{base}/lines/{first_line.public_id}", {"description": "Cheaper", "quantity": "1", "unit_price": "1"})
    assert refused.status_code == 409

    response = await staff_client.submit(f"{base}/revise", {})
    assert response.status_code == 302
    draft = await revision(tenant, quote, 2)
    assert draft.status == "draft" and draft.total_minor == signed.total_minor
    await staff_client.submit(f"{base}/lines", {"description": "Extra valve", "quantity": "1", "unit_price": "40"})
    # The customer still sees the approved revision until the new one is sent.
    assert (await reload(tenant, quote)).status == "approved"
    await staff_client.submit(f"{base}/send", {"to": PAT})

    quote = await reload(tenant, quote)
    assert (quote.revision, quote.status, quote.total_minor) == (2, "sent", 146500)
    still = await revision(tenant, quote, 1)
    assert (still.status, still.signature_name, still.total_minor) == ("approved", "Pat Morgan", signed.total_minor)
    with use_tenant(tenant):
        assert await QuoteLine.filter(revision_id=signed.id).count() == 2
    html = await page(pat_client, f"/quotes/{quote.public_id}")
    assert "What changed since revision 1" in html and "Extra valve" in html and "up $40.00" in html


async def test_discarding_a_draft(tenant, pat, staff_client):
    never_sent = await make_quote(tenant, pat, send=False)
    response = await staff_client.submit(f"/console/quotes/{never_sent.public_id}/discard", {})
    assert response.status_code == 302 and response.headers["Location"] == "/console/quotes/"
    sent = await make_quote(tenant, pat)
    await staff_client.submit(f"/console/quotes/{sent.public_id}/revise", {})
    await staff_client.submit(f"/console/quotes/{sent.public_id}/discard", {})
    with use_tenant(tenant):
        assert not await Quote.filter(id=never_sent.id).exists()
        assert await QuoteRevision.filter(quote_id=sent.id).count() == 1
    assert (await reload(tenant, sent)).status == "sent"


# -- converting ---------------------------------------------------------------------


async def test_an_approved_quote_becomes_a_job_and_a_draft_invoice_once_each(tenant, pat, staff_client):
    quote = await make_quote(tenant, pat, title="Heater swap")
    base = f"/console/quotes/{quote.public_id}"
    refused = await staff_client.submit(f"{base}/convert/job", {})
    assert refused.status_code == 409 and "Only an approved quote" in await refused.get_data(as_text=True)
    await approved(tenant, quote)

    response = await staff_client.submit(f"{base}/convert/job", {})
    assert response.status_code == 302 and response.headers["Location"].endswith("done=job_created")
    quote = await reload(tenant, quote)
    with use_tenant(tenant):
        job = await Job.get(id=quote.job_id)
        charges = await JobCharge.filter(job_id=job.id).order_by("position")
    assert (job.title, job.status, job.account_id) == ("Heater swap", "scheduled", pat.id)
    assert [(c.description, c.amount_minor) for c in charges] == [("Pump replacement", 120000), ("Labour (hours)", 22500)]
    again = await staff_client.submit(f"{base}/convert/job", {})
    assert again.status_code == 409 and "already belongs to a job" in await again.get_data(as_text=True)

    response = await staff_client.submit(f"{base}/convert/invoice", {})
    quote = await reload(tenant, quote)
    with use_tenant(tenant):
        invoice = await Invoice.get(id=quote.invoice_id)
        lines = await InvoiceLine.filter(invoice_id=invoice.id)
    assert response.status_code == 302 and response.headers["Location"] == f"/console/invoices/{invoice.public_id}"
    assert (invoice.status, invoice.job_id, invoice.total_minor, len(lines)) == ("draft", job.id, 142500, 2)
    again = await staff_client.submit(f"{base}/convert/invoice", {})
    assert again.status_code == 409 and "already made" in await again.get_data(as_text=True)
    with use_tenant(tenant):
        assert await Invoice.all().count() == 1 and await Job.all().count() == 1


async def test_console_list_filters_by_status_and_account(tenant, pat, staff_client, make_customer):
    other = await make_customer(tenant, "Lily Chen", emails=["lily@example.com"])
    draft = await make_quote(tenant, pat, title="Draft one", send=False)
    sent = await make_quote(tenant, other, title="Sent one")
    html = await page(staff_client, "/console/quotes/")
    assert draft.number in html and sent.number in html
    html = await page(staff_client, "/console/quotes/?status=draft")
    assert draft.number in html and sent.number not in html
    html = await page(staff_client, f"/console/quotes/?account={other.public_id}")
    assert sent.number in html and draft.number not in html
    pdf = await staff_client.get(f"/console/quotes/{draft.public_id}/revisions/1.pdf")
    assert pdf.status_code == 200 and (await pdf.get_data()).startswith(b"%PDF-")
