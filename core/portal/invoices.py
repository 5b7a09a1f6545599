"""Invoices in the portal (I1-I4): the list, one invoice, its PDF.

Only the signed-in account's invoices, never drafts, and only for an address
with "send invoices" on this account (I4): for anyone else the pages answer
404 and no tab or link leads to them. An invoice shows in the view staff
chose for its job (``Job.invoice_view``): every line with its quantity and
unit price, or one summary line for the job.

The invoice's body is one partial (``portal/invoices/document.html``) that
the page, the print view and the PDF share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import wraps
from typing import Any, Callable
from zoneinfo import ZoneInfo

from quart import Blueprint, abort, g
from tortoise.expressions import Case, F, Q, Value, When
from tortoise.queryset import QuerySet

from core.auth.current import login_required
from core.models.billing import INVOICE_FILTERS, Invoice, InvoiceLine, Payment
from core.models.customers import CustomerAccount
from core.models.jobs import Job
from core.pdf import pdf_response, render_pdf
from core.i18n import gettext as _, lazy_gettext, lazy_pgettext
from core.plugin_state import announce
from core.portal.access import billing_visible, link_to
from core.portal.contributions import action_buttons
from core.portal.formats import format_quantity
from core.portal.pagination import Sorter, choice_arg, paginate
from core.portal.views import render_portal
from core.services import current_services
from core.web.rendering import tenant_today
from tenants.models import Tenant

blueprint = Blueprint("invoices", __name__)
blueprint.portal_section = "invoices"  # type: ignore[attr-defined]

# What a customer may ever see: drafts are staff work in progress.
CUSTOMER_STATUSES = ("open", "paid", "void")
STATUS_LABELS = {
    "open": lazy_pgettext("invoice status", "Open"),
    "overdue": lazy_pgettext("invoice status", "Overdue"),
    "paid": lazy_pgettext("invoice status", "Paid"),
    "void": lazy_pgettext("invoice status", "Void"),
}
# Payments that show on an invoice and count on a statement: money that arrived.
RECEIVED_STATUSES = ("succeeded", "partially_refunded", "refunded", "disputed")
SUMMARY_LENGTH = 160
METHOD_LABELS = {
    "card": lazy_gettext("Card"),
    "cash": lazy_gettext("Cash"),
    "cheque": lazy_gettext("Cheque"),
    "bank": lazy_gettext("Bank transfer"),
    "other": lazy_pgettext("payment method", "Other"),
}

# What is left to pay, as the list shows it: nothing on a void invoice.
BALANCE = Case(When(status="void", then=Value(0)), default=F("total_minor") - F("paid_minor"))
SORTS = Sorter(
    {
        "number": ("number",),
        "issued": ("issued_on",),
        "due": ("due_on",),
        "status": ("status", "due_on"),
        "total": ("total_minor",),
        "balance": ("balance",),
    },
    default="-issued",
)


def invoices_required(view: Callable) -> Callable:
    """404 unless this address may see invoices here (I4 and "Included in portal").

    Under :func:`~core.auth.current.login_required`, so a signed-out visitor
    is sent to sign in first.
    """

    @wraps(view)
    async def wrapper(*args: Any, **kwargs: Any):
        if not billing_visible(g.portal):
            abort(404)
        return await view(*args, **kwargs)

    return wrapper


def section_required(section: str) -> Callable[[Callable], Callable]:
    """404 when the tenant leaves ``section`` out of the portal.

    For routes whose blueprint spans sections (the blueprint's own
    ``portal_section`` is checked before any view runs).
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        async def wrapper(*args: Any, **kwargs: Any):
            if not g.tenant.section_enabled(section):
                abort(404)
            return await view(*args, **kwargs)

        return wrapper

    return decorate


def local_day(moment: datetime, tenant: Tenant) -> date:
    """The business's calendar day of a moment (a payment at 11 pm local is that day's)."""
    if moment.tzinfo is None:  # stored times are UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(ZoneInfo(tenant.timezone)).date()


def method_label(payment: Payment) -> str:
    """How a payment was made, e.g. "Visa ending 4242", "Cheque"."""
    if payment.method == "card" and payment.card_last4:
        return _("%(brand)s ending %(last4)s", brand=payment.card_brand.title() or _("Card"), last4=payment.card_last4)
    return str(METHOD_LABELS.get(payment.method, payment.method.title()))


# Payments whose reference the business typed (a cheque number, a transfer's
# reference). A payments plugin's reference holds the processor's own id
# (e.g. Stripe's pi_...), which means nothing to a customer: staff see it.
CUSTOMER_REFERENCE_SOURCES = frozenset({"staff", "api"})


def customer_reference(payment: Payment) -> str:
    """The payment's reference as a customer may see it, or "" (see above)."""
    return payment.reference if payment.source in CUSTOMER_REFERENCE_SOURCES else ""


def customer_invoices(account: CustomerAccount) -> QuerySet[Invoice]:
    """The invoices ``account`` may see: all but drafts."""
    return Invoice.filter(account_id=account.id, status__in=CUSTOMER_STATUSES)


def filter_by_status(query: QuerySet[Invoice], status: str, today: date) -> QuerySet[Invoice]:
    """Narrow to one of :data:`INVOICE_FILTERS`; "overdue" is open and past due."""
    past_due = Q(due_on__isnull=False) & Q(due_on__lt=today)
    if status == "overdue":
        return query.filter(Q(status="open") & past_due)
    if status == "open":
        return query.filter(Q(status="open") & ~past_due)
    if status in ("paid", "void"):
        return query.filter(status=status)
    return query


