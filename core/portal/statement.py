"""The billing statement (I5): invoices and payments of a period with a running balance.

The period defaults to the last calendar year (where the business is) and
takes any ``?from=&to=`` range. The statement opens with the balance
carried from before the period (invoices issued minus payments received
until then), lists the period's invoices and payments in date order with the
balance after each, and closes with the balance at the end of the period.
Void invoices are listed but charge nothing; drafts never show; a payment
counts net of its refunds. An account billed in several currencies gets one
ledger per currency (balances in different money do not add up).

The page stays bounded whatever the account's history: one statement (the
invoices' and the payments' grouped queries joined by ``UNION ALL``,
:func:`core.sql.union_all_values`) gives the balance brought forward and,
per part of the period (days, months or years, at most :data:`MAX_BUCKETS`
of them), what was invoiced and received and how many lines that is. A period of at most
:data:`PAGE_LINES` lines is listed line by line (two more queries); a longer
one shows the summary, each part linking to its own statement, so a
customer narrows a busy year to a month and a month to a day. The PDF is
always complete, line by line.

Routes sit on the invoices
blueprint (``invoices.statement``, ``invoices.statement_pdf``): a statement
shows only to addresses that may see invoices, in a portal that includes
both invoices and the statement.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Iterable

from quart import g
from tortoise.expressions import F, Q
from tortoise.functions import Count, Sum

from core.auth.current import login_required
from core.i18n import gettext
from core.models.billing import Invoice, Payment
from core.models.customers import CustomerAccount
from core.pdf import pdf_response, render_pdf
from core.portal.invoices import (
    RECEIVED_STATUSES,
    blueprint,
    customer_invoices,
    customer_reference,
    invoices_required,
    local_day,
    method_label,
    section_required,
)
from core.portal.access import link_to
from core.portal.context import Portal
from core.portal.pagination import DateRange, date_range_arg
from core.portal.views import render_portal
from core.services import current_services
from core.sql import union_all_values
from core.web.rendering import tenant_today
from tenants.models import Tenant

# Invoices that charge the customer; a void one is shown but owes nothing.
CHARGING_STATUSES = ("open", "paid")
# A statement page lists at most this many lines; a busier period is summarized.
PAGE_LINES = 200
# Parts a summarized period is cut into, at most.
MAX_BUCKETS = 40


@dataclass(frozen=True)
class Entry:
    """One line of a statement: an invoice (a charge) or a payment (a credit)."""

    day: date
    kind: str  # "invoice" | "payment"
    description: str
    charge_minor: int
    credit_minor: int
    balance_minor: int
    invoice_number: str = ""
    invoice_id: str | None = None
    void: bool = False


@dataclass(frozen=True)
class Bucket:
    """A part of the period: ``[start, end]`` in the business's calendar."""

    start: date
    end: date
    label: str


@dataclass
class SummaryRow:
    """What one part of a summarized period holds, in one currency."""

    bucket: Bucket
    charge_minor: int = 0
    credit_minor: int = 0
    lines: int = 0
    balance_minor: int = 0


@dataclass
class Ledger:
    """The statement of one currency: its lines, or (a busy period) its summary."""

    currency: str
    opening_minor: int = 0
    entries: list[Entry] = field(default_factory=list)
    summary: list[SummaryRow] = field(default_factory=list)
    charged_total: int = 0
    received_total: int = 0

    @property
    def charged_minor(self) -> int:
        return self.charged_total

    @property
    def received_minor(self) -> int:
        return self.received_total

    @property
    def closing_minor(self) -> int:
        return self.opening_minor + self.charged_minor - self.received_minor


@dataclass
class Statement:
    account: CustomerAccount
    period: DateRange
    ledgers: list[Ledger]
    prepared_on: date
    # Lines of the period (all currencies); summarized when over PAGE_LINES on a page.
    lines: int = 0
    summarized: bool = False

    @property
    def start(self) -> date:
        return self.period.start

    @property
    def end(self) -> date:
        return self.period.end

    @property
    def is_empty(self) -> bool:
        return not self.lines and not any(ledger.opening_minor for ledger in self.ledgers)


def last_calendar_year(today: date) -> tuple[date, date]:
    return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)


def presets(today: date) -> list[tuple[str, date, date]]:
    """Ranges offered as one-click links: ``(label, start, end)``."""
    last_start, last_end = last_calendar_year(today)
    return [
        (gettext("Last year (%(year)d)", year=last_start.year), last_start, last_end),
        (gettext("This year (%(year)d)", year=today.year), date(today.year, 1, 1), today),
        (gettext("Last 12 months"), today - timedelta(days=365) + timedelta(days=1), today),
    ]


