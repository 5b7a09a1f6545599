"""Card payments in the staff console: attempts, disputes and refunds (P6, P7).

The blueprint is named ``console_payments`` (so it stays open while a
tenant's portal is switched off) and lives under ``/console/card-payments``;
like core's console areas it loads the signed-in staff member before each
request and needs the ``back_office`` permission (the one that records
payments by hand) to read any page. Refunding needs ``money`` (owner and
admin by default): a technician sees the payment but no refund form, and
a refund they post anyway is refused with 403.

* ``/`` lists every payment attempt, newest first and paginated, with its
  invoices, card, status and failure reason; filters by status, kind
  (portal or AutoPay), account and invoice. The latest disputes show above.
* ``/attempts/<id>`` shows one attempt, invoice by invoice, with the core
  payment each became.
* ``/payments/<id>`` is a card payment: its refunds (from the audit log),
  its disputes, and the refund form.
* ``/disputes`` lists the chargebacks Stripe reported.

A refund (full or partial, at most what is left to refund) goes to Stripe
first, with an idempotency key made from the form's key, and is then
booked with :func:`core.ledger.apply_refund`, audited (``payment.refunded``)
and announced to plugins (``payment.refunded``, which notifies staff). The
form's key is claimed before Stripe is called and the refund carries it in
its metadata, so a double submit refunds once; one refund per payment runs
at a time, so two forms cannot together give back more than was paid.
"""

from __future__ import annotations

import logging
import re
import secrets

import stripe
from quart import abort, g, redirect, request, url_for

from core.audit import record
from core.cache import tenant_key
from core.console.pages import Column, Filter, ListPage, ListState, console_blueprint, iso, staff_required, status_column
from core.console.permissions import BACK_OFFICE, MONEY
from core.console.form_fields import FormReader
from core.console.shell import notice, render_console
from core.i18n import gettext as _, lazy_gettext, lazy_pgettext
from core.ledger import RefundRefused, apply_refund
from core.models.billing import Payment
from core.models.platform import AuditEvent
from core.plugin_state import announce
from core.money import amount_input
from core.portal.pagination import paginate
from core.records import ConsoleLink
from core.services import current_services
from core.web.rendering import format_money
from plugins.payments.models import (
    AUTOPAY,
    CANCELED,
    CREATED,
    FAILED,
    PROCESSING,
    REQUIRES_ACTION,
    REQUIRES_PAYMENT_METHOD,
    SUCCEEDED,
    AttemptInvoice,
    Dispute,
    PaymentAttempt,
)

log = logging.getLogger("porchside.plugins.payments")

blueprint = console_blueprint("console_payments", __name__, url_prefix="/console/card-payments")

STATUS_LABELS = {
    CREATED: lazy_pgettext("payment attempt status", "Started"),
    REQUIRES_PAYMENT_METHOD: lazy_pgettext("payment attempt status", "Waiting for the card"),
    REQUIRES_ACTION: lazy_pgettext("payment attempt status", "Needs authentication"),
    PROCESSING: lazy_pgettext("payment attempt status", "Processing"),
    SUCCEEDED: lazy_pgettext("payment attempt status", "Succeeded"),
    FAILED: lazy_pgettext("payment attempt status", "Failed"),
    CANCELED: lazy_pgettext("payment attempt status", "Canceled"),
}
IN_PROGRESS = "in_progress"
STATUS_FILTERS = {
    SUCCEEDED: (SUCCEEDED,),
    FAILED: (FAILED,),
    REQUIRES_ACTION: (REQUIRES_ACTION,),
    IN_PROGRESS: (CREATED, REQUIRES_PAYMENT_METHOD, PROCESSING),
    CANCELED: (CANCELED,),
}
FILTER_LABELS = {
    SUCCEEDED: lazy_pgettext("payment attempt status", "Succeeded"),
    FAILED: lazy_pgettext("payment attempt status", "Failed"),
    REQUIRES_ACTION: lazy_pgettext("payment attempt status", "Needs authentication"),
    IN_PROGRESS: lazy_pgettext("payment attempt status", "In progress"),
    CANCELED: lazy_pgettext("payment attempt status", "Canceled"),
}
KIND_LABELS = {"card": lazy_pgettext("payment kind", "Portal"), AUTOPAY: "AutoPay"}
RESULT_LABELS = {
    "": "—",
    "paid": lazy_pgettext("payment result", "Paid"),
    "failed": lazy_pgettext("payment result", "Not paid"),
    "not_applied": lazy_pgettext("payment result", "Not applied: settled another way, refund or credit it"),
}
PAYMENT_STATUS_LABELS = {
    "succeeded": lazy_pgettext("payment status", "Succeeded"),
    "partially_refunded": lazy_pgettext("payment status", "Partly refunded"),
    "refunded": lazy_pgettext("payment status", "Refunded"),
    "disputed": lazy_pgettext("payment status", "Disputed"),
    "failed": lazy_pgettext("payment status", "Failed"),
    "pending": lazy_pgettext("payment status", "Pending"),
}
NOTICES = {
    "refunded": lazy_gettext("Refund sent to Stripe and recorded. The customer's bank shows it in 5 to 10 days."),
    "already_refunded": lazy_gettext("This refund was already made; nothing was refunded again."),
}
RECENT_DISPUTES = 5
REFUND_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
REASON_MAX = 200
# How long a refund form's key is remembered (a double submit days later still refunds once).
KEY_TTL = 30 * 24 * 3600
# How long one payment is held while its refund is being made.
LOCK_TTL = 60


