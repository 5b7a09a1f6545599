"""Card payment receipts and the customer's AutoPay emails (P7).

* :func:`send_receipt`: one email per invoice a card payment settled, to
  every address of the account with "Send invoices" on (the same people who
  get the invoice: :func:`core.contacts.account_addresses`), with
  the paid invoice's PDF attached (core's invoice PDF, which lists the card
  payment and the balance left) and a deep link to the invoice.
* :func:`send_autopay_problem`: an AutoPay charge was declined or the bank
  wants the customer to authenticate it: the same people get a deep link
  that opens the invoice's "Pay with card" page (declined), or the
  payment's own page where the charge is confirmed (authentication).

Both run in a background job (:mod:`plugins.payments.notify` queues them
with the attempt line's id as the job key), so a payment page never waits
on WeasyPrint or SMTP and a repeated event sends nothing twice. An address
the mail system refuses is logged and skipped; the others still get theirs.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from babel.support import LazyProxy

from core.auth.links import deep_link
from core.contacts import account_addresses
from core.i18n import business_language, language
from core.mail import Attachment as MailAttachment
from core.mail import MailError, send_email
from core.pdf import PDF_TYPE, render_pdf
from core.portal import invoices as portal_invoices
from plugins.payments.declines import decline_reason
from plugins.payments.models import REQUIRES_ACTION, AttemptInvoice, PaymentAttempt
from tenants.context import current_tenant

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger("porchside.plugins.payments")

RECEIPT_KIND = "payments.receipt"
AUTOPAY_PROBLEM_KIND = "payments.autopay_problem"


def pay_path(invoice_public_id: str) -> str:
    """The portal page where the customer pays (or authenticates) one invoice."""
    return f"/payments/pay?invoice={invoice_public_id}"


def attempt_path(attempt_public_id: str) -> str:
    """The portal page of one payment, where a charge the bank wants confirmed is authenticated."""
    return f"/payments/attempts/{attempt_public_id}"


def invoice_path(invoice_public_id: str) -> str:
    return f"/invoices/{invoice_public_id}"


async def _paid_invoice_pdf(services: "Services", line: AttemptInvoice) -> MailAttachment | None:
    """The invoice's PDF as it stands now (paid, with the card payment listed); None if it cannot be made."""
    tenant = current_tenant()
    invoice = line.invoice
    try:
        with language(business_language(tenant)):  # one PDF for every recipient
            document = await portal_invoices.load_document(invoice.account, invoice.public_id, tenant)
            if document is None:
                return None
            data = await render_pdf(services, tenant, "pdf/invoice.html", {"doc": document, "job_url": None})
    except Exception:
        log.exception("the PDF of invoice %s could not be made; sending the receipt without it", invoice.public_id)
        return None
    filename = portal_invoices.invoice_pdf_name(invoice)
    return MailAttachment(filename=filename, content_type=PDF_TYPE, storage_key=await services.storage.save(data, filename))


async def load_line(line_id: str) -> AttemptInvoice | None:
    """An attempt line with its attempt, invoice, account and payment (current tenant only)."""
    return await AttemptInvoice.get_or_none(public_id=line_id).select_related(
        "attempt", "invoice", "invoice__account", "payment"
    )


async def send_receipt(attempt_invoice: AttemptInvoice | str, services: "Services | None" = None) -> int:
    """Email the receipt of one paid invoice; returns how many emails were queued.

    ``attempt_invoice`` is the line (or its public id) whose core payment
    was recorded; a line without a payment (failed, not applied) sends nothing.
    """
    if services is None:
        from core.services import current_services

        services = current_services()
    line = await load_line(attempt_invoice if isinstance(attempt_invoice, str) else attempt_invoice.public_id)
    if line is None or line.payment is None:
        return 0
    invoice, payment, attempt = line.invoice, line.payment, line.attempt
    recipients = await account_addresses(invoice.account_id, billing_only=True)
    if not recipients:
        return 0
    pdf = await _paid_invoice_pdf(services, line)
    sent = 0
    for email, first_name in recipients:
        url = await deep_link(services, email, invoice.account, invoice_path(invoice.public_id))
        try:
            await send_email(
                services,
                to=email,
                template="payments/receipt",
                kind=RECEIPT_KIND,
                context={
                    "invoice": invoice,
                    "account": invoice.account,
                    "payment": payment,
                    "attempt": attempt,
                    "first_name": first_name,
                    "url": url,
                    "autopay": attempt.kind == "autopay",
                },
                attachments=[pdf] if pdf else None,
            )
        except MailError:
            log.warning("the receipt of invoice %s was not emailed to %s", invoice.public_id, email, exc_info=True)
            continue
        sent += 1
    return sent


async def send_autopay_problem(attempt: PaymentAttempt | str, services: "Services | None" = None) -> int:
    """Tell the customer an AutoPay charge was declined or needs authentication, with a link to pay.

    One email per address with "Send invoices" on, listing the invoices of
    the attempt; the link opens the first one's "Pay with card" page.
    Returns how many emails were queued.
    """
    if services is None:
        from core.services import current_services

        services = current_services()
    if isinstance(attempt, str):
        attempt = await PaymentAttempt.get_or_none(public_id=attempt)
        if attempt is None:
            return 0
    lines = list(await AttemptInvoice.filter(attempt_id=attempt.id).select_related("invoice", "invoice__account"))
    open_lines = [line for line in lines if line.invoice.status == "open" and line.invoice.balance_minor > 0]
    if not open_lines:
        return 0  # paid some other way meanwhile: nothing to ask
    account = open_lines[0].invoice.account
    recipients = await account_addresses(account.id, billing_only=True)
    needs_action = attempt.status == REQUIRES_ACTION
    # Authenticate this very charge on its own page, or pay again with another card.
    target = attempt_path(attempt.public_id) if needs_action else pay_path(open_lines[0].invoice.public_id)
    sent = 0
    for email, first_name in recipients:
        url = await deep_link(services, email, account, target)
        try:
            await send_email(
                services,
                to=email,
                template="payments/autopay_problem",
                kind=AUTOPAY_PROBLEM_KIND,
                context={
                    "attempt": attempt,
                    "account": account,
                    "invoices": [line.invoice for line in open_lines],
                    "needs_action": needs_action,
                    # Why it was declined, in the recipient's language (Stripe's English only in English).
                    "reason": LazyProxy(decline_reason, attempt.failure_code, attempt.failure_message, enable_cache=False),
                    "first_name": first_name,
                    "url": url,
                },
            )
        except MailError:
            log.warning("the AutoPay problem of attempt %s was not emailed to %s", attempt.public_id, email, exc_info=True)
            continue
        sent += 1
    return sent
