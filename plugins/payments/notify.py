"""Who hears about card payments (P5, P7, P8), through the event hook.

:mod:`plugins.payments.settle` announces each change of a payment attempt
once (``payment.succeeded``, ``payment.failed``, ``payment.requires_action``),
the webhook and the console announce ``payment.refunded`` and
``payment.disputed``, and core announces ``invoice.issued``. This plugin's
own implementation of ``porchside_event`` (so it runs only where the plugin
is enabled) then:

==========================  ==================================================
``payment.succeeded``       staff notified (kind ``payment.received``); one
                            receipt per paid invoice to the billing contacts,
                            with the invoice's PDF (a background job)
``payment.failed``          staff notified (``payment.failed``); for AutoPay,
                            the customer gets a link to pay with another card
``payment.requires_action`` AutoPay only: staff notified, the customer gets a
                            link to confirm the payment (a customer paying in
                            the portal is authenticating right there)
``payment.refunded``        staff notified (``payment.refunded``)
``payment.disputed``        staff notified (``payment.disputed``)
``invoice.issued``          with "charge on issue", the AutoPay job runs now
                            for this tenant instead of at its next slot
==========================  ==================================================

Emails to customers go through the queue with the attempt (or attempt
line) as the job key, so an event delivered twice sends nothing twice.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from core.i18n import business_language, gettext as _, language, lazy_pgettext
from core.models.billing import Payment
from core.notifications import notify_staff
from core.records import Event, Task
from core.services import current_services
from core.web.rendering import format_money
from plugins.payments.models import AUTOPAY, AttemptInvoice, Dispute, PaymentAttempt
from tenants.models import Tenant

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger("porchside.plugins.payments")

SUCCEEDED = "payment.succeeded"
FAILED = "payment.failed"
REQUIRES_ACTION = "payment.requires_action"
REFUNDED = "payment.refunded"
DISPUTED = "payment.disputed"
INVOICE_ISSUED = "invoice.issued"

RECEIPT_TASK = "payments.receipt"
AUTOPAY_EMAIL_TASK = "payments.autopay_email"
PAID_RESULT = "paid"
# An invoice's line in a payment notification: "Invoice 1042: $80.00 paid".
RESULT_WORDS = {
    "paid": lazy_pgettext("payment result, lowercase", "paid"),
    "failed": lazy_pgettext("payment result, lowercase", "not paid"),
    "not_applied": lazy_pgettext("payment result, lowercase", "not applied"),
}

def attempt_console_path(attempt: PaymentAttempt) -> str:
    return f"/console/card-payments/attempts/{attempt.public_id}"


def payment_console_path(payment: Payment) -> str:
    return f"/console/card-payments/payments/{payment.public_id}"


async def _attempt_of(event: Event) -> PaymentAttempt | None:
    public_id = event.data.get("attempt") or event.subject
    if not isinstance(public_id, str) or not public_id:
        return None
    return await PaymentAttempt.get_or_none(public_id=public_id).select_related("account")


async def _payment_of(event: Event) -> Payment | None:
    """The card payment an event is about: ``data["payment"]``, the first of ``data["payments"]``, or the subject."""
    listed = event.data.get("payments") if isinstance(event.data.get("payments"), list) else []
    for public_id in (event.data.get("payment"), *listed, event.subject):
        if isinstance(public_id, str) and public_id.startswith("pay_"):
            payment = await Payment.get_or_none(public_id=public_id).select_related("account", "invoice")
            if payment is not None:
                return payment
    return None


def _numbers(lines: list[AttemptInvoice]) -> str:
    return ", ".join(line.invoice.number for line in lines)


def staff_language(tenant: Tenant) -> str:
    """The language of payment notifications: every staff member reads the same row, in the business's language."""
    return business_language(tenant)


