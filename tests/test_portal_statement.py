"""The billing statement (I5): period, balance brought forward, running balance, PDF."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from core.models.billing import Invoice
from core.web.rendering import tenant_today
from tenants.context import use_tenant
from tests.portal_data import PortalData, page_of, pat, pat_client, pdf_text, portal_data, queries_of, set_sections  # noqa: F401 - fixtures


def days_before_issue(tenant, day: date) -> int:
    """``issued_days_ago`` that issues an invoice on ``day`` (the tenant's calendar)."""
    return (tenant_today(tenant) - day).days


def lines(html: str) -> list[tuple[str, str]]:
    """``(details, balance)`` of each statement line, in order, tags stripped."""
    rows = re.findall(r'<td data-label="Details">(.*?)</td>.*?<td class="num" data-label="Balance">([^<]*)</td>', html, re.S)
    return [(re.sub(r"<[^>]+>", "", details).strip(), balance) for details, balance in rows]


@pytest.fixture
async def history(tenant, pat, portal_data: PortalData, make_customer):
    """Two years of billing around last calendar year (Y):

    * before Y: invoice A of $100 issued Nov 10, Y-1; $40 paid on it Dec 1, Y-1 -> $60 carried;
    * in Y: invoice B $200 (Mar 15) paid in full Apr 1; invoice C $75 voided (Jun 1);
      invoice D $50 (Nov 20) paid $50 on Dec 5 with $20 refunded; a failed payment Dec 6;
      a draft;
    * this year: invoice E $300;
    * a neighbour's invoice in Y, never on Pat's statement.
    """
    y = tenant_today(tenant).year - 1

    async def invoice(day: date, amount: int, number: str, **kwargs) -> Invoice:
        return await portal_data.invoice(pat, number=number, lines=[("Service", 1000, amount)], issued_days_ago=days_before_issue(tenant, day), **kwargs)

    a = await invoice(date(y - 1, 11, 10), 10000, "INV-A")
    await portal_data.payment(a, 4000, method="cheque", reference="Cheque 77", on=date(y - 1, 12, 1))
    b = await invoice(date(y, 3, 15), 20000, "INV-B")
    await portal_data.payment(b, on=date(y, 4, 1))
    await invoice(date(y, 6, 1), 7500, "INV-C", status="void")
    d = await invoice(date(y, 11, 20), 5000, "INV-D")
    await portal_data.payment(d, 5000, status="partially_refunded", refunded_minor=2000, on=date(y, 12, 5))
    await portal_data.payment(d, 5000, status="failed", card_last4="0341", on=date(y, 12, 6))
    await invoice(date(y, 7, 1), 99900, "INV-DRAFT", status="draft")
    await invoice(tenant_today(tenant), 30000, "INV-E")
    neighbour = await make_customer(tenant, "Neighbour", emails=["neighbour@example.com"])
    await portal_data.invoice(neighbour, number="INV-NEIGHBOUR", issued_days_ago=days_before_issue(tenant, date(y, 5, 5)))
    return y


async def test_default_statement_is_last_calendar_year_with_a_running_balance(pat_client, history):
    y = history
    html = await page_of(pat_client, "/statement")
    assert f'value="{y}-01-01"' in html and f'value="{y}-12-31"' in html
    assert f"Jan 1, {y} – Dec 31, {y}" in html
    assert lines(html) == [
        ("Balance brought forward", "$60.00"),
        ("Invoice INV-B", "$260.00"),
        ("Payment: Visa ending 4242, invoice INV-B", "$60.00"),
        ("Invoice INV-C Void (not charged)", "$60.00"),
        ("Invoice INV-D", "$110.00"),
        ("Payment: Visa ending 4242, invoice INV-D", "$80.00"),
    ]
    summary = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert f"Balance on Jan 1, {y} $60.00" in summary
    assert "Invoiced $250.00" in summary and "Payments received $230.00" in summary
    assert f"Balance on Dec 31, {y} $80.00" in summary
    # The page's text, not its markup: a random CSRF token may hold "0341".
    for absent in ("INV-A", "INV-E", "INV-DRAFT", "INV-NEIGHBOUR", "0341"):
        assert absent not in summary
    assert 'aria-current="page">Statement' in html


async def test_any_range_and_quick_periods(pat_client, history, tenant):
    y = history
    html = await page_of(pat_client, f"/statement?from={y - 1}-01-01&to={y}-04-30")
    assert lines(html) == [
        ("Balance brought forward", "$0.00"),
        ("Invoice INV-A", "$100.00"),
        ("Payment: Cheque (Cheque 77), invoice INV-A", "$60.00"),
        ("Invoice INV-B", "$260.00"),
        ("Payment: Visa ending 4242, invoice INV-B", "$60.00"),
    ]
    this_year = await page_of(pat_client, f"/statement?from={y + 1}-01-01&to={tenant_today(tenant).isoformat()}")
    assert lines(this_year) == [("Balance brought forward", "$80.00"), ("Invoice INV-E", "$380.00")]
    assert f'href="/statement?from={y + 1}-01-01&amp;to={tenant_today(tenant).isoformat()}" aria-current="true">This year' in this_year
    assert f'href="/statement.pdf?from={y + 1}-01-01&amp;to={tenant_today(tenant).isoformat()}" download>Download PDF' in this_year


@pytest.mark.parametrize(
    "query, message",
    [
        ("from=2024-13-01", "Enter dates as year-month-day"),
        ("from=yesterday&to=today", "Enter dates as year-month-day"),
        ("from=2025-05-01&to=2025-01-01", "The start date is after the end date"),
        ("from=0001-01-01", "Enter dates as year-month-day"),
    ],
)
async def test_bad_dates_fall_back_to_last_year_with_a_message(pat_client, history, query, message):
    html = await page_of(pat_client, f"/statement?{query}")
    assert message in html and f"Jan 1, {history} – Dec 31, {history}" in html
    response = await pat_client.get(f"/statement.pdf?{query}")
    assert response.status_code == 200


async def test_empty_statement_says_so(pat_client, pat):
    html = await page_of(pat_client, "/statement")
    assert "No invoices or payments between" in html and "nothing carried over" in html


async def test_several_currencies_get_a_ledger_each(pat_client, pat, portal_data, tenant):
    y = tenant_today(tenant).year - 1
    usd = await portal_data.invoice(pat, number="INV-USD", issued_days_ago=days_before_issue(tenant, date(y, 2, 1)))
    cad = await portal_data.invoice(pat, number="INV-CAD", lines=[("Service", 1000, 5000)], issued_days_ago=days_before_issue(tenant, date(y, 3, 1)))
    with use_tenant(tenant):
        await Invoice.filter(id=cad.id).update(currency="CAD")
    html = await page_of(pat_client, "/statement")
    assert "In USD" in html and "In CAD" in html
    assert html.index("In USD") < html.index("INV-USD") < html.index("In CAD") < html.index("INV-CAD")
    assert "CA$50.00" in html and "$100.00" in html and usd.number in html


async def test_statement_pdf(pat_client, history):
    y = history
    response = await pat_client.get("/statement.pdf")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="statement-C-1001-{y}-01-01-to-{y}-12-31.pdf"'
    text = pdf_text(await response.get_data())
    assert "Acme Pool Care" in text and "Statement" in text and "Pat Doe" in text
    assert "Balance brought forward" in text and "INV-B" in text and "INV-A" not in text
    assert f"Balance on Dec 31, {y} $80.00" in text


async def test_statement_query_count_does_not_grow_with_history(pat_client, pat, portal_data, tenant, count_queries):
    y = tenant_today(tenant).year - 1

    async def bill(n: int) -> None:
        for i in range(n):
            invoice = await portal_data.invoice(pat, issued_days_ago=days_before_issue(tenant, date(y, 1 + i % 12, 10)))
            await portal_data.payment(invoice, 100, on=date(y, 1 + i % 12, 20))

    await bill(2)
    few = (await queries_of(pat_client, "/statement", count_queries))[0].count
    await bill(18)
    assert (await queries_of(pat_client, "/statement", count_queries))[0].count == few


async def test_statement_section_can_be_left_out(pat_client, history, tenant):
    await set_sections(tenant, statement=False)
    for path in ("/statement", "/statement.pdf"):
        assert (await pat_client.get(path)).status_code == 404
    home = await page_of(pat_client, "/")
    assert 'href="/statement"' not in home and 'href="/invoices"' in home
    assert "Billing statement" not in await page_of(pat_client, "/invoices")


async def test_address_without_send_invoices_sees_no_statement(pat, history, tenant, client_for, in_tenant):
    """Issue 14 item 9: a contact without "send invoices" on the account sees no statement."""
    from core.models.customers import Contact, ContactEmail

    with in_tenant(tenant):
        renter = await Contact.create(account=pat, first_name="Kim", last_name="Renter")
        await ContactEmail.create(contact=renter, email="kim@example.com", send_invoices=False)
    kim = client_for(tenant)
    await kim.sign_in_as("kim@example.com")
    for path in ("/statement", "/statement.pdf", f"/statement?from={history}-01-01&to={history}-12-31"):
        assert (await kim.get(path)).status_code == 404, path
    home = await page_of(kim, "/")
    assert 'href="/statement"' not in home and "INV-B" not in home


async def test_statement_pdf_keeps_each_date_on_one_line(pat_client, pat, portal_data, tenant):
    """Issue 18: with long details the date column wrapped ("Dec 12," over "2025")."""
    invoice = await portal_data.invoice(pat, number="INV-LONG", lines=[("Service", 1000, 5000)], issued_days_ago=5)
    reference = "Cheque 4471 from the joint account of Pat and Sam Morgan, posted with the spring opening deposit"
    await portal_data.payment(invoice, 5000, method="cheque", reference=reference, days_ago=2)
    today = tenant_today(tenant)
    response = await pat_client.get(f"/statement.pdf?from={today - timedelta(days=30)}&to={today}")
    text = pdf_text(await response.get_data())
    day = r"[A-Z][a-z]{2} \d{1,2}, \d{4}"
    assert re.search(day + " Invoice INV-LONG", text), text
    assert re.search(day + " Payment: Cheque", text), text
