"""Invoices in the back office: drafts, issuing, voiding (S6, I1-I4, A3).

* A draft is made from a job (its charges become the lines) or blank for an
  account; its lines, memo and tax are edited while it is a draft, and the
  totals are always computed here, in minor units.
* **Issue** turns a draft into an open invoice: ``issued_on`` is today where
  the business is, ``due_on`` today plus the payment terms. The change is
  one conditional UPDATE (``status='draft'`` -> ``'open'``), so a double
  click issues once and emails once. Then every address of the account with
  "Send invoices" on gets an email with a private deep link into the
  invoice (:func:`core.auth.links.deep_link`) and the invoice's PDF, and
  plugins hear ``invoice.issued`` (the payments plugin charges AutoPay on it).
* **Void** an open invoice without payments, with a reason that is audited
  and sent to plugins as ``invoice.voided``. Voiding cancels what the
  customer owes, so it needs the ``money`` permission (owner and admin by
  default), not just ``back_office``.
* Payments are recorded by :mod:`core.console.payments`.

Customers never see drafts (:mod:`core.portal.invoices`).
"""

from __future__ import annotations

import secrets
from typing import Any

from quart import Blueprint, g, redirect, request, url_for

from core.audit import record
from core.console.forms import object_or_404, with_done
from core.console.access import staff_required
from core.console.actions import console_buttons
from core.console.permissions import MONEY
from core.console.customers import account_or_404
from core.console.form_fields import FormReader
from core.console.lists import Column, Filter, ListPage, customer_column, iso, number_column, status_column
from core.console.jobs import actor, job_or_404
from core.console.numbering import create_numbered
from core.console.priced_lines import PricedLines
from core.console.shell import notice, render_console
from core.i18n import gettext as _, lazy_gettext
from core.contacts import account_addresses
from core.invoicing import DEFAULT_TERMS_DAYS, TERMS_DAYS, InvoiceRefused, issue_invoice, void_invoice, void_refusal
from core.models.billing import INVOICE_FILTERS, PAYMENT_METHODS, Invoice, InvoiceLine, Payment
from core.models.customers import CustomerAccount
from core.models.jobs import JobCharge
from core.money import amount_input
from core.pdf import pdf_response, render_pdf
from core import plugin_state
from core.portal import invoices as portal_invoices
from core.services import current_services
from core.web.errors import render_error
from core.web.rendering import tenant_today


blueprint = Blueprint("invoices", __name__, url_prefix="/invoices")

NUMBER_PREFIX = "INV-"
STATUS_LABELS = {"draft": lazy_gettext("Draft"), **portal_invoices.STATUS_LABELS}
FILTERS = ("draft", *INVOICE_FILTERS)
STAFF_METHODS = tuple(m for m in PAYMENT_METHODS if m != "card")  # cards come from the payments plugin
METHOD_LABELS = {
    "card": lazy_gettext("Card"),
    "cash": lazy_gettext("Cash"),
    "cheque": lazy_gettext("Cheque"),
    "bank": lazy_gettext("Bank transfer"),
    "other": lazy_gettext("Other"),
}
#: A payment's status as the invoice page shows it.
PAYMENT_STATUS_LABELS = {
    "pending": lazy_gettext("Pending"),
    "succeeded": lazy_gettext("Succeeded"),
    "failed": lazy_gettext("Failed"),
    "refunded": lazy_gettext("Refunded"),
    "partially_refunded": lazy_gettext("Partially refunded"),
    "disputed": lazy_gettext("Disputed"),
}
#: The customer's view of a job's invoices, in a word.
VIEW_NAMES = {"detailed": lazy_gettext("Detailed"), "summary": lazy_gettext("Summary")}
NOTICES = {
    "created": lazy_gettext("Draft invoice created."),
    "line_added": lazy_gettext("Line added."),
    "line_saved": lazy_gettext("Line saved."),
    "line_deleted": lazy_gettext("Line removed."),
    "details_saved": lazy_gettext("Invoice saved."),
    "issued": lazy_gettext("Invoice issued."),
    "already_issued": lazy_gettext("This invoice was already issued; nothing was sent again."),
    "voided": lazy_gettext("Invoice voided."),
    "payment_recorded": lazy_gettext("Payment recorded."),
    "already_recorded": lazy_gettext("This payment was already recorded."),
}


