"""The billing statement (I5): invoices and payments of a period with a running balance.

The period defaults to the last calendar year (where the business is) and
takes any ``?from=&to=`` range. The statement opens with the balance
carried from before the period (invoices issued minus payments received
until then), lists the period's invoices and payments in date order with the
balance after each, and closes with the balance at the end of the period.
Void invoices are listed but charge nothing; drafts never show; a payment
counts net of its refunds. An account billed in several currencies gets one
ledger per currency (balances in different money do not add up).

Four queries whatever the account's history. Routes sit on the invoices
blueprint (``invoices.statement``, ``invoices.statement_pdf``): a statement
shows only to addresses that may see invoices, in a portal that includes
both invoices and the statement.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable

from quart import g
from tortoise.functions import Sum

from core.auth.current import login_required
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
from core.web.rendering import tenant_today
from tenants.models import Tenant

# Invoices that charge the customer; a void one is shown but owes nothing.
CHARGING_STATUSES = ("open", "paid")


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


@dataclass
class Ledger:
    """The statement of one currency."""

    currency: str
    opening_minor: int = 0
    entries: list[Entry] = field(default_factory=list)

    @property
    def charged_minor(self) -> int:
        return sum(e.charge_minor for e in self.entries)

    @property
    def received_minor(self) -> int:
        return sum(e.credit_minor for e in self.entries)

    @property
    def closing_minor(self) -> int:
        return self.opening_minor + self.charged_minor - self.received_minor


@dataclass
class Statement:
    account: CustomerAccount
    period: DateRange
    ledgers: list[Ledger]
    prepared_on: date

    @property
    def start(self) -> date:
        return self.period.start

    @property
    def end(self) -> date:
        return self.period.end

    @property
    def is_empty(self) -> bool:
        return not any(ledger.entries or ledger.opening_minor for ledger in self.ledgers)


def last_calendar_year(today: date) -> tuple[date, date]:
    return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)


def presets(today: date) -> list[tuple[str, date, date]]:
    """Ranges offered as one-click links: ``(label, start, end)``."""
    last_start, last_end = last_calendar_year(today)
    return [
        (f"Last year ({last_start.year})", last_start, last_end),
        (f"This year ({today.year})", date(today.year, 1, 1), today),
        ("Last 12 months", today - timedelta(days=365) + timedelta(days=1), today),
    ]


def payment_description(payment: Payment) -> str:
    text = f"Payment: {method_label(payment)}"
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


async def build_statement(account: CustomerAccount, tenant: Tenant, period: DateRange) -> Statement:
    """The statement of ``account`` for ``period`` (four queries)."""
    low, high = period.bounds(tenant)
    ledgers: dict[str, Ledger] = {}
    before = await (
        customer_invoices(account)
        .filter(status__in=CHARGING_STATUSES, issued_on__lt=period.start)
        .annotate(sum=Sum("total_minor"))
        .group_by("currency")
        .values("currency", "sum")
    )
    for row in before:
        _ledger(ledgers, row["currency"]).opening_minor += int(row["sum"] or 0)
    paid_before = await (
        Payment.filter(account_id=account.id, status__in=RECEIVED_STATUSES, received_at__lt=low)
        .annotate(amount=Sum("amount_minor"), refunded=Sum("refunded_minor"))
        .group_by("currency")
        .values("currency", "amount", "refunded")
    )
    for row in paid_before:
        _ledger(ledgers, row["currency"]).opening_minor -= int(row["amount"] or 0) - int(row["refunded"] or 0)

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
                Entry(day, "invoice", f"Invoice {row.number}", charge, 0, running[currency],
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
    ordered = sorted(ledgers.values(), key=lambda l: (l.currency != tenant.currency, l.currency))
    return Statement(account, period, ordered, tenant_today(tenant))


async def requested_statement(portal: Portal) -> Statement:
    """The statement of the period in ``?from=&to=`` (default: last calendar year)."""
    start, end = last_calendar_year(tenant_today(portal.tenant))
    return await build_statement(portal.account, portal.tenant, date_range_arg(start, end))


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
    )


@blueprint.get("/statement.pdf", endpoint="statement_pdf")
@login_required
@invoices_required
@section_required("statement")
async def statement_pdf():
    statement = await requested_statement(g.portal)
    context = {"statement": statement, "link_invoices": False}
    data = await render_pdf(current_services(), g.tenant, "pdf/statement.html", context)
    return pdf_response(data, statement_pdf_name(statement))
