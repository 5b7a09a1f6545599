"""CSV exports of invoices and payments (I8): content, spreadsheet safety, access."""

from __future__ import annotations

import csv
import io

import pytest

from core.models.billing import Invoice
from core.portal.exports import safe_cell
from core.web.rendering import tenant_today
from tenants.context import use_tenant
from tests.portal_data import PAT, PortalData, page_of, pat, pat_client, portal_data, queries_of  # noqa: F401 - fixtures

NO_BILLS = "kim@example.com"


async def download(client, path: str) -> tuple[list[list[str]], object]:
    """``(rows, response)`` of a CSV download, header first."""
    response = await client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    body = await response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # a BOM, so spreadsheets read UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")))), response


@pytest.fixture
async def full(pat, portal_data):
    return await portal_data.full_account(pat)


async def test_invoices_csv(pat_client, full, tenant):
    rows, response = await download(pat_client, "/export/invoices.csv")
    today = tenant_today(tenant).isoformat()
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="invoices-C-1001-{today}.csv"'
    assert response.headers["Cache-Control"] == "private, no-store"
    assert rows[0] == ["Invoice number", "Status", "Issued", "Due", "Job number", "Job title", "Currency", "Subtotal", "Tax", "Total", "Paid", "Balance"]
    by_number = {row[0]: row for row in rows[1:]}
    inv = full.invoices
    assert set(by_number) == {inv[k].number for k in ("open", "overdue", "paid", "void")}  # never the draft
    # Oldest issue first: a ledger's order.
    assert [row[0] for row in rows[1:]] == [inv[k].number for k in ("void", "overdue", "paid", "open")]
    opened = by_number[inv["open"].number]
    assert opened == [
        inv["open"].number, "Open", inv["open"].issued_on.isoformat(), inv["open"].due_on.isoformat(),
        full.upcoming_job.number, "Spring pool opening", "USD", "170.00", "0.00", "170.00", "50.00", "120.00",
    ]
    assert by_number[inv["overdue"].number][1] == "Overdue"
    assert by_number[inv["paid"].number][9:] == ["330.00", "330.00", "0.00"]


async def test_invoices_csv_takes_the_lists_status_filter(pat_client, full):
    rows, _ = await download(pat_client, "/export/invoices.csv?status=overdue")
    assert [row[0] for row in rows[1:]] == [full.invoices["overdue"].number]
    rows, _ = await download(pat_client, "/export/invoices.csv?status=junk")
    assert len(rows) == 5
    html = await (await pat_client.get("/invoices?status=overdue")).get_data(as_text=True)
    assert 'href="/export/invoices.csv?status=overdue" download>Download these invoices as CSV' in html


async def test_cells_that_would_be_formulas_are_defused_and_quoting_round_trips(pat_client, pat, portal_data):
    nasty = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", 'Comma, "quote" and\nnewline']
    for n, title in enumerate(nasty):
        job = await portal_data.job(pat, title=title, number=f"J-X{n}")
        invoice = await portal_data.invoice(pat, job=job, number=f"INV-X{n}", issued_days_ago=30 - n)
        await portal_data.payment(invoice, 100, method="other", reference=title, days_ago=20 - n)
    rows, _ = await download(pat_client, "/export/invoices.csv")
    titles = [row[5] for row in rows[1:]]
    assert titles == ["'" + t for t in nasty[:5]] + [nasty[5]]
    rows, _ = await download(pat_client, "/export/payments.csv")
    assert [row[5] for row in rows[1:]] == ["'" + t for t in nasty[:5]] + [nasty[5]]