def _card(attempt: PaymentAttempt) -> str:
    if not attempt.card_last4:
        return _("a card")
    return _("%(brand)s ending %(last4)s", brand=(attempt.card_brand or _("card")).title(), last4=attempt.card_last4)


async def _succeeded(tenant: Tenant, attempt: PaymentAttempt, services: "Services") -> None:
    lines = list(await AttemptInvoice.filter(attempt_id=attempt.id).select_related("invoice", "payment").order_by("id"))
    paid = [line for line in lines if line.payment_id is not None]
    amount = format_money(sum(line.payment.amount_minor for line in paid) if paid else attempt.amount_minor, attempt.currency, tenant)
    numbers = _numbers(paid or lines)
    with language(staff_language(tenant)):
        if attempt.kind == AUTOPAY:
            title = _("AutoPay charged %(customer)s %(amount)s (%(invoices)s)", customer=attempt.account.name, amount=amount, invoices=numbers)
            first = _("AutoPay charge %(id)s with %(card)s.", id=attempt.public_id, card=_card(attempt))
        else:
            title = _("%(customer)s paid %(amount)s by card (%(invoices)s)", customer=attempt.account.name, amount=amount, invoices=numbers)
            first = _("Card payment %(id)s with %(card)s.", id=attempt.public_id, card=_card(attempt))
        body = [first]
        for line in lines:
            result = str(RESULT_WORDS.get(line.result or PAID_RESULT, line.result))
            body.append(
                _("Invoice %(number)s: %(amount)s %(result)s", number=line.invoice.number, amount=format_money(line.amount_minor, attempt.currency, tenant), result=result)
            )
        not_applied = [line for line in lines if line.result == "not_applied"]
        if not_applied:
            body.append(_("Not applied (settled another way meanwhile, refund or credit it): %(invoices)s", invoices=_numbers(not_applied)))
    await notify_staff(services, kind="payment.received", title=title, body="\n".join(body), link=attempt_console_path(attempt))
    for line in paid:
        await services.queue.enqueue(RECEIPT_TASK, tenant=tenant, key=line.public_id, line=line.public_id)


async def _failed(tenant: Tenant, attempt: PaymentAttempt, services: "Services", needs_action: bool) -> None:
    if needs_action and attempt.kind != AUTOPAY:
        return  # the customer is on the payment page, authenticating
    lines = list(await AttemptInvoice.filter(attempt_id=attempt.id).select_related("invoice").order_by("id"))
    amount = format_money(attempt.amount_minor, attempt.currency, tenant)
    autopay = attempt.kind == AUTOPAY
    words = {"amount": amount, "customer": attempt.account.name, "invoices": _numbers(lines)}
    with language(staff_language(tenant)):
        if needs_action:
            if autopay:
                title = _("AutoPay charge of %(amount)s for %(customer)s needs the customer to authenticate (%(invoices)s)", **words)
            else:
                title = _("Card payment of %(amount)s for %(customer)s needs the customer to authenticate (%(invoices)s)", **words)
            body = [_("The bank asked the customer to confirm the payment; they were emailed a link to do so.")]
        else:
            if autopay:
                title = _("AutoPay charge of %(amount)s for %(customer)s failed (%(invoices)s)", **words)
            else:
                title = _("Card payment of %(amount)s for %(customer)s failed (%(invoices)s)", **words)
            # Stripe's own words (English) for staff, as stored on the attempt.
            reason = attempt.failure_message or attempt.failure_code or _("declined")
            body = [_("%(card)s: %(reason)s", card=_card(attempt), reason=reason)]
            body[0] = body[0][:1].upper() + body[0][1:]
            if autopay:
                body.append(_("The customer was emailed a link to pay with another card; AutoPay tries again as the retry plan says."))
    await notify_staff(services, kind="payment.failed", title=title, body="\n".join(body), link=attempt_console_path(attempt))
    if attempt.kind == AUTOPAY:
        await services.queue.enqueue(AUTOPAY_EMAIL_TASK, tenant=tenant, key=f"{attempt.public_id}:{attempt.status}", attempt=attempt.public_id)


