"""CSV exports of the signed-in account's invoices and payments (I8).

Spreadsheet-safe: every cell is quoted as needed by :mod:`csv`, text that
a spreadsheet would run as a formula (starting with ``= + - @``, a tab or a
carriage return) is prefixed with a quote, money is a plain decimal string
beside a currency column, dates are ISO days in the business's time zone.
The file starts with a UTF-8 byte order mark so spreadsheet programs read
accents right. The exports take the same filters as the pages they sit on.

Both exports show only to addresses that may see invoices (I4: payments
tell what was billed); each answers 404 when its section is left out of
the portal.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any, Iterable, Sequence

from quart import Blueprint, Response, g

from core.auth.current import login_required
from core.i18n import lazy_gettext
from core.money import amount_input
from core.portal.access import billing_visible
from core.portal.invoices import (
    STATUS_LABELS as INVOICE_STATUS_LABELS,
    customer_reference,
    invoices_required,
    local_day,
    method_label,
    requested_invoices,
    section_required,
)
from core.portal.payments import (
    STATUS_LABELS as PAYMENT_STATUS_LABELS,
    invoice_shown,
    payments_required,
    requested_payments,
)
from core.storage import safe_filename
from core.web.rendering import tenant_today

blueprint = Blueprint("exports", __name__)
# The two exports belong to different sections: each route checks its own.
blueprint.portal_section = None  # type: ignore[attr-defined]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
# Column names in the reader's language (lazy: translated when the file is made).
INVOICE_HEADER = (
    lazy_gettext("Invoice number"), lazy_gettext("Status"), lazy_gettext("Issued"), lazy_gettext("Due"),
    lazy_gettext("Job number"), lazy_gettext("Job title"), lazy_gettext("Currency"), lazy_gettext("Subtotal"),
    lazy_gettext("Tax"), lazy_gettext("Total"), lazy_gettext("Paid"), lazy_gettext("Balance"),
)
PAYMENT_HEADER = (
    lazy_gettext("Date"), lazy_gettext("Amount"), lazy_gettext("Refunded"), lazy_gettext("Currency"),
    lazy_gettext("Method"), lazy_gettext("Reference"), lazy_gettext("Invoice number"), lazy_gettext("Status"),
)


def safe_cell(value: Any) -> Any:
    """Text a spreadsheet would treat as a formula gets a leading quote; the rest
    (a plain number such as ``-12.50`` too) is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def iso_day(value: date | None) -> str:
    return value.isoformat() if value else ""


def csv_response(header: Sequence[str], rows: Iterable[Sequence[Any]], filename: str) -> Response:
    """A CSV download; text cells pass through :func:`safe_cell`."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([str(name) for name in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    response = Response(out.getvalue(), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_filename(filename)}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def export_name(kind: str) -> str:
    """``<kind>-<account number>-<today>.csv``."""
    return f"{kind}-{g.portal.account.number}-{tenant_today(g.tenant).isoformat()}.csv"


@blueprint.get("/export/invoices.csv", endpoint="invoices_csv")
@login_required
@invoices_required
async def invoices_csv():
    portal = g.portal
    today = tenant_today(portal.tenant)
    _, query = requested_invoices(portal.account, today)
    invoices = await query.select_related("job").order_by("issued_on", "id")
    rows = []
    for invoice in invoices:
        state = invoice.display_status(today)
        money = [
            amount_input(amount, invoice.currency)
            for amount in (invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor, invoice.paid_minor, invoice.balance_minor)
        ]
        job = invoice.job
        rows.append([
            invoice.number, str(INVOICE_STATUS_LABELS.get(state, state)), iso_day(invoice.issued_on), iso_day(invoice.due_on),
            job.number if job else "", job.title if job else "", invoice.currency, *money,
        ])
    return csv_response(INVOICE_HEADER, rows, export_name("invoices"))


@blueprint.get("/export/payments.csv", endpoint="payments_csv")
@login_required
@section_required("payments")
@payments_required
async def payments_csv():
    portal = g.portal
    _, _, query = requested_payments(portal.account, portal.tenant)
    payments = await query.select_related("invoice").order_by("received_at", "id")
    show_invoices = billing_visible(portal)
    rows = [
        [
            local_day(payment.received_at, portal.tenant).isoformat(),
            amount_input(payment.amount_minor, payment.currency),
            amount_input(payment.refunded_minor, payment.currency),
            payment.currency,
            method_label(payment),
            customer_reference(payment),
            payment.invoice.number if invoice_shown(payment, show_invoices) else "",
            str(PAYMENT_STATUS_LABELS.get(payment.status, payment.status)),
        ]
        for payment in payments
    ]
    return csv_response(PAYMENT_HEADER, rows, export_name("payments"))