def test_safe_cells_touch_only_text_that_starts_like_a_formula():
    for text in ("=1+1", "+1", "-A1", "@A1", "\tx", "\rx"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("ok = fine") == "ok = fine" and safe_cell("") == "" and safe_cell(12) == 12
    assert safe_cell("-12.50") == "-12.50" and safe_cell("-1e3") == "'-1e3" and safe_cell("-1+2") == "'-1+2"


async def test_invoices_in_another_currency_keep_its_digits(pat_client, pat, portal_data, tenant):
    invoice = await portal_data.invoice(pat, lines=[("Service", 1000, 5000)])
    with use_tenant(tenant):
        await Invoice.filter(id=invoice.id).update(currency="JPY")
    rows, _ = await download(pat_client, "/export/invoices.csv")
    assert rows[1][6:10] == ["JPY", "5000", "0", "5000"]


async def test_payments_csv(pat_client, full, tenant):
    rows, response = await download(pat_client, "/export/payments.csv")
    today = tenant_today(tenant).isoformat()
    assert response.headers["Content-Disposition"] == f'attachment; filename="payments-C-1001-{today}.csv"'
    assert rows[0] == ["Date", "Amount", "Refunded", "Currency", "Method", "Reference", "Invoice number", "Status"]
    cheque, card = full.payments[1], full.payments[0]  # oldest first
    assert rows[1] == [
        cheque.received_at.date().isoformat(), "330.00", "0.00", "USD", "Cheque", "Cheque 1042", full.invoices["paid"].number, "Received",
    ]
    assert rows[2][1] == "50.00" and rows[2][4] == "Visa ending 4242" and rows[2][6] == full.invoices["open"].number
    assert len(rows) == 3 and card.amount_minor == 5000


async def test_payments_csv_takes_the_lists_filters(pat_client, full):
    rows, _ = await download(pat_client, "/export/payments.csv?method=cheque&period=12m")
    assert [row[4] for row in rows[1:]] == ["Cheque"]
    rows, _ = await download(pat_client, "/export/payments.csv?method=card&period=30d")
    assert [row[4] for row in rows[1:]] == ["Visa ending 4242"]
    html = await (await pat_client.get("/payments?method=card")).get_data(as_text=True)
    assert 'href="/export/payments.csv?method=card" download>Download these payments as CSV' in html


async def test_address_without_send_invoices_exports_nothing(app, tenant, make_customer, client_for):
    account = await make_customer(tenant, "Shared", emails=[PAT, NO_BILLS], no_invoices=[NO_BILLS])
    await PortalData(app, tenant).full_account(account)
    kim = client_for(tenant)
    await kim.sign_in_as(NO_BILLS)
    # Payments reveal what was billed (issue 14 item 9): neither export is there.
    for path in ("/export/invoices.csv", "/export/payments.csv", "/export/payments.csv?method=card"):
        assert (await kim.get(path)).status_code == 404, path


async def test_exports_hold_only_the_signed_in_accounts_rows(app, pat_client, full, tenant, other_tenant, make_customer, portal_data):
    neighbour = await make_customer(tenant, "Neighbour", emails=["neighbour@example.com"])
    await portal_data.payment(await portal_data.invoice(neighbour, number="INV-NEIGHBOUR"), 1234)
    elsewhere = await make_customer(other_tenant, "Pat Doe", emails=[PAT])
    globex = PortalData(app, other_tenant)
    await globex.payment(await globex.invoice(elsewhere, number="INV-GLOBEX"), 4321)
    invoices, _ = await download(pat_client, "/export/invoices.csv")
    payments, _ = await download(pat_client, "/export/payments.csv")
    assert len(invoices) == 5 and len(payments) == 3
    text = str(invoices) + str(payments)
    assert "INV-NEIGHBOUR" not in text and "INV-GLOBEX" not in text and "12.34" not in text and "43.21" not in text


async def test_export_query_count_does_not_grow(pat_client, pat, portal_data, count_queries):
    async def bill(n: int) -> None:
        for _ in range(n):
            job = await portal_data.job(pat)
            await portal_data.payment(await portal_data.invoice(pat, job=job), 100)

    await bill(2)
    paths = ("/export/invoices.csv", "/export/payments.csv")
    few = [(await queries_of(pat_client, path, count_queries))[0].count for path in paths]
    await bill(18)
    assert [(await queries_of(pat_client, path, count_queries))[0].count for path in paths] == few


async def test_signed_out_visitors_are_sent_to_sign_in(client):
    for path in ("/export/invoices.csv", "/export/payments.csv"):
        response = await client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
