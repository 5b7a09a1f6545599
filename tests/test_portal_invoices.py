"""Invoices in the portal (I1-I4): list, filters, sorting, pages, invoice page, PDF, actions."""

from __future__ import annotations

import re

import pytest

from core.plugin_state import set_enabled
from tenants.context import use_tenant
from tenants.service import create_tenant
from tests.plugins import workorders
from tests.plugins import statements as statements_plugin
from tests.portal_data import PAT, PortalData, page_of, pat, pat_client, pdf_text, portal_data, queries_of, set_sections  # noqa: F401 - fixtures

NO_BILLS = "kim@example.com"


def numbers(html: str) -> list[str]:
    """Invoice numbers of the invoice table, in order."""
    return re.findall(r'<th scope="row" data-label="Invoice"><a href="/invoices/inv_[^"]+">([^<]+)</a>', html)


@pytest.fixture
async def full(pat, portal_data):
    return await portal_data.full_account(pat)


# -- the list ----------------------------------------------------------------------


async def test_list_shows_every_invoice_but_drafts_with_status_and_balance(pat_client, full):
    html = await page_of(pat_client, "/invoices")
    inv = full.invoices
    # Newest issue first; the draft never shows.
    assert numbers(html) == [inv["open"].number, inv["paid"].number, inv["overdue"].number, inv["void"].number]
    assert inv["draft"].number not in html
    assert 'class="badge overdue">Overdue' in html and 'class="badge paid">Paid' in html and 'class="badge void">Void' in html
    # The open invoice of $170 has $50 paid on it.
    assert "$170.00" in html and "$120.00" in html
    assert 'aria-current="page">Invoices' in html
    assert "Showing 1–4 of 4 invoices" in html


# Each filter and sort is a read of the same account: one app and account for
# all of them (a test each cost an app and an account per check, issue 19).
STATUS_FILTERS = [("open", ["open"]), ("overdue", ["overdue"]), ("paid", ["paid"]), ("void", ["void"]), ("draft", None), ("<script>", None)]


async def test_status_filter(pat_client, full):
    for status, expected in STATUS_FILTERS:
        html = await page_of(pat_client, f"/invoices?status={status}")
        wanted = expected or ["open", "paid", "overdue", "void"]  # unknown status: all of them
        assert numbers(html) == [full.invoices[k].number for k in wanted], status
        assert "<script>" not in html, status


async def test_empty_filter_and_empty_account(pat_client, pat, portal_data, make_customer, tenant, client_for):
    await portal_data.invoice(pat, status="paid")
    html = await page_of(pat_client, "/invoices?status=overdue")
    assert "You have no overdue invoices." in html and 'href="/invoices">Show all invoices' in html

    await make_customer(tenant, "New Customer", emails=["new@example.com"])
    newcomer = client_for(tenant)
    await newcomer.sign_in_as("new@example.com")
    html = await page_of(newcomer, "/invoices")
    assert "You have no invoices yet." in html and "<table" not in html
    assert "as CSV" not in html  # nothing to export


SORTS = [
    ("total", ["void", "overdue", "open", "paid"]),  # 75, 120, 170, 330
    ("-total", ["paid", "open", "overdue", "void"]),
    ("balance", ["paid", "void", "open", "overdue"]),  # 0, void counts 0, 120, 120 (ties by id)
    ("-balance", ["overdue", "open", "void", "paid"]),
    ("due", ["overdue", "paid", "open", "void"]),  # void is due in 20 days
    ("issued", ["void", "overdue", "paid", "open"]),
    ("status", ["overdue", "open", "paid", "void"]),  # stored status, then due date: both open first
    ("-nonsense", ["open", "paid", "overdue", "void"]),  # unknown: newest first
    ("id;drop table invoice", ["open", "paid", "overdue", "void"]),
]


async def test_sort_by_any_column(pat_client, full):
    for sort, keys in SORTS:
        html = await page_of(pat_client, f"/invoices?sort={sort}")
        assert numbers(html) == [full.invoices[k].number for k in keys], sort


async def test_sort_by_number_and_headers_say_how_the_list_is_sorted(pat_client, pat, portal_data):
    for number in ("INV-0300", "INV-0100", "INV-0200"):
        await portal_data.invoice(pat, number=number)
    html = await page_of(pat_client, "/invoices?sort=number")
    assert numbers(html) == ["INV-0100", "INV-0200", "INV-0300"]
    assert re.search(r'<th scope="col" aria-sort="ascending">\s*<a href="/invoices\?sort=-number"', html)
    html = await page_of(pat_client, "/invoices?sort=-number&status=open")
    assert numbers(html) == ["INV-0300", "INV-0200", "INV-0100"]
    # Sorting keeps the filter; the status select keeps its value.
    assert 'href="/invoices?status=open&amp;sort=total"' in html
    assert '<option value="open" selected>' in html