async def invoice_or_404(invoice_id: str) -> Invoice:
    return await object_or_404(Invoice, invoice_id, "account", "job")


async def announce(name: str, subject: str, **data: Any) -> None:
    """Tell the plugins enabled in this tenant that the signed-in staff member did ``name``."""
    await plugin_state.announce(name, subject, f"staff:{actor()}", **data)


async def recompute_totals(invoice: Invoice) -> None:
    """Subtotal from the lines, total with the tax, in minor units."""
    amounts = await InvoiceLine.filter(invoice_id=invoice.id).values_list("amount_minor", flat=True)
    invoice.subtotal_minor = sum(amounts)
    invoice.total_minor = invoice.subtotal_minor + invoice.tax_minor
    await invoice.save(update_fields=["subtotal_minor", "total_minor"])


def _detail_url(invoice: Invoice) -> str:
    return url_for("console.invoices.detail", invoice_id=invoice.public_id)


def to_invoice(invoice: Invoice, done: str, anchor: str = ""):
    return with_done(_detail_url(invoice), done, anchor)


# -- the list -----------------------------------------------------------------


def _by_status(query, status: str):
    if status == "draft":
        return query.filter(status="draft")
    return portal_invoices.filter_by_status(query, status, tenant_today(g.tenant))


INVOICES = ListPage(
    Invoice, "console/invoices/list.html", (lazy_gettext("invoice"), lazy_gettext("invoices")),
    title=lazy_gettext("Invoices"), empty=lazy_gettext("No invoices match."), show_label=lazy_gettext("Show invoices"),
    columns=(
        number_column(lazy_gettext("Invoice")),
        customer_column(),
        Column("issued", lazy_gettext("Issued"), sort=("issued_on",), csv=lambda i: iso(i.issued_on)),
        Column("due", lazy_gettext("Due"), sort=("due_on",), csv=lambda i: iso(i.due_on)),
        status_column(STATUS_LABELS, displayed=True),
        Column("total", lazy_gettext("Total"), sort=("total_minor",), numeric=True, csv=lambda i: amount_input(i.total_minor, i.currency)),
        Column("balance", lazy_gettext("Balance"), numeric=True, csv=lambda i: amount_input(i.balance_minor, i.currency) if i.status in ("open", "paid") else ""),
    ),
    extra_sorts={"created": ("id",)},
    filters=(Filter("status", lazy_gettext("Status"), [("", lazy_gettext("Any status")), *((s, STATUS_LABELS[s]) for s in FILTERS)], apply=_by_status),),
    default_sort="-created",
    select_related=("account",),
    by_account=True,
    csv_name="invoices",
)
INVOICES.route(blueprint, "back_office", status_labels=STATUS_LABELS)


# -- drafts -------------------------------------------------------------------


@blueprint.post("/new")
@staff_required("back_office")
async def create():
    """A draft from ``job`` (its charges become lines) or a blank one for ``account``."""
    form = await request.form
    job = await job_or_404(form["job"]) if form.get("job") else None
    account: CustomerAccount = job.account if job else await account_or_404(form.get("account", ""))
    if account.archived:
        return await render_error(409, "account_archived", _("This account is archived. Restore it before invoicing it."))
    invoice = await create_numbered(Invoice, NUMBER_PREFIX, account=account, job=job, currency=g.tenant.currency)
    if job is not None:
        charges = await JobCharge.filter(job_id=job.id).order_by("position", "id")
        lines = [
            InvoiceLine(
                invoice=invoice, description=c.description, quantity_milli=c.quantity_milli,
                unit_price_minor=c.unit_price_minor, amount_minor=c.amount_minor, position=i,
            )
            for i, c in enumerate(charges)
        ]
        if lines:
            await InvoiceLine.bulk_create(lines)
        await recompute_totals(invoice)
    await record(
        "invoice.created", actor_type="staff", actor=actor(), target=invoice.public_id,
        number=invoice.number, account=account.public_id, job=job.public_id if job else None,
    )
    return to_invoice(invoice, "created")