# -- lists ------------------------------------------------------------------------


async def _lines_by_attempt(attempts: list[PaymentAttempt]) -> dict[int, list[AttemptInvoice]]:
    lines: dict[int, list[AttemptInvoice]] = {a.id: [] for a in attempts}
    if attempts:
        for line in await AttemptInvoice.filter(attempt_id__in=list(lines)).select_related("invoice").order_by("id"):
            lines[line.attempt_id].append(line)
    return lines


def _by_invoice(query, state: ListState):
    invoice_id = request.args.get("invoice", "")
    return query.filter(invoices__invoice__public_id=invoice_id).distinct() if invoice_id else query


async def _list_context(page, state: ListState) -> dict:
    invoice_id = request.args.get("invoice", "")
    disputes = []
    if not (state.account or invoice_id or state.filtered) and page.number == 1:  # the overview only
        disputes = await Dispute.all().select_related("payment", "payment__account", "payment__invoice").order_by("-created_at", "-id").limit(RECENT_DISPUTES)
    return {"lines": await _lines_by_attempt(page.items), "invoice_id": invoice_id, "disputes": disputes}


ATTEMPTS = ListPage(
    PaymentAttempt, "payments/console/list.html", (lazy_gettext("payment attempt"), lazy_gettext("payment attempts")), title=lazy_gettext("Card payments"),
    columns=(
        Column("started", lazy_gettext("Started"), csv=lambda a: iso(a.created_at)),
        Column("customer", lazy_gettext("Customer"), per_account=False, csv=lambda a: a.account.name),
        Column("invoices", lazy_gettext("Invoices")),
        Column("made", lazy_gettext("Made"), csv=lambda a: KIND_LABELS.get(a.kind, a.kind)),
        Column("card", lazy_gettext("Card"), csv=lambda a: f"{a.card_brand} {a.card_last4}".strip()),
        status_column(STATUS_LABELS, sort=False),
        Column("amount", lazy_gettext("Amount"), numeric=True, csv=lambda a: amount_input(a.amount_minor, a.currency)),
    ),
    filters=(
        Filter("status", lazy_gettext("Status"), [("", lazy_gettext("Any status")), *FILTER_LABELS.items()], apply=lambda q, v: q.filter(status__in=STATUS_FILTERS[v])),
        Filter("kind", lazy_gettext("Made"), [("", lazy_gettext("Portal and AutoPay")), *KIND_LABELS.items()]),
    ),
    order_by=("-created_at", "-id"),
    select_related=("account",),
    by_account=True,
    keep=("invoice",),
    narrow=_by_invoice,
    context=_list_context,
    show_label=lazy_gettext("Show payments"),
    csv_name="card-payments",
)
ATTEMPTS.route(blueprint, BACK_OFFICE, status_labels=STATUS_LABELS, kind_labels=KIND_LABELS)