def requested_invoices(account: CustomerAccount, today: date) -> tuple[str, QuerySet[Invoice]]:
    """The ``?status=`` asked for (empty: all) and the account's invoices it leaves."""
    status = choice_arg("status", INVOICE_FILTERS)
    return status, filter_by_status(customer_invoices(account), status, today)


@dataclass(frozen=True)
class DocumentLine:
    """A line as the invoice shows it; ``quantity`` and ``unit_price_minor`` are
    None on a summary line."""

    description: str
    amount_minor: int
    quantity: str | None = None
    unit_price_minor: int | None = None
    detail: str = ""


@dataclass
class InvoiceDocument:
    """Everything an invoice page or PDF shows, loaded in three queries."""

    invoice: Invoice
    account: CustomerAccount
    job: Job | None
    lines: list[DocumentLine]
    payments: list[Payment]
    view: str
    status: str

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status.title()))

    @property
    def payment_rows(self) -> list[tuple[Payment, str, str]]:
        """``(payment, how it was paid, reference shown)`` in the order received."""
        return [(payment, method_label(payment), customer_reference(payment)) for payment in self.payments]


def document_lines(invoice_lines: list[InvoiceLine], job: Job | None, view: str, subtotal_minor: int, tenant: Tenant) -> list[DocumentLine]:
    """The detailed lines, or one summary line for the job with a short description."""
    if view != "summary":
        return [
            DocumentLine(line.description, line.amount_minor, format_quantity(line.quantity_milli, tenant), line.unit_price_minor)
            for line in invoice_lines
        ]
    detail = (job.description.strip() if job else "") or "; ".join(line.description for line in invoice_lines)
    if len(detail) > SUMMARY_LENGTH:
        detail = detail[: SUMMARY_LENGTH - 1].rstrip() + "…"
    title = _("%(title)s (job %(number)s)", title=job.title, number=job.number) if job else _("Services")
    return [DocumentLine(title, subtotal_minor, detail=detail)]


async def load_document(account: CustomerAccount, invoice_id: str, tenant: Tenant) -> InvoiceDocument | None:
    """The account's invoice with this public id, or None (another account's, a draft, none)."""
    invoice = await customer_invoices(account).filter(public_id=invoice_id).select_related("job").first()
    if invoice is None:
        return None
    lines = list(await InvoiceLine.filter(invoice_id=invoice.id))
    payments = list(
        await Payment.filter(invoice_id=invoice.id, status__in=RECEIVED_STATUSES).order_by("received_at", "id")
    )
    job = invoice.job
    view = job.invoice_view if job is not None else "detailed"
    return InvoiceDocument(
        invoice=invoice,
        account=account,
        job=job,
        lines=document_lines(lines, job, view, invoice.subtotal_minor, tenant),
        payments=payments,
        view=view,
        status=invoice.display_status(tenant_today(tenant)),
    )


async def invoice_or_404(invoice_id: str) -> InvoiceDocument:
    if "." in invoice_id:  # public ids never hold a dot: "x.pdf.pdf" and the like
        abort(404)
    document = await load_document(g.portal.account, invoice_id, g.tenant)
    if document is None:
        abort(404)
    return document


def invoice_pdf_name(invoice: Invoice) -> str:
    return f"invoice-{invoice.number}.pdf"


@blueprint.get("/invoices", endpoint="list")
@login_required
@invoices_required
async def invoice_list():
    portal = g.portal
    today = tenant_today(portal.tenant)
    sort = SORTS.parse()
    status, query = requested_invoices(portal.account, today)
    query = query.annotate(balance=BALANCE).order_by(*sort.order_by)
    page = await paginate(query)
    return await render_portal(
        "portal/invoices/list.html",
        page=page,
        sort=sort,
        status=status,
        statuses=[(value, STATUS_LABELS[value]) for value in INVOICE_FILTERS],
        status_labels=STATUS_LABELS,
        today=today,
        actions=await action_buttons("invoices", portal.account, portal),
        csv_url=link_to("exports.invoices_csv", status=status or None),
        statement_url=link_to("invoices.statement") if portal.tenant.section_enabled("statement") else None,
        payments_url=link_to("payments.list") if portal.tenant.section_enabled("payments") else None,
    )


@blueprint.get("/invoices/<invoice_id>")
@login_required
@invoices_required
async def detail(invoice_id: str):
    portal = g.portal
    document = await invoice_or_404(invoice_id)
    if not portal.read_only:  # staff looking through "view as" is not the customer viewing it
        invoice = document.invoice
        await announce("invoice.viewed", invoice.public_id, f"customer:{portal.email}", number=invoice.number, email=portal.email)
    job = document.job
    job_url = None
    if job is not None and portal.tenant.section_enabled("work_history"):
        job_url = link_to("work.job", job_id=job.public_id)
    return await render_portal(
        "portal/invoices/detail.html",
        doc=document,
        job_url=job_url,
        actions=await action_buttons("invoice", document.invoice, portal),
        pdf_url=link_to("invoices.pdf", invoice_id=document.invoice.public_id),
    )


@blueprint.get("/invoices/<invoice_id>.pdf")
@login_required
@invoices_required
async def pdf(invoice_id: str):
    document = await invoice_or_404(invoice_id)
    data = await render_pdf(current_services(), g.tenant, "pdf/invoice.html", {"doc": document, "job_url": None})
    return pdf_response(data, invoice_pdf_name(document.invoice))


# The statement's routes live on this blueprint (endpoints ``invoices.statement``
# and ``invoices.statement_pdf``); importing it here means whoever registers
# the blueprint gets them.
from core.portal import statement as _statement  # noqa: E402,F401