async def _refunded(tenant: Tenant, event: Event, payment: Payment, services: "Services") -> None:
    amount = event.data.get("amount_minor")
    refunded = format_money(amount if isinstance(amount, int) else payment.refunded_minor, payment.currency, tenant)
    with language(staff_language(tenant)):
        number = payment.invoice.number if payment.invoice else _("no invoice")
        who = event.actor.split(":", 1)[1] if event.actor.startswith("staff:") else "Stripe"
        title = _("%(amount)s refunded to %(customer)s (%(invoice)s)", amount=refunded, customer=payment.account.name, invoice=number)
        body = _(
            "Card payment of %(amount)s; %(refunded)s refunded in all. Refunded by %(who)s.",
            amount=format_money(payment.amount_minor, payment.currency, tenant),
            refunded=format_money(payment.refunded_minor, payment.currency, tenant),
            who=who,
        )
    await notify_staff(services, kind="payment.refunded", title=title, body=body, link=payment_console_path(payment))


async def _disputed(tenant: Tenant, event: Event, dispute: Dispute | None, payment: Payment | None, services: "Services") -> None:
    amount = event.data.get("amount_minor")
    currency = dispute.currency if dispute else payment.currency
    if not isinstance(amount, int):
        amount = dispute.amount_minor if dispute else payment.amount_minor
    reason = str(event.data.get("reason") or (dispute.reason if dispute else "")).replace("_", " ")
    with language(staff_language(tenant)):
        who = payment.account.name if payment else _("A customer")
        number = payment.invoice.number if payment and payment.invoice else _("no invoice")
        title = _("%(customer)s disputed a card payment of %(amount)s (%(invoice)s)", customer=who, amount=format_money(amount, currency, tenant), invoice=number)
        body = _("Reason given by the bank: %(reason)s. Answer the dispute in your Stripe dashboard.", reason=reason or _("not given"))
    await notify_staff(
        services,
        kind="payment.disputed",
        title=title,
        body=body,
        link=payment_console_path(payment) if payment else "/console/card-payments/disputes",
    )


async def handle_event(tenant: Tenant, event: Event) -> str | None:
    """React to the payment events above; None for events this plugin does not handle."""
    services = current_services()
    if event.name == INVOICE_ISSUED:
        from plugins.payments.autopay import charge_on_issue

        return "payments" if await charge_on_issue(tenant, event.subject, services) else None
    if event.name in (SUCCEEDED, FAILED, REQUIRES_ACTION):
        attempt = await _attempt_of(event)
        if attempt is None:
            return None
        if event.name == SUCCEEDED:
            await _succeeded(tenant, attempt, services)
        else:
            await _failed(tenant, attempt, services, needs_action=event.name == REQUIRES_ACTION)
        return "payments"
    if event.name == REFUNDED:
        payment = await _payment_of(event)
        if payment is None:
            return None
        await _refunded(tenant, event, payment, services)
        return "payments"
    if event.name == DISPUTED:
        dispute = await Dispute.get_or_none(public_id=event.subject) if event.subject.startswith("dsp_") else None
        payment = await _payment_of(event)
        if dispute is None and payment is None:
            return None
        await _disputed(tenant, event, dispute, payment, services)
        return "payments"
    return None


# -- the jobs that email customers --------------------------------------------


async def receipt_task(services: "Services", line: str) -> int:
    from plugins.payments.receipts import send_receipt

    return await send_receipt(line, services)


async def autopay_email_task(services: "Services", attempt: str) -> int:
    from plugins.payments.receipts import send_autopay_problem

    return await send_autopay_problem(attempt, services)


TASKS = [
    Task(name=RECEIPT_TASK, func=receipt_task, retries=3),
    Task(name=AUTOPAY_EMAIL_TASK, func=autopay_email_task, retries=3),
]
