"""Emails to customers about quotes: a quote was sent, a decision was received.

Every email carries a private deep link (:func:`core.auth.links.deep_link`)
that signs the recipient into the account and opens the quote (A3). A sent
quote also carries its PDF. An address the mail system refuses is logged
and skipped; the others still get theirs.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from core.auth.links import deep_link
from core.i18n import business_language, language
from core.mail import Attachment as MailAttachment
from core.mail import MailError, send_email
from core.models.customers import ContactEmail, CustomerAccount
from core.pdf import PDF_TYPE, render_pdf
from core.web.rendering import tenant_today
from plugins.quotes.documents import load_document, pdf_name
from plugins.quotes.models import Quote, QuoteRevision
from tenants.context import current_tenant

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger("porchside.plugins.quotes")


def quote_path(quote: Quote) -> str:
    """The quote's page in the portal (what deep links open)."""
    return f"/quotes/{quote.public_id}"


async def quote_recipients(account: CustomerAccount) -> list[tuple[str, str]]:
    """``(email, first name)`` of every address of the account, each once."""
    rows = await ContactEmail.filter(contact__account_id=account.id).select_related("contact").order_by("email", "id")
    seen: dict[str, str] = {}
    for row in rows:
        seen.setdefault(row.email, row.contact.first_name)
    return list(seen.items())


async def quote_pdf(services: "Services", quote: Quote, revision: QuoteRevision) -> bytes:
    """The PDF of one revision (``quote`` with ``account`` and ``job`` loaded)."""
    tenant = current_tenant()
    document = await load_document(quote, revision, tenant_today(tenant), tenant)
    return await render_pdf(services, tenant, "quotes/pdf.html", {"doc": document})


async def _stored_pdf(services: "Services", quote: Quote, revision: QuoteRevision) -> MailAttachment | None:
    try:
        with language(business_language(current_tenant())):  # one PDF for every recipient
            data = await quote_pdf(services, quote, revision)
    except Exception:
        log.exception("the PDF of quote %s could not be made; emailing it without", quote.public_id)
        return None
    filename = pdf_name(quote, revision)
    return MailAttachment(filename=filename, content_type=PDF_TYPE, storage_key=await services.storage.save(data, filename))


async def email_quote(
    services: "Services", quote: Quote, revision: QuoteRevision, recipients: list[tuple[str, str]], sent_by: str
) -> int:
    """Email the sent revision to each ``(email, first name)``; returns how many were queued."""
    if not recipients:
        return 0
    pdf = await _stored_pdf(services, quote, revision)
    queued = 0
    for email, first_name in recipients:
        url = await deep_link(services, email, quote.account, quote_path(quote), created_by=sent_by)
        try:
            await send_email(
                services,
                to=email,
                template="quotes/sent",
                kind="quote.sent",
                context={"quote": quote, "revision": revision, "account": quote.account, "first_name": first_name, "url": url},
                attachments=[pdf] if pdf else None,
            )
        except MailError:
            log.warning("quote %s was not emailed to %s", quote.public_id, email, exc_info=True)
            continue
        queued += 1
    return queued


async def email_confirmation(services: "Services", quote: Quote, revision: QuoteRevision, email: str, kind: str, message: str) -> bool:
    """Confirm to the customer what they decided or asked (kind: a decision or ``question``)."""
    url = await deep_link(services, email, quote.account, quote_path(quote))
    try:
        await send_email(
            services,
            to=email,
            template="quotes/confirmation",
            kind=f"quote.{kind}",
            context={"quote": quote, "revision": revision, "account": quote.account, "kind": kind, "message": message, "url": url},
        )
    except MailError:
        log.warning("the confirmation of quote %s was not emailed to %s", quote.public_id, email, exc_info=True)
        return False
    return True