async def detail_page(invoice: Invoice, values: dict[str, str] | None = None, errors: dict[str, str] | None = None, status: int = 200):
    lines = list(await InvoiceLine.filter(invoice_id=invoice.id))
    payments = list(await Payment.filter(invoice_id=invoice.id).order_by("received_at", "id"))
    tenant = g.tenant
    today = tenant_today(tenant)
    defaults = {
        "quantity": "1",
        "memo": invoice.memo,
        "tax": amount_input(invoice.tax_minor, invoice.currency),
        "terms_days": str(DEFAULT_TERMS_DAYS),
        "amount": amount_input(invoice.balance_minor, invoice.currency),
        "method": "cash",
        "received_on": today.isoformat(),
    }
    body = await render_console(
        "console/invoices/detail.html",
        invoice=invoice,
        account=invoice.account,
        job=invoice.job,
        lines=lines,
        payments=payments,
        status=invoice.display_status(today),
        status_labels=STATUS_LABELS,
        methods=[(m, METHOD_LABELS[m]) for m in STAFF_METHODS],
        method_labels=METHOD_LABELS,
        payment_status_labels=PAYMENT_STATUS_LABELS,
        view_names=VIEW_NAMES,
        recipients=await account_addresses(invoice.account_id, billing_only=True),
        values={**defaults, "payment_key": secrets.token_urlsafe(16), **(values or {})},
        errors=errors or {},
        notice=notice(NOTICES),
        actions=await console_buttons("invoice", invoice),
    )
    return body, status


@blueprint.get("/<invoice_id>")
@staff_required("back_office")
async def detail(invoice_id: str):
    return await detail_page(await invoice_or_404(invoice_id))


async def _not_a_draft():
    return await render_error(409, "not_draft", _("Only a draft invoice can be changed; this one has been issued."))


LINES = PricedLines(InvoiceLine, parent="invoice", audit="invoice.line", totals=recompute_totals)


@blueprint.post("/<invoice_id>/lines")
@staff_required("back_office")
async def add_line(invoice_id: str):
    invoice = await invoice_or_404(invoice_id)
    if invoice.status != "draft":
        return await _not_a_draft()
    return await LINES.add(
        invoice, back=_detail_url(invoice), audit={"invoice": invoice.public_id},
        invalid=lambda values, errors: detail_page(invoice, values, errors, 400),
    )


@blueprint.route("/<invoice_id>/lines/<line_id>", methods=["GET", "POST"])
@staff_required("back_office")
async def edit_line(invoice_id: str, line_id: str):
    invoice = await invoice_or_404(invoice_id)
    if invoice.status != "draft":
        return await _not_a_draft()
    line = await LINES.line_or_404(invoice, line_id)
    return await LINES.edit(
        invoice, line, currency=invoice.currency, title=_("Line of invoice %(number)s", number=invoice.number),
        back=_detail_url(invoice), back_label=_("Invoice %(number)s · %(customer)s", number=invoice.number, customer=invoice.account.name),
        audit={"invoice": invoice.public_id},
    )


@blueprint.post("/<invoice_id>/lines/<line_id>/delete")
@staff_required("back_office")
async def delete_line(invoice_id: str, line_id: str):
    invoice = await invoice_or_404(invoice_id)
    if invoice.status != "draft":
        return await _not_a_draft()
    line = await LINES.line_or_404(invoice, line_id)
    return await LINES.remove(invoice, line, back=_detail_url(invoice), audit={"invoice": invoice.public_id})