async def test_pages_of_twenty_and_bad_page_numbers(pat_client, pat, portal_data):
    for n in range(25):
        await portal_data.invoice(pat, number=f"INV-{n:04d}", issued_days_ago=n)
    first = await page_of(pat_client, "/invoices")
    assert numbers(first) == [f"INV-{n:04d}" for n in range(20)]
    assert 'href="/invoices?page=2" rel="next"' in first
    second = await page_of(pat_client, "/invoices?page=2")
    assert numbers(second) == [f"INV-{n:04d}" for n in range(20, 25)]
    assert await page_of(pat_client, "/invoices?page=999") == await page_of(pat_client, "/invoices?page=2")
    assert numbers(await page_of(pat_client, "/invoices?page=-3&per_page=x")) == numbers(first)


async def test_list_query_count_does_not_grow_with_invoices(pat_client, pat, portal_data, count_queries):
    for _ in range(2):
        await portal_data.invoice(pat)
    few = (await queries_of(pat_client, "/invoices", count_queries))[0].count
    for _ in range(18):
        await portal_data.invoice(pat)
    assert (await queries_of(pat_client, "/invoices", count_queries))[0].count == few


# -- one invoice ------------------------------------------------------------------------


async def test_detailed_invoice_shows_each_line_payments_and_job(pat_client, full):
    paid = full.invoices["paid"]
    html = await page_of(pat_client, f"/invoices/{paid.public_id}")
    assert f"<h1>Invoice {paid.number}</h1>" in html
    assert "Clean-up labour" in html and "Shock treatment" in html
    assert 'data-label="Qty">3<' in html and 'data-label="Unit price">$90.00<' in html and "$270.00" in html
    assert "Unit price" in html
    assert "$330.00" in html and "Balance due" in html and "$0.00" in html
    assert ">Cheque (Cheque 1042)<" in html
    assert f'href="/jobs/{full.past_job.public_id}"' in html
    assert f'href="/invoices/{paid.public_id}.pdf" download>Download PDF' in html
    assert "data-print hidden" in html
    assert 'href="/invoices">All invoices' in html


async def test_summary_invoice_shows_one_line_for_the_job(pat_client, pat, portal_data):
    job = await portal_data.job(pat, title="Pump repair", description="Replaced the pump seal.", invoice_view="summary", status="completed", days=-3)
    invoice = await portal_data.invoice(pat, job=job, lines=[("Labour", 2500, 9000), ("Pump seal", 1000, 4550)], tax_minor=1234)
    html = await page_of(pat_client, f"/invoices/{invoice.public_id}")
    assert f"Pump repair (job {job.number})" in html and "Replaced the pump seal." in html
    assert "Unit price" not in html and "Pump seal<" not in html
    assert "$270.50" in html and "$12.34" in html and "$282.84" in html


async def test_overdue_and_void_invoices_say_so(pat_client, full):
    html = await page_of(pat_client, f"/invoices/{full.invoices['overdue'].public_id}")
    assert "is overdue" in html
    html = await page_of(pat_client, f"/invoices/{full.invoices['void'].public_id}")
    assert "nothing is owed" in html and "Balance due" not in html


async def test_invoice_page_query_count_does_not_grow_with_lines(pat_client, pat, portal_data, count_queries):
    job = await portal_data.job(pat)
    small = await portal_data.invoice(pat, job=job, lines=[("A", 1000, 100), ("B", 1000, 100)])
    await portal_data.payment(small, 50)
    big = await portal_data.invoice(pat, job=job, lines=[(f"Line {n}", 1000, 100) for n in range(20)])
    for _ in range(5):
        await portal_data.payment(big, 10)
    queries = [(await queries_of(pat_client, f"/invoices/{i.public_id}", count_queries))[0].count for i in (small, big)]
    assert queries[0] == queries[1]


async def test_other_accounts_tenants_and_drafts_are_not_found(app, pat_client, full, portal_data, make_customer, tenant, other_tenant):
    neighbour = await make_customer(tenant, "Neighbour", emails=["neighbour@example.com"])
    theirs = await portal_data.invoice(neighbour, number="INV-NEIGHBOUR")
    elsewhere_account = await make_customer(other_tenant, "Pat Doe", emails=[PAT])
    elsewhere = await PortalData(app, other_tenant).invoice(elsewhere_account, number="INV-GLOBEX")
    for invoice in (theirs, elsewhere, full.invoices["draft"]):
        for suffix in ("", ".pdf"):
            response = await pat_client.get(f"/invoices/{invoice.public_id}{suffix}")
            assert response.status_code == 404 and invoice.number not in await response.get_data(as_text=True)
    assert (await pat_client.get(f"/invoices/{full.invoices['paid'].public_id}.pdf.pdf")).status_code == 404
    assert (await pat_client.get("/invoices/inv_doesnotexist")).status_code == 404
    assert "INV-NEIGHBOUR" not in await page_of(pat_client, "/invoices")


