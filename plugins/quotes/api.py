"""The quotes plugin's API resource, declared through ``porchside_api_resources`` like any plugin's.

``quotes``: each quote with every revision (its lines, status, totals and
the customer's decision). POST makes a quote with its first revision, a
draft; PATCH edits the draft revision (409 ``quote_not_draft`` when there is
none: start one with the ``revise`` action); ``send`` sends the draft as
the console does (:func:`plugins.quotes.sending.send_draft`: the email with
the PDF to the account's addresses, ``quote.sent``). The customer's
decisions are theirs: the API reads them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from core.api.errors import ApiError
from core.api.fields import Email, PublicId, text
from core.api.lines import MAX_LINES, LineIn, LineOut, line_out, sync_lines
from core.api.references import public_ids, referenced
from core.api.resources import ApiContext, ApiModel, ApiResource, Filter, ResourceAction, apply_changes, fields_set
from core.i18n import SOURCE_LANGUAGE, language, lazy_gettext
from plugins.quotes.emails import quote_recipients
from plugins.quotes.revisions import LineInput, RevisionRefused, create_quote, recompute_totals, require_draft, start_revision
from plugins.quotes.sending import send_draft
from core.models.customers import CustomerAccount
from core.money import line_amount
from core.models.billing import Invoice
from core.models.jobs import Job
from plugins.quotes.models import STATUSES, Quote, QuoteLine, QuoteRevision

Status = Literal[STATUSES]  # type: ignore[valid-type]


class RevisionOut(ApiModel):
    number: int
    status: Status
    title: str
    notes: str
    valid_until: date | None
    currency: str
    lines: list[LineOut]
    subtotal_minor: int
    tax_minor: int
    total_minor: int
    sent_at: datetime | None
    viewed_at: datetime | None
    decided_at: datetime | None
    decided_by: str = Field(description="The customer's address that decided, if any.")
    signature_name: str
    decision_message: str


class QuoteOut(ApiModel):
    """A quote and its revisions; the customer sees revisions once sent."""

    id: str = Field(description="Public id, starts with qt_.")
    object: Literal["quote"] = "quote"
    customer: str
    job: str | None
    invoice: str | None = Field(description="The invoice made from it, once approved and invoiced.")
    number: str
    title: str
    status: Status
    revision: int = Field(description="The revision the customer sees (0: never sent).")
    valid_until: date | None
    currency: str
    total_minor: int
    sent_at: datetime | None
    decided_at: datetime | None
    revisions: list[RevisionOut]
    created_at: datetime
    updated_at: datetime


async def prepare(rows: list[Quote]) -> None:
    """Ids, revisions and their lines for a page of quotes: five queries."""
    accounts = await public_ids(CustomerAccount, {r.account_id for r in rows})
    jobs = await public_ids(Job, {r.job_id for r in rows})
    invoices = await public_ids(Invoice, {r.invoice_id for r in rows})
    revisions: dict[int, list[QuoteRevision]] = {r.id: [] for r in rows}
    for revision in await QuoteRevision.filter(quote_id__in=list(revisions)).order_by("number"):
        revisions[revision.quote_id].append(revision)
    lines: dict[int, list[QuoteLine]] = {rev.id: [] for found in revisions.values() for rev in found}
    for line in await QuoteLine.filter(revision_id__in=list(lines)).order_by("position", "id") if lines else []:
        lines[line.revision_id].append(line)
    for row in rows:
        row._api = {  # type: ignore[attr-defined]
            "customer": accounts.get(row.account_id, ""), "job": jobs.get(row.job_id), "invoice": invoices.get(row.invoice_id),
            "revisions": [
                {
                    "number": rev.number, "status": rev.status, "title": rev.title, "notes": rev.notes, "valid_until": rev.valid_until,
                    "currency": rev.currency, "lines": [line_out(line) for line in lines[rev.id]], "subtotal_minor": rev.subtotal_minor,
                    "tax_minor": rev.tax_minor, "total_minor": rev.total_minor, "sent_at": rev.sent_at, "viewed_at": rev.viewed_at,
                    "decided_at": rev.decided_at, "decided_by": rev.decided_by, "signature_name": rev.signature_name,
                    "decision_message": rev.decision_message,
                }
                for rev in revisions[row.id]
            ],
        }


def serialize(row: Quote) -> dict[str, Any]:
    return {
        "id": row.public_id, **row._api, "number": row.number, "title": row.title, "status": row.status,  # type: ignore[attr-defined]
        "revision": row.revision, "valid_until": row.valid_until, "currency": row.currency, "total_minor": row.total_minor,
        "sent_at": row.sent_at, "decided_at": row.decided_at, "created_at": row.created_at, "updated_at": row.updated_at,
    }


class QuoteCreate(ApiModel):
    customer: PublicId
    job: PublicId | None = None
    title: text(200, required=True)  # type: ignore[valid-type]
    notes: text(5000) = ""  # type: ignore[valid-type]
    valid_until: date | None = None
    tax_minor: int = Field(default=0, ge=0, le=10**12)
    lines: list[LineIn] = Field(default_factory=list, max_length=MAX_LINES)


class QuoteUpdate(ApiModel):
    """Changes to the draft revision; lines are replaced when sent."""

    title: text(200, required=True) = None  # type: ignore[valid-type,assignment]
    notes: text(5000) = None  # type: ignore[valid-type,assignment]
    valid_until: date | None = None
    tax_minor: int = Field(default=None, ge=0, le=10**12)  # type: ignore[assignment]
    lines: list[LineIn] = Field(default=None, max_length=MAX_LINES)  # type: ignore[assignment]


class SendBody(ApiModel):
    to: list[Email] | None = Field(default=None, max_length=50, description="Addresses of the account to email; default: every address of the account.")


class NoBody(ApiModel):
    pass


async def create(ctx: ApiContext, data: QuoteCreate) -> Quote:
    account = await referenced(CustomerAccount, data.customer, "customer", "customer")
    job = await referenced(Job, data.job, "job", "job") if data.job else None
    if job is not None and job.account_id != account.id:
        raise ApiError(422, "validation_failed", "The job belongs to another customer.", param="job")
    lines = [LineInput(item.description, item.quantity_milli, item.unit_price_minor, line_amount(item.quantity_milli, item.unit_price_minor)) for item in data.lines]
    quote, revision = await create_quote(account, title=data.title, currency=ctx.tenant.currency, job=job, valid_until=data.valid_until, notes=data.notes, lines=lines)
    if data.tax_minor:
        revision.tax_minor = data.tax_minor
        await revision.save(update_fields=["tax_minor"])
        await recompute_totals(revision)
    return quote


async def update(ctx: ApiContext, row: Quote, data: QuoteUpdate) -> Quote:
    try:
        draft = await require_draft(row)
    except RevisionRefused as exc:
        with language(SOURCE_LANGUAGE):  # the API's messages stay English
            message = str(exc)
        raise ApiError(409, "quote_not_draft", f"{message} (POST /api/v1/quotes/<id>/revise)") from None
    changed = apply_changes(draft, fields_set(data, exclude=("lines",)))
    if changed:
        await draft.save(update_fields=changed)
    if data.lines is not None and "lines" in data.model_fields_set:
        existing = list(await QuoteLine.filter(revision_id=draft.id).order_by("position", "id"))
        if await sync_lines(QuoteLine, existing, data.lines, revision=draft):
            changed.append("lines")
    if changed:
        await recompute_totals(draft)
        await row.save()  # the quote's representation changed: move its updated_at and ETag
    return row


async def send(ctx: ApiContext, row: Quote, data: SendBody) -> Quote:
    """Send the draft revision as the console does; a quote without a draft is returned as it is."""
    try:
        draft = await require_draft(row)
    except RevisionRefused:
        return row
    account = await CustomerAccount.get(id=row.account_id)
    addresses = dict(await quote_recipients(account))
    if data.to is not None:
        unknown = [email for email in data.to if email not in addresses]
        if unknown or not data.to:
            raise ApiError(422, "validation_failed", f"Not an address of this customer that receives quotes: {', '.join(unknown) or 'none given'}.", param="to")
    chosen = data.to if data.to is not None else list(addresses)
    try:
        sent = await send_draft(row, draft, [(email, addresses[email]) for email in chosen], actor=f"api:{ctx.caller.actor}", sent_by=ctx.caller.actor)
    except RevisionRefused as exc:
        with language(SOURCE_LANGUAGE):  # the API's messages stay English
            message = str(exc)
        raise ApiError(409, "quote_refused", message) from None
    return sent[0] if sent else await Quote.get(id=row.id)


async def revise(ctx: ApiContext, row: Quote, data: NoBody) -> Quote:
    """Start a draft revision copied from the latest (the existing draft if there is one)."""
    await start_revision(row)
    await row.save()
    return row


QUOTES = ApiResource(
    name="quotes",
    object="quote",
    model=Quote,
    schema=QuoteOut,
    serialize=serialize,
    prepare=prepare,
    create_schema=QuoteCreate,
    create=create,
    update_schema=QuoteUpdate,
    update=update,
    actions=(
        ResourceAction("send", send, SendBody, "Send the draft revision: email with the PDF and a private link (once)."),
        ResourceAction("revise", revise, NoBody, "Start a new draft revision copied from the latest."),
    ),
    filters=(
        Filter("customer", "account__public_id", description="Quotes of this customer account."),
        Filter("job", "job__public_id", description="Quotes of this job."),
        Filter("status", "status", description="draft, sent, viewed, approved, rejected, changes_requested, expired."),
    ),
    title=lazy_gettext("Quotes"),
    description=lazy_gettext("Quotes with their revisions and the customer's decisions (the quotes plugin): write drafts, send them, revise."),
    order=200,
)
