"""Issuing and voiding invoices: the one way, for the console and the API alike.

* :func:`issue_invoice` turns a draft into an open invoice (``issued_on``
  today where the business is, ``due_on`` after the payment terms) with one
  conditional UPDATE, so a double click or a retried API call issues once
  and emails once; then every "send invoices" address of the account gets
  the email with a private deep link and the PDF, and plugins hear
  ``invoice.issued`` (the payments plugin charges AutoPay on it).
* :func:`void_invoice` voids an open invoice without payments and tells
  plugins ``invoice.voided`` with the reason.

Both bump ``updated_at`` (``QuerySet.update`` skips ``auto_now``), so an
integration listing ``?updated_since=`` sees the change. Neither writes the
audit log: the caller knows who acted (staff or an API client) and says so.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any

from tortoise.transactions import in_transaction

from core import plugin_state
from core.auth.links import deep_link
from core.contacts import account_addresses
from core.i18n import SOURCE_LANGUAGE, business_language, language, lazy_gettext
from core.mail import Attachment as MailAttachment
from core.mail import MailError, send_email
from core.models.billing import Invoice, InvoiceLine
from core.pdf import PDF_TYPE, render_pdf
from core.portal import invoices as portal_invoices
from core.services import current_services
from core.web.rendering import tenant_today
from tenants.context import current_tenant

log = logging.getLogger("porchside.invoicing")

DEFAULT_TERMS_DAYS = 30
TERMS_DAYS = (0, 365)


class InvoiceRefused(Exception):
    """The invoice cannot be issued or voided as it is; ``code`` for programs, the message for people.

    Codes: ``account_archived``, ``no_lines``, ``zero_total`` (issue);
    ``not_open``, ``is_draft``, ``has_payments``, ``changed`` (void).
    """

    def __init__(self, code: str, message: Any) -> None:
        # ``message`` is a lazy_gettext text: ``message`` reads it in the
        # reader's language, ``english`` for the integration API and logs.
        with language(SOURCE_LANGUAGE):
            english = str(message)
        super().__init__(english)
        self.code = code
        self.english = english
        self._message = message

    @property
    def message(self) -> str:
        """Why, for people, in the reader's language."""
        return str(self._message)


async def _open_draft(invoice: Invoice, terms_days: int) -> bool:
    """Draft -> open with fresh totals and dates, in one transaction; False if it was no longer a draft."""
    today = tenant_today(current_tenant())
    async with in_transaction():
        amounts = await InvoiceLine.filter(invoice_id=invoice.id).values_list("amount_minor", flat=True)
        if not amounts:
            raise InvoiceRefused("no_lines", lazy_gettext("Add at least one line before issuing the invoice."))
        subtotal = sum(amounts)
        total = subtotal + invoice.tax_minor
        if total <= 0:
            raise InvoiceRefused("zero_total", lazy_gettext("The total must be more than zero to issue the invoice."))
        updated = await Invoice.filter(id=invoice.id, status="draft").update(
            status="open", issued_on=today, due_on=today + timedelta(days=terms_days),
            subtotal_minor=subtotal, total_minor=total, updated_at=datetime.now(timezone.utc),
        )
    return bool(updated)


async def issue_invoice(invoice: Invoice, terms_days: int, *, actor: str, link_creator: str) -> tuple[Invoice, int] | None:
    """Issue a draft, email it and announce ``invoice.issued``.

    :param actor: who acted, for plugins (``staff:<email>``, ``api:<client>``).
    :param link_creator: recorded on the deep links the emails carry.
    :return: the fresh invoice and how many emails were queued; None if it
        was not a draft any more (issued by someone else: nothing was sent).
    :raises InvoiceRefused: archived account, no lines, total not positive.
    """
    account = await invoice.account
    if account.archived:
        raise InvoiceRefused("account_archived", lazy_gettext("This account is archived. Restore it before issuing its invoice."))
    if not await _open_draft(invoice, terms_days):
        return None
    fresh = await Invoice.get(id=invoice.id).select_related("account", "job")
    sent = await email_invoice(fresh, link_creator)
    await plugin_state.announce(
        "invoice.issued", fresh.public_id, actor,
        number=fresh.number, account=fresh.account.public_id, total_minor=fresh.total_minor, currency=fresh.currency,
    )
    return fresh, sent


async def _pdf_attachment(invoice: Invoice) -> MailAttachment | None:
    """The invoice's PDF, stored for the email; None (logged) if it cannot be made."""
    services = current_services()
    tenant = current_tenant()
    try:
        # One PDF for every recipient: in the business's language, not the issuer's.
        with language(business_language(tenant)):
            document = await portal_invoices.load_document(invoice.account, invoice.public_id, tenant)
            if document is None:
                return None
            data = await render_pdf(services, tenant, "pdf/invoice.html", {"doc": document, "job_url": None})
    except Exception:
        log.exception("the PDF of invoice %s could not be made; emailing it without", invoice.public_id)
        return None
    filename = portal_invoices.invoice_pdf_name(invoice)
    return MailAttachment(filename=filename, content_type=PDF_TYPE, storage_key=await services.storage.save(data, filename))


async def email_invoice(invoice: Invoice, link_creator: str) -> int:
    """Email the issued invoice (``account`` and ``job`` loaded) to its recipients; how many emails were queued."""
    services = current_services()
    recipients = await account_addresses(invoice.account_id, billing_only=True)
    if not recipients:
        return 0
    pdf = await _pdf_attachment(invoice)
    sent = 0
    for email, first_name in recipients:
        url = await deep_link(services, email, invoice.account, f"/invoices/{invoice.public_id}", created_by=link_creator)
        try:
            await send_email(
                services,
                to=email,
                template="console/invoice_issued",
                kind="invoice.issued",
                context={"invoice": invoice, "account": invoice.account, "job": invoice.job, "first_name": first_name, "url": url},
                attachments=[pdf] if pdf else None,
            )
        except MailError:
            log.warning("invoice %s was not emailed to %s", invoice.public_id, email, exc_info=True)
            continue
        sent += 1
    return sent


def void_refusal(invoice: Invoice) -> InvoiceRefused | None:
    """Why ``invoice`` cannot be voided as it was read, or None."""
    if invoice.status == "draft":
        return InvoiceRefused("is_draft", lazy_gettext("A draft is deleted, not voided."))
    if invoice.status != "open":
        return InvoiceRefused("not_open", lazy_gettext("Only an open invoice can be voided."))
    if invoice.paid_minor:
        return InvoiceRefused("has_payments", lazy_gettext("This invoice has payments recorded against it, so it cannot be voided."))
    return None


async def void_invoice(invoice: Invoice, reason: str, *, actor: str) -> Invoice:
    """Void an open invoice without payments and announce ``invoice.voided``; the fresh invoice.

    :raises InvoiceRefused: see :func:`void_refusal`; ``changed`` if it was
        paid or voided between the read and the write.
    """
    refusal = void_refusal(invoice)
    if refusal is not None:
        raise refusal
    now = datetime.now(timezone.utc)
    if not await Invoice.filter(id=invoice.id, status="open", paid_minor=0).update(status="void", voided_at=now, updated_at=now):
        raise InvoiceRefused("changed", lazy_gettext("The invoice changed meanwhile; reload the page."))
    await plugin_state.announce("invoice.voided", invoice.public_id, actor, number=invoice.number, reason=reason)
    return await Invoice.get(id=invoice.id)
