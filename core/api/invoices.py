"""The ``invoices`` resource: invoices with their lines; ``issue`` and ``void`` as actions.

A draft's customer, job, lines, tax and memo can be written; an issued
invoice is the document the customer got, so a write that would change it
is 409 ``invoice_not_draft`` (the same body sent again by a nightly sync
changes nothing and is accepted). Issuing and voiding go through
:mod:`core.invoicing`, the console's own functions: the same number, dates,
emails with the PDF, and plugin events.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from core.api.errors import ApiError
from core.api.fields import ExternalId, PublicId, text
from core.api.lines import MAX_LINES, LineIn, LineOut, line_out, lines_differ, sync_lines
from core.api.references import public_ids, referenced
from core.api.resources import ApiContext, ApiModel, ApiResource, Filter, ResourceAction, apply_changes, fields_set
from core.console.invoices import NUMBER_PREFIX
from core.console.numbering import create_numbered, number_taken
from core.i18n import lazy_gettext
from core.invoicing import DEFAULT_TERMS_DAYS, TERMS_DAYS, InvoiceRefused, issue_invoice, void_invoice
from core.models.billing import INVOICE_STATUSES, Invoice, InvoiceLine
from core.models.customers import CustomerAccount
from core.models.jobs import Job
from core.web.rendering import tenant_today

Number = text(40, required=True)
Memo = text(5000)
Tax = Field(default=0, ge=0, le=10**12, description="Tax in minor units, added to the lines' subtotal.")


class InvoiceOut(ApiModel):
    """An invoice: a draft while the business edits it, then open, paid or void."""

    id: str = Field(description="Public id, starts with inv_.")
    object: Literal["invoice"] = "invoice"
    customer: str
    job: str | None
    number: str
    status: Literal[INVOICE_STATUSES]  # type: ignore[valid-type]
    overdue: bool = Field(description="Open and past its due date where the business is.")
    issued_on: date | None
    due_on: date | None
    currency: str
    lines: list[LineOut]
    subtotal_minor: int
    tax_minor: int
    total_minor: int
    paid_minor: int
    balance_minor: int
    memo: str
    voided_at: datetime | None
    portal_url: str = Field(description="Where the customer reads it in the portal (once issued).")
    external_id: str | None
    created_at: datetime
    updated_at: datetime | None


class InvoiceCreate(ApiModel):
    customer: PublicId
    job: PublicId | None = None
    number: Number | None = Field(default=None, description="Leave out to continue the business's numbering.")  # type: ignore[valid-type]
    lines: list[LineIn] = Field(default_factory=list, max_length=MAX_LINES, description="Replaces the lines (drafts only).")
    tax_minor: int = Tax
    memo: Memo = ""  # type: ignore[valid-type]
    external_id: ExternalId | None = None


class InvoiceUpdate(ApiModel):
    customer: PublicId = None  # type: ignore[assignment]
    job: PublicId | None = None
    number: Number = None  # type: ignore[valid-type,assignment]
    lines: list[LineIn] = Field(default=None, max_length=MAX_LINES, description="Replaces the lines (drafts only).")  # type: ignore[assignment]
    tax_minor: int = Field(default=None, ge=0, le=10**12)  # type: ignore[assignment]
    memo: Memo = None  # type: ignore[valid-type,assignment]
    external_id: ExternalId | None = None


class IssueBody(ApiModel):
    terms_days: int = Field(default=DEFAULT_TERMS_DAYS, ge=TERMS_DAYS[0], le=TERMS_DAYS[1], description="Days until it is due.")


class VoidBody(ApiModel):
    reason: text(500, required=True)  # type: ignore[valid-type]


async def prepare(rows: list[Invoice]) -> None:
    """Account and job ids and lines of a page: three queries."""
    accounts = await public_ids(CustomerAccount, {r.account_id for r in rows})
    jobs = await public_ids(Job, {r.job_id for r in rows})
    lines: dict[int, list[InvoiceLine]] = {r.id: [] for r in rows}
    for line in await InvoiceLine.filter(invoice_id__in=list(lines)).order_by("position", "id"):
        lines[line.invoice_id].append(line)
    for row in rows:
        row._api_customer = accounts.get(row.account_id, "")  # type: ignore[attr-defined]
        row._api_job = jobs.get(row.job_id)  # type: ignore[attr-defined]
        row._api_lines = [line_out(line) for line in lines[row.id]]  # type: ignore[attr-defined]


def serialize(row: Invoice) -> dict[str, Any]:
    from tenants.context import current_tenant

    return {
        "id": row.public_id, "customer": row._api_customer, "job": row._api_job, "number": row.number,  # type: ignore[attr-defined]
        "status": row.status, "overdue": row.display_status(tenant_today(current_tenant())) == "overdue",
        "issued_on": row.issued_on, "due_on": row.due_on, "currency": row.currency, "lines": row._api_lines,  # type: ignore[attr-defined]
        "subtotal_minor": row.subtotal_minor, "tax_minor": row.tax_minor, "total_minor": row.total_minor,
        "paid_minor": row.paid_minor, "balance_minor": row.balance_minor, "memo": row.memo, "voided_at": row.voided_at,
        "portal_url": f"/invoices/{row.public_id}", "external_id": row.external_id,
        "created_at": row.created_at, "updated_at": row.updated_at,
    }


async def _check_number(number: str | None, exclude_id: int | None = None) -> None:
    if number and await number_taken(Invoice, number, exclude_id=exclude_id):
        raise ApiError(409, "number_taken", f"Another invoice already has the number {number}.", param="number")


async def _account(public_id: str) -> CustomerAccount:
    account = await referenced(CustomerAccount, public_id, "customer", "customer")
    if account.archived:
        raise ApiError(409, "account_archived", "This customer is archived. Restore it before invoicing it.", param="customer")
    return account


async def _job_of(account_id: int, public_id: str | None) -> int | None:
    if public_id is None:
        return None
    job = await referenced(Job, public_id, "job", "job")
    if job.account_id != account_id:
        raise ApiError(422, "validation_failed", "The job belongs to another customer.", param="job")
    return job.id


async def _lines(row: Invoice, wanted: list[LineIn]) -> bool:
    existing = list(await InvoiceLine.filter(invoice_id=row.id).order_by("position", "id"))
    return await sync_lines(InvoiceLine, existing, wanted, invoice=row)


def _totals(row: Invoice, subtotal: int) -> None:
    row.subtotal_minor = subtotal
    row.total_minor = subtotal + row.tax_minor


async def create(ctx: ApiContext, data: InvoiceCreate) -> Invoice:
    account = await _account(data.customer)
    job_id = await _job_of(account.id, data.job)
    await _check_number(data.number)
    values = {"account": account, "job_id": job_id, "currency": ctx.tenant.currency, "tax_minor": data.tax_minor, "memo": data.memo, "external_id": data.external_id}
    row = await (Invoice.create(number=data.number, **values) if data.number else create_numbered(Invoice, NUMBER_PREFIX, **values))
    await _lines(row, data.lines)
    _totals(row, sum(await InvoiceLine.filter(invoice_id=row.id).values_list("amount_minor", flat=True)))
    await row.save(update_fields=["subtotal_minor", "total_minor"])
    return row


async def update(ctx: ApiContext, row: Invoice, data: InvoiceUpdate | InvoiceCreate) -> Invoice:
    sent = data.model_fields_set
    values = fields_set(data, exclude=("customer", "job", "lines"))
    if values.get("number") is None:
        values.pop("number", None)
    account_id = row.account_id
    if "customer" in sent and data.customer is not None:
        account = await referenced(CustomerAccount, data.customer, "customer", "customer")
        account_id = values["account_id"] = account.id
    if "job" in sent:
        values["job_id"] = await _job_of(account_id, data.job)
    existing = list(await InvoiceLine.filter(invoice_id=row.id).order_by("position", "id"))
    lines_change = "lines" in sent and data.lines is not None and lines_differ(existing, data.lines)
    changes = {k: v for k, v in values.items() if getattr(row, k) != v}
    if row.status != "draft" and (lines_change or set(changes) - {"external_id"}):
        field = next(iter(changes), "lines")
        raise ApiError(409, "invoice_not_draft", f"Invoice {row.number} is {row.status}: only a draft can be changed.", param=field)
    await _check_number(values.get("number"), exclude_id=row.id)
    if "account_id" in changes and (await CustomerAccount.get(id=account_id)).archived:
        raise ApiError(409, "account_archived", "This customer is archived. Restore it before invoicing it.", param="customer")
    changed = apply_changes(row, values)
    if lines_change:
        await sync_lines(InvoiceLine, existing, data.lines or [], invoice=row)
        changed.append("lines")
    if changed:
        _totals(row, sum(await InvoiceLine.filter(invoice_id=row.id).values_list("amount_minor", flat=True)))
        await row.save()
    return row


async def delete(ctx: ApiContext, row: Invoice) -> None:
    """Only a draft is deleted; an issued invoice is voided instead."""
    if row.status != "draft":
        raise ApiError(409, "invoice_not_draft", "Only a draft is deleted; void an issued invoice instead.")
    await row.delete()


def _refused(exc: InvoiceRefused, param: str | None = None) -> ApiError:
    return ApiError(409, exc.code, exc.english, param=param)


async def issue(ctx: ApiContext, row: Invoice, data: IssueBody | None) -> Invoice:
    """Issue a draft as the console does; an invoice already issued is returned as it is."""
    if row.status != "draft":
        return row
    try:
        issued = await issue_invoice(row, (data or IssueBody()).terms_days, actor=f"api:{ctx.caller.actor}", link_creator=ctx.caller.actor)
    except InvoiceRefused as exc:
        raise _refused(exc) from None
    return issued[0] if issued else await Invoice.get(id=row.id)


async def void(ctx: ApiContext, row: Invoice, data: VoidBody) -> Invoice:
    if row.status == "void":
        return row
    try:
        return await void_invoice(row, data.reason, actor=f"api:{ctx.caller.actor}")
    except InvoiceRefused as exc:
        raise _refused(exc) from None


RESOURCE = ApiResource(
    name="invoices",
    object="invoice",
    model=Invoice,
    schema=InvoiceOut,
    serialize=serialize,
    prepare=prepare,
    create_schema=InvoiceCreate,
    create=create,
    update_schema=InvoiceUpdate,
    update=update,
    delete=delete,
    filters=(
        Filter("customer", "account__public_id", description="Invoices of this customer account."),
        Filter("job", "job__public_id", description="Invoices of this job."),
        Filter("status", "status", description="draft, open, paid or void."),
        Filter("number", "number", description="The invoice number."),
    ),
    actions=(
        ResourceAction("issue", issue, IssueBody, "Issue a draft: number, dates, email with the PDF to the customer (once)."),
        ResourceAction("void", void, VoidBody, "Void an open invoice without payments, with a reason."),
    ),
    title=lazy_gettext("Invoices"),
    description=lazy_gettext("Invoices with their lines. Write drafts, then issue them; void an open one. Money in minor units of currency."),
    order=70,
)
