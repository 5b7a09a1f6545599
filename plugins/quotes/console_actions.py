"""What staff do to a quote as a whole: send, revise, throw a draft away, convert, download.

Routes of the ``console_quotes`` blueprint (:mod:`plugins.quotes.console`).

* **Send** the draft revision to chosen addresses of the account: each gets
  an email with the PDF and a private deep link into the quote; plugins hear
  ``quote.sent``. One conditional UPDATE, so a double click sends once.
* **Revise** starts a new draft copied from the latest revision; what the
  customer decided on is never edited.
* **Convert** an approved quote into a job or a draft invoice, once each.
"""

from __future__ import annotations

from quart import abort, redirect, request, url_for

from core.audit import record
from core.console.access import staff_required
from core.i18n import gettext as _
from core.pdf import pdf_response
from core.services import current_services
from plugins.quotes.console import actor, blueprint, detail_page, quote_or_404, refused_page, to_quote
from plugins.quotes.conversion import ConversionRefused, to_invoice, to_job
from plugins.quotes.documents import pdf_name
from plugins.quotes.emails import quote_pdf, quote_recipients
from plugins.quotes.models import DRAFT, Quote, QuoteRevision
from plugins.quotes.revisions import RevisionRefused, current_revision, require_draft, start_revision
from plugins.quotes.sending import QUOTE_SENT, send_draft



@blueprint.post("/<quote_id>/send")
@staff_required("back_office")
async def send(quote_id: str):
    quote = await quote_or_404(quote_id)
    try:
        draft = await require_draft(quote)
    except RevisionRefused:
        return to_quote(quote, "already_sent")
    form = await request.form
    addresses = dict(await quote_recipients(quote.account))
    chosen = [email for email in form.getlist("to") if email in addresses]
    if not chosen:
        return await detail_page(quote, errors={"to": _("Choose at least one address to send the quote to.")}, status=400)
    try:
        sent = await send_draft(quote, draft, [(email, addresses[email]) for email in chosen], actor=f"staff:{actor()}", sent_by=actor())
    except RevisionRefused as exc:
        return await refused_page(quote, exc, "send")
    if sent is None:
        return to_quote(quote, "already_sent")
    quote, revision, queued = sent
    await record(
        QUOTE_SENT, actor_type="staff", actor=actor(), target=quote.public_id,
        revision=revision.number, total_minor=revision.total_minor, emailed=queued, to=chosen,
    )
    return to_quote(quote, "sent")


@blueprint.post("/<quote_id>/revise")
@staff_required("back_office")
async def revise(quote_id: str):
    quote = await quote_or_404(quote_id)
    draft = await start_revision(quote)
    await record("quote.revised", actor_type="staff", actor=actor(), target=quote.public_id, revision=draft.number)
    return to_quote(quote, "revised", "draft")


@blueprint.post("/<quote_id>/discard")
@staff_required("back_office")
async def discard(quote_id: str):
    """Throw away the unsent revision; a quote never sent is deleted with it."""
    quote = await quote_or_404(quote_id)
    try:
        draft = await require_draft(quote)
    except RevisionRefused as exc:
        return await refused_page(quote, exc)
    if not quote.was_sent:
        deleted = await Quote.filter(id=quote.id, revision=0).delete()
        if deleted:
            await record("quote.deleted", actor_type="staff", actor=actor(), target=quote.public_id, number=quote.number)
        return redirect(url_for("console_quotes.index"))
    await QuoteRevision.filter(id=draft.id, status=DRAFT).delete()
    await record("quote.draft_discarded", actor_type="staff", actor=actor(), target=quote.public_id, revision=draft.number)
    return to_quote(quote, "discarded")


async def _convert(quote_id: str, make):
    """Turn the quote's approved revision into what ``make(quote, revision)`` creates.

    :return: ``(quote, revision, created)``, or ``(quote, None, page)`` with
        the page that says why it was refused.
    """
    quote = await quote_or_404(quote_id)
    revision = await current_revision(quote)
    try:
        if revision is None:
            raise ConversionRefused(_("Only an approved quote can be turned into a job or an invoice."))
        return quote, revision, await make(quote, revision)
    except ConversionRefused as exc:
        return quote, None, await refused_page(quote, exc, "convert")


@blueprint.post("/<quote_id>/convert/job")
@staff_required("back_office")
async def convert_to_job(quote_id: str):
    quote, revision, job = await _convert(quote_id, to_job)
    if revision is None:
        return job
    await record("quote.converted_to_job", actor_type="staff", actor=actor(), target=quote.public_id, job=job.public_id, revision=revision.number)
    return to_quote(quote, "job_created")


@blueprint.post("/<quote_id>/convert/invoice")
@staff_required("back_office")
async def convert_to_invoice(quote_id: str):
    quote, revision, invoice = await _convert(quote_id, to_invoice)
    if revision is None:
        return invoice
    await record("quote.converted_to_invoice", actor_type="staff", actor=actor(), target=quote.public_id, invoice=invoice.public_id, revision=revision.number)
    return redirect(url_for("console.invoices.detail", invoice_id=invoice.public_id))


@blueprint.get("/<quote_id>/revisions/<int:number>.pdf")
@staff_required("back_office")
async def revision_pdf(quote_id: str, number: int):
    """Any revision as the customer would see it, the draft included (a preview)."""
    quote = await quote_or_404(quote_id)
    revision = await QuoteRevision.get_or_none(quote_id=quote.id, number=number)
    if revision is None:
        abort(404)
    return pdf_response(await quote_pdf(current_services(), quote, revision), pdf_name(quote, revision))
