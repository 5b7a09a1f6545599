"""Payments in the portal (I6): every payment of the account, filtered and sorted."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from core.console.testing import sign_in_staff
from core.web.rendering import tenant_today
from tests.portal_data import PAT, PortalData, page_of, pat, pat_client, pdf_text, portal_data, queries_of, set_sections  # noqa: F401 - fixtures

NO_BILLS = "kim@example.com"


def amounts(html: str) -> list[str]:
    """Amounts of the payments table, in order."""
    return re.findall(r'<td class="num" data-label="Amount">([^<]+)', html)


@pytest.fixture
async def paid(tenant, make_customer, portal_data: PortalData):
    """Pat's account (shared with kim@, who lacks "send invoices") with payments:

    $10 card 2 days ago, $20 cash 40 days ago, $30 cheque 400 days ago,
    $40 card refunded 5 days ago, $50 bank pending today, a failed $60, and a
    neighbour's $70.
    """
    account = await make_customer(tenant, "Pat Doe", emails=[PAT, NO_BILLS], no_invoices=[NO_BILLS])
    invoice = await portal_data.invoice(account, number="INV-PAID", lines=[("Service", 1000, 100000)])
    await portal_data.payment(invoice, 1000, days_ago=2)
    await portal_data.payment(invoice, 2000, method="cash", days_ago=40)
    await portal_data.payment(invoice, 3000, method="cheque", reference="=cmd|' /C calc'!A0", days_ago=400)
    await portal_data.payment(invoice, 4000, status="refunded", refunded_minor=4000, card_brand="mastercard", card_last4="4444", days_ago=5)
    await portal_data.payment(invoice, 5000, method="bank", status="pending", days_ago=0)
    await portal_data.payment(invoice, 6000, status="failed", card_last4="0341", days_ago=1)
    neighbour = await make_customer(tenant, "Neighbour", emails=["neighbour@example.com"])
    await portal_data.payment(await portal_data.invoice(neighbour), 7000)
    return account


@pytest.fixture
async def payer(client, paid):
    """``client`` signed in as Pat, on the account of :func:`paid`."""
    await client.sign_in_as(PAT)
    return client


async def test_payments_newest_first_with_method_invoice_and_status(payer):
    html = await page_of(payer, "/payments")
    assert amounts(html) == ["$50.00", "$10.00", "$40.00", "$20.00", "$30.00"]
    assert "$60.00" not in html and "0341" not in html  # a failed attempt is not a payment
    assert "$70.00" not in html
    assert "Visa ending 4242" in html and "Mastercard ending 4444" in html and "Bank transfer" in html
    assert "Processing" in html and "Refunded" in html and "$40.00 refunded" in html
    assert html.count(">INV-PAID</a>") == 5
    assert "=cmd|&#39; /C calc&#39;!A0" in html  # references are escaped text
    assert 'href="/invoices?status=paid">Paid invoices' in html
    assert 'aria-current="page">Payments' in html


@pytest.mark.parametrize(
    "query, expected",
    [
        ("method=card", ["$10.00", "$40.00"]),
        ("method=cheque", ["$30.00"]),
        ("period=30d", ["$50.00", "$10.00", "$40.00"]),
        ("period=12m", ["$50.00", "$10.00", "$40.00", "$20.00"]),
        ("period=30d&method=card", ["$10.00", "$40.00"]),
        ("method=bitcoin&period=forever", ["$50.00", "$10.00", "$40.00", "$20.00", "$30.00"]),
        ("sort=amount", ["$10.00", "$20.00", "$30.00", "$40.00", "$50.00"]),
        ("sort=-amount", ["$50.00", "$40.00", "$30.00", "$20.00", "$10.00"]),
        ("sort=date", ["$30.00", "$20.00", "$40.00", "$10.00", "$50.00"]),
        ("sort=method", ["$50.00", "$40.00", "$10.00", "$20.00", "$30.00"]),  # bank, card (oldest first), cash, cheque
        ("sort=received_at", ["$50.00", "$10.00", "$40.00", "$20.00", "$30.00"]),  # not a column: newest first
    ],
)
async def test_filters_and_sorting(payer, query, expected):
    assert amounts(await page_of(payer, f"/payments?{query}")) == expected


async def test_sort_by_invoice_number(pat_client, pat, portal_data):
    for number in ("INV-0300", "INV-0100", "INV-0200"):
        await portal_data.payment(await portal_data.invoice(pat, number=number), 100)
    html = await page_of(pat_client, "/payments?sort=invoice")
    assert re.findall(r">(INV-0\d00)</a>", html) == ["INV-0100", "INV-0200", "INV-0300"]
    html = await page_of(pat_client, "/payments?sort=-invoice")
    assert re.findall(r">(INV-0\d00)</a>", html) == ["INV-0300", "INV-0200", "INV-0100"]


async def test_this_year_and_last_year(pat_client, pat, portal_data, tenant):
    from datetime import date

    from core.web.rendering import tenant_today

    invoice = await portal_data.invoice(pat)
    year = tenant_today(tenant).year  # the business's year, not UTC's
    await portal_data.payment(invoice, 100, on=date(year, 1, 1))
    await portal_data.payment(invoice, 200, on=date(year - 1, 12, 31))
    await portal_data.payment(invoice, 300, on=date(year - 2, 12, 31))
    assert amounts(await page_of(pat_client, "/payments?period=this_year")) == ["$1.00"]
    assert amounts(await page_of(pat_client, "/payments?period=last_year")) == ["$2.00"]


async def test_address_without_send_invoices_sees_no_payments(paid, tenant, client_for):
    """Issue 14 item 9: the payments list reveals what was billed, so it follows invoices."""
    kim = client_for(tenant)
    await kim.sign_in_as(NO_BILLS)
    for path in ("/payments", "/payments?method=card&sort=amount", "/export/payments.csv", "/export/payments.csv?period=30d"):
        assert (await kim.get(path)).status_code == 404, path
    home = await page_of(kim, "/")
    assert 'href="/payments"' not in home and ">Payments<" not in home and "/export/payments.csv" not in home
    assert "$10.00" not in home and "INV-PAID" not in home
    # Pat, on the same account with "send invoices", still has them.
    pat_view = client_for(tenant)
    await pat_view.sign_in_as(PAT)
    assert 'href="/payments"' in await page_of(pat_view, "/")
    assert len(amounts(await page_of(pat_view, "/payments"))) == 5
    assert (await pat_view.get("/export/payments.csv")).status_code == 200


async def test_empty_states(pat_client, pat, portal_data):
    html = await page_of(pat_client, "/payments")
    assert "No payments yet." in html and "<table" not in html and "as CSV" not in html
    await portal_data.payment(await portal_data.invoice(pat), 100, method="cash")
    html = await page_of(pat_client, "/payments?method=card")
    assert "No payments match these filters." in html and 'href="/payments">Show all payments' in html


async def test_pages_of_twenty(pat_client, pat, portal_data):
    invoice = await portal_data.invoice(pat, lines=[("Service", 1000, 10**6)])
    for n in range(22):
        await portal_data.payment(invoice, 100 + n, days_ago=n)
    assert len(amounts(await page_of(pat_client, "/payments"))) == 20
    assert amounts(await page_of(pat_client, "/payments?page=2")) == ["$1.20", "$1.21"]  # the oldest two
    assert "Showing 21–22 of 22 payments" in await page_of(pat_client, "/payments?page=2")


async def test_query_count_does_not_grow_with_payments(pat_client, pat, portal_data, count_queries):
    async def pay(n: int) -> None:
        for _ in range(n):
            await portal_data.payment(await portal_data.invoice(pat), 100)

    await pay(2)
    few = (await queries_of(pat_client, "/payments", count_queries))[0].count
    await pay(18)
    assert (await queries_of(pat_client, "/payments", count_queries))[0].count == few


async def test_payments_left_out_of_the_portal(payer, tenant):
    await set_sections(tenant, payments=False)
    assert (await payer.get("/payments")).status_code == 404
    assert (await payer.get("/export/payments.csv")).status_code == 404
    home = await page_of(payer, "/")
    assert 'href="/payments"' not in home and 'href="/invoices"' in home
    assert "Payments you made" not in await page_of(payer, "/invoices")


async def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = await client.get("/payments?method=card")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


async def test_customers_see_the_card_not_the_processor_id_which_staff_keep(client, client_for, tenant, make_customer, portal_data):
    """Issue 18: "Card payment pi_..." reached the payments page, statement and invoice PDF."""
    account = await make_customer(tenant, "Pat Doe", emails=[PAT])
    invoice = await portal_data.invoice(account, number="INV-CARD", lines=[("Service", 1000, 5000)])
    await portal_data.payment(invoice, 2000, reference="Card payment pi_91IeYPT1JPAh8O", source="stripe", days_ago=2)
    await portal_data.payment(invoice, 3000, method="cheque", reference="Cheque 77", days_ago=1)
    await client.sign_in_as(PAT)
    today = tenant_today(tenant)
    period = f"from={today - timedelta(days=30)}&to={today}"
    pages = {
        "payments": await page_of(client, "/payments"),
        "statement": await page_of(client, f"/statement?{period}"),
        "invoice": await page_of(client, f"/invoices/{invoice.public_id}"),
        "statement PDF": pdf_text(await (await client.get(f"/statement.pdf?{period}")).get_data()),
        "invoice PDF": pdf_text(await (await client.get(f"/invoices/{invoice.public_id}.pdf")).get_data()),
        "CSV": await (await client.get("/export/payments.csv")).get_data(as_text=True),
    }
    for name, text in pages.items():
        assert "pi_91IeYPT1JPAh8O" not in text, name
        assert "Visa ending 4242" in text, name
        assert "Cheque 77" in text, name  # a reference the business typed stays
    staff = client_for("acme.localhost")
    await sign_in_staff(staff, "olive@acme.test", role="staff")
    console = await (await staff.get(f"/console/invoices/{invoice.public_id}")).get_data(as_text=True)
    assert "Card payment pi_91IeYPT1JPAh8O" in console