async def test_signed_out_visitors_are_sent_to_sign_in(client, full):
    for path in ("/invoices", f"/invoices/{full.invoices['paid'].public_id}", f"/invoices/{full.invoices['paid'].public_id}.pdf"):
        response = await client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


# -- who may see invoices (I4) and "Included in portal" ---------------------------------


async def test_address_without_send_invoices_sees_no_invoice_anywhere(app, tenant, make_customer, portal_data, client_for):
    account = await make_customer(tenant, "Shared Account", emails=[PAT, NO_BILLS], no_invoices=[NO_BILLS])
    full = await portal_data.full_account(account)
    kim = client_for(tenant)
    await kim.sign_in_as(NO_BILLS)
    paid = full.invoices["paid"]
    for path in ("/invoices", f"/invoices/{paid.public_id}", f"/invoices/{paid.public_id}.pdf", "/statement", "/statement.pdf", "/export/invoices.csv"):
        assert (await kim.get(path)).status_code == 404
    home = await page_of(kim, "/")
    assert 'href="/invoices"' not in home and 'href="/statement"' not in home
    assert 'href="/payments"' not in home  # payments reveal what was billed (issue 14 item 9)

    pat_view = client_for(tenant)
    await pat_view.sign_in_as(PAT)
    home = await page_of(pat_view, "/")
    assert 'href="/invoices"' in home and 'href="/statement"' in home


async def test_invoices_left_out_of_the_portal_answer_404_without_a_tab(pat_client, full, tenant):
    await set_sections(tenant, invoices=False)
    paid = full.invoices["paid"]
    for path in ("/invoices", f"/invoices/{paid.public_id}", f"/invoices/{paid.public_id}.pdf", "/statement", "/export/invoices.csv"):
        assert (await pat_client.get(path)).status_code == 404
    home = await page_of(pat_client, "/")
    assert 'href="/invoices"' not in home and 'href="/statement"' not in home
    assert 'href="/payments"' in home


# -- PDF ---------------------------------------------------------------------------------


async def test_invoice_pdf_is_a_branded_download(pat_client, full, tenant):
    tenant.contact_address = "1 Main Street\nSpringfield"
    await tenant.save()
    paid = full.invoices["paid"]
    response = await pat_client.get(f"/invoices/{paid.public_id}.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="invoice-{paid.number}.pdf"'
    assert response.headers["Cache-Control"] == "private, no-store"
    text = pdf_text(await response.get_data())
    assert "Acme Pool Care" in text and "1 Main Street" in text and "555-0100" in text
    assert f"Invoice {paid.number}" in text and "Pat Doe" in text
    assert "Clean-up labour" in text and "$330.00" in text and "Balance due $0.00" in text
    assert "Page 1 of 1" in text


# -- plugin actions --------------------------------------------------------------------


@pytest.fixture
async def plugin_app(make_app):
    async with make_app(plugins=[("workorders", workorders), ("statements", statements_plugin)]) as started:
        yield started


async def test_plugin_actions_show_on_the_invoice_and_the_list(plugin_app, make_customer, client_for):
    acme = await create_tenant("acme", "Acme Pool Care")
    account = await make_customer(acme, "Pat Doe", emails=[PAT])
    data = PortalData(plugin_app, acme)
    open_invoice = await data.invoice(account)
    client = client_for(acme, plugin_app)
    await client.sign_in_as(PAT)

    html = await page_of(client, f"/invoices/{open_invoice.public_id}")
    # workorders' "Email receipt" posts a form with a CSRF token.
    form = re.search(rf'<form method="post" action="/receipts/{open_invoice.public_id}" data-once>(.*?)</form>', html, re.S)
    assert form and 'name="csrf_token"' in form.group(1) and "Email receipt" in form.group(1)
    listing = await page_of(client, "/invoices")
    assert f'href="/statements/mail?account={account.public_id}"' in listing and "Post me statements" in listing
    # Its is_shown sees the list's account: nothing to mail without open invoices.
    await data.payment(open_invoice)
    assert "Post me statements" not in await page_of(client, "/invoices")

    services = plugin_app.extensions["porchside"]
    with use_tenant(acme):
        await set_enabled("workorders", False, services.plugins, services.cache)
    assert "Email receipt" not in await page_of(client, f"/invoices/{open_invoice.public_id}")