@blueprint.post("/<invoice_id>/details")
@staff_required("back_office")
async def save_details(invoice_id: str):
    """The memo customers read and the tax amount of a draft."""
    invoice = await invoice_or_404(invoice_id)
    if invoice.status != "draft":
        return await _not_a_draft()
    reader = FormReader(await request.form, g.tenant)
    memo = reader.text("memo", _("The memo"), max_length=2000, multiline=True)
    tax = reader.amount("tax", currency=invoice.currency) if reader.raw("tax").strip() else 0
    if reader.errors:
        return await detail_page(invoice, reader.values, reader.errors, 400)
    invoice.memo, invoice.tax_minor = memo, tax
    await invoice.save(update_fields=["memo", "tax_minor"])
    await recompute_totals(invoice)
    await record("invoice.updated", actor_type="staff", actor=actor(), target=invoice.public_id, tax_minor=tax)
    return to_invoice(invoice, "details_saved")


@blueprint.post("/<invoice_id>/delete")
@staff_required("back_office")
async def delete(invoice_id: str):
    """Throw a draft away; issued invoices are voided instead, never deleted."""
    invoice = await invoice_or_404(invoice_id)
    if invoice.status != "draft":
        return await _not_a_draft()
    deleted = await Invoice.filter(id=invoice.id, status="draft").delete()
    if deleted:
        await record("invoice.deleted", actor_type="staff", actor=actor(), target=invoice.public_id, number=invoice.number)
    return redirect(url_for("console.invoices.index", account=invoice.account.public_id))


# -- issue --------------------------------------------------------------------


@blueprint.post("/<invoice_id>/issue")
@staff_required("back_office")
async def issue(invoice_id: str):
    invoice = await invoice_or_404(invoice_id)
    if invoice.status != "draft":
        return to_invoice(invoice, "already_issued")
    reader = FormReader(await request.form, g.tenant)
    terms = reader.whole_number("terms_days", _("Payment terms"), *TERMS_DAYS)
    if reader.errors:
        return await detail_page(invoice, reader.values, reader.errors, 400)
    try:
        issued = await issue_invoice(invoice, terms, actor=f"staff:{actor()}", link_creator=actor())
    except InvoiceRefused as exc:
        field = "terms_days" if exc.code == "account_archived" else "issue"
        return await detail_page(invoice, reader.values, {field: exc.message}, 400)
    if issued is None:
        return to_invoice(invoice, "already_issued")
    invoice, sent = issued
    await record(
        "invoice.issued", actor_type="staff", actor=actor(), target=invoice.public_id,
        number=invoice.number, total_minor=invoice.total_minor, due_on=invoice.due_on.isoformat(), emailed=sent,
    )
    return to_invoice(invoice, "issued")


# -- void -----------------------------------------------------------------------


@blueprint.post("/<invoice_id>/void")
@staff_required(MONEY)
async def void(invoice_id: str):
    """An open invoice without payments becomes void, with a reason (audited)."""
    invoice = await invoice_or_404(invoice_id)
    reader = FormReader(await request.form, g.tenant)
    reason = reader.text("reason", _("The reason"), max_length=500, required=True)
    refusal = void_refusal(invoice)
    if refusal is not None:
        reader.fail("reason", refusal.message)
    if reader.errors:
        return await detail_page(invoice, reader.values, reader.errors, 400)
    try:
        await void_invoice(invoice, reason, actor=f"staff:{actor()}")
    except InvoiceRefused as exc:
        return await detail_page(invoice, reader.values, {"reason": exc.message}, 409)
    await record("invoice.voided", actor_type="staff", actor=actor(), target=invoice.public_id, number=invoice.number, reason=reason)
    return to_invoice(invoice, "voided")


@blueprint.get("/<invoice_id>/pdf")
@staff_required("back_office")
async def pdf(invoice_id: str):
    """The PDF the customer gets, for an issued invoice."""
    invoice = await invoice_or_404(invoice_id)
    document = await portal_invoices.load_document(invoice.account, invoice.public_id, g.tenant)
    if document is None:
        return await render_error(404, "not_issued", _("A draft has no PDF yet: issue it first."))
    data = await render_pdf(current_services(), g.tenant, "pdf/invoice.html", {"doc": document, "job_url": None})
    return pdf_response(data, portal_invoices.invoice_pdf_name(invoice))
