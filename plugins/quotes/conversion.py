"""An approved quote becomes work: a job, or a draft invoice (issue 6, console).

Each conversion happens once per quote: the new row is created, then
claimed on the quote with a conditional UPDATE (``job_id IS NULL``,
``invoice_id IS NULL``); a second click that loses the claim deletes what it
made and is told. Lines are copied from the approved revision, so the job's
charges and the invoice's lines are exactly what the customer signed for.
"""

from __future__ import annotations

from datetime import datetime, timezone

from core.console.invoices import NUMBER_PREFIX as INVOICE_PREFIX
from core.console.jobs import NUMBER_PREFIX as JOB_PREFIX
from core.console.numbering import create_numbered
from core.i18n import gettext as _
from core.models.billing import Invoice, InvoiceLine
from core.models.jobs import Job, JobCharge
from plugins.quotes.models import APPROVED, Quote, QuoteLine, QuoteRevision


class ConversionRefused(Exception):
    """The quote cannot be converted; the message says why, for staff."""


def _check_approved(quote: Quote) -> None:
    if quote.status != APPROVED:
        raise ConversionRefused(_("Only an approved quote can be turned into a job or an invoice."))


async def to_job(quote: Quote, revision: QuoteRevision) -> Job:
    """A scheduled job for the quote's account, its charges the approved lines.

    ``quote`` comes with its ``account`` loaded.
    """
    _check_approved(quote)
    if quote.job_id is not None:
        raise ConversionRefused(_("This quote already belongs to a job."))
    account = quote.account
    job = await create_numbered(
        Job, JOB_PREFIX, account=account, title=revision.title, description=revision.notes,
        status="scheduled", service_address=account.billing_address,
    )
    charges = [
        JobCharge(
            job=job, description=line.description, quantity_milli=line.quantity_milli,
            unit_price_minor=line.unit_price_minor, amount_minor=line.amount_minor,
            currency=revision.currency, position=n,
        )
        for n, line in enumerate(await QuoteLine.filter(revision_id=revision.id))
    ]
    if charges:
        await JobCharge.bulk_create(charges)
    if not await Quote.filter(id=quote.id, job_id=None, status=APPROVED).update(job=job, updated_at=datetime.now(timezone.utc)):
        await job.delete()
        raise ConversionRefused(_("This quote was just turned into a job by someone else."))
    quote.job = job
    return job


async def to_invoice(quote: Quote, revision: QuoteRevision) -> Invoice:
    """A draft invoice of the approved lines and tax, for staff to check and issue."""
    _check_approved(quote)
    if quote.invoice_id is not None:
        raise ConversionRefused(_("An invoice was already made from this quote."))
    invoice = await create_numbered(
        Invoice, INVOICE_PREFIX, account_id=quote.account_id, job_id=quote.job_id, currency=revision.currency,
        subtotal_minor=revision.subtotal_minor, tax_minor=revision.tax_minor, total_minor=revision.total_minor,
        memo=_("As quoted in %(number)s (revision %(revision)d).", number=quote.number, revision=revision.number),
    )
    lines = [
        InvoiceLine(
            invoice=invoice, description=line.description, quantity_milli=line.quantity_milli,
            unit_price_minor=line.unit_price_minor, amount_minor=line.amount_minor, position=n,
        )
        for n, line in enumerate(await QuoteLine.filter(revision_id=revision.id))
    ]
    if lines:
        await InvoiceLine.bulk_create(lines)
    if not await Quote.filter(id=quote.id, invoice_id=None, status=APPROVED).update(invoice=invoice, updated_at=datetime.now(timezone.utc)):
        await invoice.delete()
        raise ConversionRefused(_("An invoice was just made from this quote by someone else."))
    quote.invoice = invoice
    return invoice
