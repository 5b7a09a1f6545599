"""The quotes plugin's API resource, declared through ``porchside_api_resources`` like any plugin's.

``quotes`` is read only: each quote with every revision (its lines, status,
totals and the customer's decision). Staff write quotes in the console.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from core.api.lines import LineOut, line_out
from core.api.references import public_ids
from core.api.resources import ApiModel, ApiResource, Filter
from core.models.customers import CustomerAccount
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


QUOTES = ApiResource(
    name="quotes",
    object="quote",
    model=Quote,
    schema=QuoteOut,
    serialize=serialize,
    prepare=prepare,
    filters=(
        Filter("customer", "account__public_id", description="Quotes of this customer account."),
        Filter("job", "job__public_id", description="Quotes of this job."),
        Filter("status", "status", description="draft, sent, viewed, approved, rejected, changes_requested, expired."),
    ),
    description="Quotes with their revisions and the customer's decisions (read only; the quotes plugin).",
    order=200,
)