@blueprint.get("/disputes")
@staff_required(BACK_OFFICE)
async def disputes():
    page = await paginate(Dispute.all().select_related("payment", "payment__account", "payment__invoice").order_by("-created_at", "-id"))
    return await render_console("payments/console/disputes.html", page=page)


@blueprint.get("/attempts/<attempt_id>")
@staff_required(BACK_OFFICE)
async def attempt_detail(attempt_id: str):
    attempt = await PaymentAttempt.get_or_none(public_id=attempt_id).select_related("account")
    if attempt is None:
        abort(404)
    lines = list(await AttemptInvoice.filter(attempt_id=attempt.id).select_related("invoice", "payment").order_by("id"))
    return await render_console(
        "payments/console/attempt.html",
        attempt=attempt,
        lines=lines,
        status_labels=STATUS_LABELS,
        kind_labels=KIND_LABELS,
        result_labels=RESULT_LABELS,
        payment_status_labels=PAYMENT_STATUS_LABELS,
    )


# -- one card payment and its refunds ------------------------------------------------


async def card_payment_or_404(payment_id: str) -> tuple[Payment, AttemptInvoice]:
    """A card payment this plugin booked, with the attempt line it came from; 404 otherwise."""
    payment = await Payment.get_or_none(public_id=payment_id, method="card", source="stripe").select_related("account", "invoice")
    if payment is None:
        abort(404)
    line = await AttemptInvoice.get_or_none(payment_id=payment.id).select_related("attempt")
    if line is None or not line.attempt.stripe_id or line.attempt.stripe_id.startswith("creating:"):
        abort(404)
    return payment, line


def refundable(payment: Payment) -> int:
    return max(payment.amount_minor - payment.refunded_minor, 0)


async def payment_page(payment: Payment, line: AttemptInvoice, values: dict | None = None, errors: dict | None = None, status: int = 200):
    refunds = await AuditEvent.filter(action="payment.refunded", target=payment.public_id).order_by("-created_at", "-id")
    values = dict(values or {})
    values.setdefault("amount", amount_input(refundable(payment), payment.currency))
    values.setdefault("refund_key", secrets.token_urlsafe(16))
    body = await render_console(
        "payments/console/payment.html",
        payment=payment,
        line=line,
        attempt=line.attempt,
        refunds=refunds,
        disputes=await Dispute.filter(payment_id=payment.id).order_by("-created_at", "-id"),
        refundable=refundable(payment),
        values=values,
        errors=errors or {},
        notice=notice(NOTICES),
        status_labels=STATUS_LABELS,
        payment_status_labels=PAYMENT_STATUS_LABELS,
    )
    return body, status


@blueprint.get("/payments/<payment_id>")
@staff_required(BACK_OFFICE)
async def payment_detail(payment_id: str):
    payment, line = await card_payment_or_404(payment_id)
    return await payment_page(payment, line)


def to_payment(payment: Payment, done: str):
    return redirect(url_for("console_payments.payment_detail", payment_id=payment.public_id, done=done))


def _refund_problem(payment: Payment, amount: int | None) -> str | None:
    """Why this refund cannot be made, in words for the form; None when it can."""
    if payment.status == "disputed":
        return _("This payment is disputed: answer the dispute in your Stripe dashboard. It cannot be refunded while the dispute is open.")
    left = refundable(payment)
    if left <= 0:
        return _("This payment was refunded in full already.")
    if amount is not None and amount > left:
        return _("That is more than is left to refund (%(amount)s).", amount=format_money(left, payment.currency, g.tenant))
    return None


async def _already_at_stripe(client, intent_id: str, key: str) -> bool:
    """Whether Stripe holds a refund made with this form's key (the claim in the cache was lost)."""
    refunds = await client.v1.refunds.list_async({"payment_intent": intent_id, "limit": 100})
    return any((refund.to_dict().get("metadata") or {}).get("refund_key") == key for refund in refunds.data)