def payment_description(payment: Payment) -> str:
    text = gettext("Payment: %(method)s", method=method_label(payment))
    if reference := customer_reference(payment):
        text += f" ({reference})"
    return text


def _ledger(ledgers: dict[str, Ledger], currency: str) -> Ledger:
    if currency not in ledgers:
        ledgers[currency] = Ledger(currency)
    return ledgers[currency]


def _entries(invoices: Iterable[Invoice], payments: Iterable[Payment], tenant: Tenant) -> list[tuple[str, date, int, int, object]]:
    """``(currency, day, same-day order, id, row)``: charges before payments on a day."""
    rows: list[tuple[str, date, int, int, object]] = []
    for invoice in invoices:
        rows.append((invoice.currency, invoice.issued_on, 0, invoice.id, invoice))
    for payment in payments:
        day = local_day(payment.received_at, tenant)
        rows.append((payment.currency, day, 1, payment.id, payment))
    rows.sort(key=lambda r: (r[1], r[2], r[3]))
    return rows


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def buckets(period: DateRange) -> list[Bucket]:
    """The period cut into days, months or years (the finest that gives at most
    :data:`MAX_BUCKETS` parts; runs of years beyond that)."""
    start, end = period.start, period.end
    if (end - start).days < MAX_BUCKETS:
        return [Bucket(start + timedelta(days=n), start + timedelta(days=n), "day") for n in range((end - start).days + 1)]
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if months <= MAX_BUCKETS:
        step, kind = 1, "month"
    else:
        years = end.year - start.year + 1
        step, kind = 12 * -(-years // MAX_BUCKETS), "year"
    out = []
    first = date(start.year, start.month if kind == "month" else 1, 1)
    while first <= end:
        following = _add_months(first, step)
        out.append(Bucket(max(first, start), min(following - timedelta(days=1), end), kind))
        first = following
    return out


def _bucket_sums(buckets_: list[Bucket], condition, amount, counted: Q | None = None) -> dict[str, Any]:
    """``c{n}`` (the lines) and ``s{n}`` (the sum of those also ``counted``) of each bucket, as aggregates."""
    out: dict[str, Any] = {}
    for n, bucket in enumerate(buckets_):
        inside = condition(bucket)
        out[f"c{n}"] = Count("id", _filter=inside)
        out[f"s{n}"] = Sum(amount, _filter=inside if counted is None else inside & counted)
    return out


async def _totals(account: CustomerAccount, tenant: Tenant, period: DateRange, parts: list[Bucket]) -> dict[str, Ledger]:
    """Brought forward and per-part sums and line counts per currency: one statement,
    the invoices' and the payments' grouped queries joined by ``UNION ALL``."""
    ledgers: dict[str, Ledger] = {}
    low, high = period.bounds(tenant)
    charging = Q(status__in=CHARGING_STATUSES)
    columns = ("currency", "before", *(f"{k}{n}" for n in range(len(parts)) for k in "cs"))

    def invoiced(bucket: Bucket) -> Q:
        return Q(issued_on__gte=bucket.start, issued_on__lte=bucket.end)

    def received(bucket: Bucket) -> Q:
        b_low, b_high = DateRange(bucket.start, bucket.end).bounds(tenant)
        return Q(received_at__gte=b_low, received_at__lt=b_high)

    invoices = (
        customer_invoices(account)
        .filter(Q(issued_on__lte=period.end))
        # a void invoice is listed (counted), not charged (summed)
        .annotate(before=Sum("total_minor", _filter=charging & Q(issued_on__lt=period.start)), **_bucket_sums(parts, invoiced, "total_minor", charging))
        .group_by("currency")
        .values(*columns)
    )
    net = F("amount_minor") - F("refunded_minor")
    payments = (
        Payment.filter(account_id=account.id, status__in=RECEIVED_STATUSES, received_at__lt=high)
        .annotate(before=Sum(net, _filter=Q(received_at__lt=low)), **_bucket_sums(parts, received, net))
        .group_by("currency")
        .values(*columns)
    )
    for part, row in await union_all_values(invoices, payments):
        ledger = _ledger(ledgers, row["currency"])
        sign = 1 if part == 0 else -1  # invoices charge, payments credit
        ledger.opening_minor += sign * int(row["before"] or 0)
        for n in range(len(parts)):
            summary = _summary_row(ledger, parts, n)
            if part == 0:
                summary.charge_minor += int(row[f"s{n}"] or 0)
            else:
                summary.credit_minor += int(row[f"s{n}"] or 0)
            summary.lines += int(row[f"c{n}"] or 0)
    for ledger in ledgers.values():
        balance = ledger.opening_minor
        for summary in ledger.summary:
            balance += summary.charge_minor - summary.credit_minor
            summary.balance_minor = balance
        ledger.charged_total = sum(r.charge_minor for r in ledger.summary)
        ledger.received_total = sum(r.credit_minor for r in ledger.summary)
    return ledgers


def _summary_row(ledger: Ledger, parts: list[Bucket], n: int) -> SummaryRow:
    if not ledger.summary:
        ledger.summary = [SummaryRow(bucket) for bucket in parts]
    return ledger.summary[n]


async def build_statement(account: CustomerAccount, tenant: Tenant, period: DateRange, *, max_lines: int | None = PAGE_LINES) -> Statement:
    """The statement of ``account`` for ``period``: line by line when it has at most
    ``max_lines`` lines (None: always, as the PDF wants), else summarized.

    One statement, three with the lines."""
    parts = buckets(period)
    ledgers = await _totals(account, tenant, period, parts)
    lines = sum(r.lines for ledger in ledgers.values() for r in ledger.summary)
    ordered = sorted(ledgers.values(), key=lambda l: (l.currency != tenant.currency, l.currency))
    statement = Statement(account, period, ordered, tenant_today(tenant), lines=lines)
    if max_lines is not None and lines > max_lines:
        statement.summarized = True
        for ledger in ordered:
            ledger.summary = [r for r in ledger.summary if r.lines]
        return statement
    for ledger in ordered:
        ledger.summary = []
    if lines:
        await _load_entries(account, tenant, period, ledgers)
    return statement


async def _load_entries(account: CustomerAccount, tenant: Tenant, period: DateRange, ledgers: dict[str, Ledger]) -> None:
    """The period's invoices and payments as lines with a running balance (two queries)."""
    low, high = period.bounds(tenant)
    invoices = await customer_invoices(account).filter(issued_on__gte=period.start, issued_on__lte=period.end)
    payments = await Payment.filter(
        account_id=account.id, status__in=RECEIVED_STATUSES, received_at__gte=low, received_at__lt=high
    ).select_related("invoice")
    running: dict[str, int] = defaultdict(int)
    for ledger in ledgers.values():
        running[ledger.currency] = ledger.opening_minor
    for currency, day, _, _, row in _entries(invoices, payments, tenant):
        ledger = _ledger(ledgers, currency)
        if isinstance(row, Invoice):
            charge = row.total_minor if row.status in CHARGING_STATUSES else 0
            running[currency] += charge
            ledger.entries.append(
                Entry(day, "invoice", gettext("Invoice %(number)s", number=row.number), charge, 0, running[currency],
                      invoice_number=row.number, invoice_id=row.public_id, void=row.status == "void")
            )
        else:
            credit = row.amount_minor - row.refunded_minor
            running[currency] -= credit
            invoice = row.invoice
            visible = invoice is not None and invoice.status != "draft"
            ledger.entries.append(
                Entry(day, "payment", payment_description(row), 0, credit, running[currency],
                      invoice_number=invoice.number if visible else "",
                      invoice_id=invoice.public_id if visible else None)
            )


async def requested_statement(portal: Portal, *, max_lines: int | None = PAGE_LINES) -> Statement:
    """The statement of the period in ``?from=&to=`` (default: last calendar year)."""
    start, end = last_calendar_year(tenant_today(portal.tenant))
    return await build_statement(portal.account, portal.tenant, date_range_arg(start, end), max_lines=max_lines)


def statement_pdf_name(statement: Statement) -> str:
    return f"statement-{statement.account.number}-{statement.start.isoformat()}-to-{statement.end.isoformat()}.pdf"


@blueprint.get("/statement", endpoint="statement")
@login_required
@invoices_required
@section_required("statement")
async def statement_page():
    portal = g.portal
    statement = await requested_statement(portal)
    period = statement.period
    today = tenant_today(portal.tenant)
    return await render_portal(
        "portal/statement.html",
        statement=statement,
        period=period,
        presets=[(label, link_to("invoices.statement", **{"from": s.isoformat(), "to": e.isoformat()}), (s, e) == (period.start, period.end)) for label, s, e in presets(today)],
        pdf_url=link_to("invoices.statement_pdf", **{"from": period.start.isoformat(), "to": period.end.isoformat()}),
        link_invoices=True,
        part_url=lambda bucket: link_to("invoices.statement", **{"from": bucket.start.isoformat(), "to": bucket.end.isoformat()}),
    )


@blueprint.get("/statement.pdf", endpoint="statement_pdf")
@login_required
@invoices_required
@section_required("statement")
async def statement_pdf():
    statement = await requested_statement(g.portal, max_lines=None)  # the PDF is complete
    context = {"statement": statement, "link_invoices": False}
    data = await render_pdf(current_services(), g.tenant, "pdf/statement.html", context)
    return pdf_response(data, statement_pdf_name(statement))