@blueprint.post("/payments/<payment_id>/refund")
@staff_required(MONEY)
async def refund(payment_id: str):
    from plugins.payments.stripe_api import NotConnected, stripe_client

    payment, line = await card_payment_or_404(payment_id)
    invoice_id = payment.invoice.public_id if payment.invoice else ""
    reader = FormReader(await request.form, g.tenant)
    key = reader.raw("refund_key")
    if not REFUND_KEY.match(key):
        key = secrets.token_urlsafe(16)  # no key sent: no double-submit protection, but still one refund
        reader.values["refund_key"] = key
    services = current_services()
    claim_key = tenant_key("payments", "refund", key)
    if int(await services.cache.get(claim_key) or 0) > 0:
        return to_payment(payment, "already_refunded")
    amount = reader.amount("amount", currency=payment.currency)
    if amount is not None and amount <= 0:
        reader.fail("amount", _("Enter an amount greater than zero."))
    reason = reader.text("reason", _("The reason"), max_length=REASON_MAX)
    problem = _refund_problem(payment, amount)
    if problem and "amount" not in reader.errors:
        reader.fail("amount", problem)
    if reader.errors:
        return await payment_page(payment, line, reader.values, reader.errors, 400)
    # One refund of this payment at a time, and each form's key once.
    lock_key = tenant_key("payments", "refunding", payment.public_id)
    if await services.cache.incr(lock_key, LOCK_TTL) > 1:
        return await payment_page(payment, line, reader.values, {"amount": _("Another refund of this payment is being made. Reload the page in a moment.")}, 409)
    try:
        if await services.cache.incr(claim_key, KEY_TTL) > 1:
            return to_payment(payment, "already_refunded")
        payment = await Payment.get(id=payment.id).select_related("account", "invoice")  # as it is now, under the lock
        problem = _refund_problem(payment, amount)
        if problem:
            await services.cache.delete(claim_key)
            return await payment_page(payment, line, reader.values, {"amount": problem}, 400)
        intent_id = line.attempt.stripe_id
        try:
            client = await stripe_client(services)
            if await _already_at_stripe(client, intent_id, key):
                return to_payment(payment, "already_refunded")
            made = await client.v1.refunds.create_async(
                {
                    "payment_intent": intent_id,
                    "amount": amount,
                    "metadata": {
                        "refund_key": key,
                        "payment": payment.public_id,
                        "invoice": invoice_id,
                        "tenant": g.tenant.slug,
                    },
                },
                {"idempotency_key": f"refund:{payment.public_id}:{key}"},
            )
        except NotConnected:
            await services.cache.delete(claim_key)
            return await payment_page(payment, line, reader.values, {"amount": _("Stripe is not connected: enter the keys under Plugins › Payments first.")}, 400)
        except stripe.StripeError as exc:
            await services.cache.delete(claim_key)
            log.warning("refund of payment %s refused by Stripe: %s", payment.public_id, exc)
            message = getattr(exc, "user_message", None) or _("Stripe could not make the refund; nothing was refunded. Try again later.")
            return await payment_page(payment, line, reader.values, {"amount": _("Stripe refused the refund: %(message)s", message=message)}, 502)
        except BaseException:
            await services.cache.delete(claim_key)  # nothing refunded: the same form may be sent again
            raise
        try:
            payment, added = await apply_refund(payment, amount)
        except RefundRefused as exc:  # cannot happen under the lock; logged loudly if it does
            log.error("refund %s of payment %s made at Stripe but not recorded: %s", made.id, payment.public_id, exc.message)
            added = 0
        await record(
            "payment.refunded", actor_type="staff", actor=g.staff.email, target=payment.public_id,
            amount_minor=amount, refunded_minor=payment.refunded_minor, currency=payment.currency,
            refund=made.id, invoice=invoice_id, reason=reason,
        )
        await announce(
            "payment.refunded", payment.public_id, f"staff:{g.staff.email}", services=services,
            payment=payment.public_id, amount_minor=amount, refunded_minor=payment.refunded_minor,
            currency=payment.currency, refund=made.id, invoice=invoice_id,
            recorded=bool(added),
        )
    finally:
        await services.cache.delete(lock_key)
    return to_payment(payment, "refunded")


BLUEPRINTS = [blueprint]
CONSOLE_LINKS = [ConsoleLink(id="card_payments", label=lazy_gettext("Card payments"), endpoint="console_payments.index", order=27, permission=BACK_OFFICE, group="billing")]
