"""Card payments in the customer portal (P2-P5): pay one invoice, pay several,
the result of a payment, cards on file and the AutoPay switch.

How a payment goes (the same for a saved card and a new one):

1. The pay page (``/payments/pay?invoice=<id>``, or ``/payments/pay-many``
   with a checkbox per outstanding invoice) shows the amounts from the
   server and carries a one-time form key.
2. A new card is first saved with a SetupIntent: the page's script asks
   ``/payments/cards/setup`` for one, Stripe.js ``confirmCardSetup`` collects
   the card, and ``/payments/cards/confirm`` reads the result from Stripe and
   mirrors the card (:mod:`plugins.payments.cards`). The form then names a
   saved card, never a card number or an amount.
3. ``POST /payments/pay`` opens one :class:`~plugins.payments.models.PaymentAttempt`
   for the chosen invoices (the form key is its unique key: a double click
   or a resubmitted form finds the same attempt and charges nothing more),
   creates the PaymentIntent with the server's balances and confirms it.
   An invoice another live attempt holds (a second tab or device, the
   pay-many form, AutoPay) is not charged again: paying one invoice shows
   that attempt's page, paying several shows the form with "already in
   progress". When Stripe cannot be reached the attempt is cancelled at once
   (nothing was charged), so "Try again" works.
4. The result page ``/payments/attempts/<id>`` retrieves the PaymentIntent
   and settles it (:func:`plugins.payments.settle.sync_attempt`), so the
   customer sees the outcome at once; the webhook settles it the same way if
   the browser never comes back. When the bank asks for authentication the
   page offers "Confirm with your bank" (Stripe.js ``confirmCardPayment``).

Cards on file and the AutoPay switch live at ``/payment-methods`` (outside
``/payments/``, so only its own tab is marked current in the navigation).

Every route answers 404 when the tenant has not connected Stripe (there is
nothing to offer), to an address that may not see invoices (I4) and for
another account's or another tenant's invoice, card or attempt. Staff viewing
the portal as the customer may look but not pay (core refuses their POSTs).
"""

from __future__ import annotations

import logging
import re
import secrets
from functools import wraps
from typing import Any, Callable
from urllib.parse import urlsplit

import stripe
from quart import Blueprint, abort, g, jsonify, redirect, request, url_for

from core.audit import record
from core.auth.current import login_required
from core.i18n import gettext as _, lazy_gettext, lazy_pgettext, pgettext
from core.plugin_state import announce
from core.models.billing import Invoice
from core.portal.access import link_to
from core.portal.navigation import show_as_current
from core.portal.views import render_portal
from core.services import current_services
from core.web.rendering import tenant_today
from core.web.security import allow_external
from plugins.payments import cards
from plugins.payments.declines import decline_reason
from plugins.payments.contributions import payable, payable_invoices, payments_offered
from plugins.payments.models import (
    CANCELED,
    CREATED,
    FAILED,
    REQUIRES_PAYMENT_METHOD,
    ON_SESSION,
    OPEN_ATTEMPT_STATUSES,
    REQUIRES_ACTION,
    AttemptInvoice,
    PaymentAttempt,
)
from plugins.payments.settings import CHARGE_ON_ISSUE, payment_settings
from plugins.payments.settle import (
    UNREACHABLE_CODE,
    AttemptRefused,
    abandon_attempt,
    create_intent,
    open_attempt,
    sync_attempt,
)
from plugins.payments.stripe_api import stripe_client, stripe_js_url
from plugins.payments.webhook_events import AUTOPAY_CHANGED

log = logging.getLogger(__name__)

blueprint = Blueprint("card_payments", __name__)
blueprint.portal_section = "invoices"  # type: ignore[attr-defined]

KEY_PATTERN = re.compile(r"^pay_[A-Za-z0-9_-]{20,60}$")
MAX_INVOICES = 100  # one payment settles at most this many invoices
RESULT_LABELS = {
    "paid": lazy_pgettext("payment result", "Paid"),
    "failed": lazy_pgettext("payment result", "Not paid"),
    "not_applied": lazy_pgettext("payment result", "Not applied: we will refund it"),
    "": lazy_pgettext("payment result", "Waiting"),
}
# Stored on the attempt as written (for staff); shown to the customer translated.
UNREACHABLE_RECORD = "We could not reach the card processor, and nothing was charged. Try again in a few minutes."
UNREACHABLE = lazy_gettext("We could not reach the card processor, and nothing was charged. Try again in a few minutes.")


def payments_required(view: Callable) -> Callable:
    """404 unless this customer may pay here (connected tenant, invoices visible)."""

    @wraps(view)
    async def wrapper(*args: Any, **kwargs: Any):
        if not await payments_offered(g.portal):
            abort(404)
        return await view(*args, **kwargs)

    return wrapper


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def allow_stripe_js() -> str:
    """Let this page load Stripe.js (and talk to Stripe); return the script's URL."""
    services = current_services()
    js_url = stripe_js_url(services)
    js = _origin(js_url)
    allow_external(script=js, frame=js, connect=_origin(services.settings.stripe_api_base))
    if js == "https://js.stripe.com":  # 3-D Secure frames of the real Stripe.js
        allow_external(frame="https://hooks.stripe.com")
    return js_url


def new_key() -> str:
    return "pay_" + secrets.token_urlsafe(24)


def _json_error(status: int, code: str, message: str):
    return jsonify({"error": {"code": code, "message": message}}), status


# -- paying ---------------------------------------------------------------------


async def _own_invoices(ids: list[str]) -> list[Invoice]:
    """The signed-in account's invoices with these public ids; 404 if any is not one."""
    wanted = list(dict.fromkeys(i for i in ids if i))
    if not wanted or len(wanted) > MAX_INVOICES or any("." in i for i in wanted):
        abort(404)
    found = await Invoice.filter(
        account_id=g.portal.account.id, public_id__in=wanted, status__in=("open", "paid", "void")
    ).order_by("due_on", "issued_on", "number")
    if len(found) != len(wanted):
        abort(404)
    return list(found)


async def _pay_page(invoices: list[Invoice], *, many: bool, chosen: set[str] | None = None,
                    problem: str | None = None, card: str = "", status: int = 200):
    portal = g.portal
    payable_now = [invoice for invoice in invoices if payable(invoice)]
    chosen = {i.public_id for i in payable_now} if chosen is None else chosen & {i.public_id for i in payable_now}
    saved = await cards.saved_cards(portal.account)
    settings = await payment_settings()
    currency = payable_now[0].currency if payable_now else portal.tenant.currency
    show_as_current("invoices")  # paying invoices, though the address is under /payments
    body = await render_portal(
        "payments/pay.html",
        title=_("Pay invoices") if many else (_("Pay invoice %(number)s", number=invoices[0].number) if invoices else pgettext("page title", "Pay")),
        many=many,
        invoices=invoices,
        payable_now=payable_now,
        chosen=chosen,
        total_minor=sum(i.balance_minor for i in payable_now if i.public_id in chosen),
        currency=currency,
        cards=saved,
        card=card or next((c.public_id for c in saved if c.is_default), saved[0].public_id if saved else "new"),
        key=new_key(),
        problem=problem,
        today=tenant_today(portal.tenant),
        publishable_key=settings.publishable_key,
        stripe_js=allow_stripe_js(),
        back=url_for("invoices.detail", invoice_id=invoices[0].public_id) if (invoices and not many) else url_for("invoices.list"),
    )
    return body, status


@blueprint.get("/payments/pay")
@login_required
@payments_required
async def pay():
    """Pay one invoice: ``?invoice=<public id>``."""
    invoices = await _own_invoices(request.args.getlist("invoice")[:1])
    if not payable(invoices[0]):
        return await _pay_page(invoices, many=False, problem=_nothing_to_pay(invoices[0]), status=409)
    return await _pay_page(invoices, many=False)


@blueprint.get("/payments/pay-many")
@login_required
@payments_required
async def pay_many():
    """Pick several (or all) outstanding invoices and pay them with one card."""
    invoices = list(await payable_invoices(g.portal.account.id).limit(MAX_INVOICES))
    selected = set(request.args.getlist("invoice")) or None
    return await _pay_page(invoices, many=True, chosen=selected)


def _nothing_to_pay(invoice: Invoice) -> str:
    if invoice.status == "paid" or invoice.balance_minor <= 0:
        return _("Invoice %(number)s is paid: there is nothing left to pay.", number=invoice.number)
    if invoice.status == "void":
        return _("Invoice %(number)s was voided: nothing is owed on it.", number=invoice.number)
    return _("Invoice %(number)s cannot be paid online.", number=invoice.number)


@blueprint.post("/payments/pay")
@login_required
@payments_required
async def pay_submit():
    """Charge the chosen card for the chosen invoices (amounts from the server only)."""
    portal = g.portal
    form = await request.form
    many = form.get("many") == "1"
    key = str(form.get("key", ""))
    if not KEY_PATTERN.match(key):
        abort(400)
    # A replay of a form already sent (double click, reload, back button):
    # the same attempt, nothing charged again.
    existing = await PaymentAttempt.get_or_none(key=key)
    if existing is not None:
        if existing.account_id != portal.account.id:
            abort(404)
        return redirect(url_for("card_payments.attempt", attempt_id=existing.public_id))

    ids = [str(i) for i in form.getlist("invoice")]
    if many:
        offered = await _own_invoices([str(i) for i in form.getlist("offered")] or ids)
        chosen = set(ids)
        if not set(chosen) <= {i.public_id for i in offered}:
            abort(404)
        invoices = [i for i in offered if i.public_id in chosen]
        if not invoices:
            return await _pay_page(offered, many=True, chosen=set(), problem=_("Choose at least one invoice to pay."), status=400)
    else:
        invoices = offered = await _own_invoices(ids[:1])
    card_id = str(form.get("card", ""))
    card = await cards.card_of(portal.account, card_id)
    if card is None:
        return await _pay_page(
            offered, many=many, chosen={i.public_id for i in invoices},
            problem=_("Choose a saved card, or enter a new card."), status=400,
        )
    try:
        attempt = await open_attempt(portal.account, invoices, kind=ON_SESSION, started_by=portal.email or "", key=key)
    except AttemptRefused as refused:
        if refused.code in ("not_found", "key_reused"):
            abort(404)
        held_by = refused.attempt
        if refused.code == "in_progress" and held_by is not None and held_by.account_id == portal.account.id and not many:
            # Another tab or device is paying this invoice: show that payment, never charge twice.
            return redirect(url_for("card_payments.attempt", attempt_id=held_by.public_id))
        return await _pay_page(
            offered, many=many, chosen={i.public_id for i in invoices}, card=card.public_id,
            problem=refused.message, status=409,
        )
    if attempt.account_id != portal.account.id:  # a key of another account's attempt
        abort(404)
    await record(
        "payment.started", actor_type="customer", actor=portal.email or "", target=attempt.public_id,
        invoices=[i.public_id for i in invoices], amount_minor=attempt.amount_minor, card=card.public_id,
    )
    try:
        await charge(attempt, card, portal.account)
    except AttemptRefused:
        pass  # replaced by a newer attempt before it reached Stripe: its page says so
    except stripe.StripeError:
        log.exception("charging attempt %s failed at Stripe", attempt.public_id)
        # Nothing reached Stripe: free the invoice so "Try again" works at once.
        await abandon_attempt(attempt, UNREACHABLE_CODE, UNREACHABLE_RECORD)
    return redirect(url_for("card_payments.attempt", attempt_id=attempt.public_id))


async def charge(attempt: PaymentAttempt, card, account) -> PaymentAttempt:
    """Create and confirm the attempt's PaymentIntent with ``card``, once; then settle it.

    Claiming the attempt (its ``payment_method`` set while still empty, one
    UPDATE) makes a second request for the same attempt charge nothing.
    """
    claimed = await PaymentAttempt.filter(id=attempt.id, status=CREATED, stripe_id=None, payment_method="").update(payment_method=card.stripe_id)
    if not claimed:
        return attempt
    customer = await cards.stripe_customer_for(account)
    intent = await create_intent(attempt, customer=customer.stripe_id, payment_method=card.stripe_id, confirm=True)
    return await sync_attempt(attempt, intent)


async def _attempt_or_404(attempt_id: str) -> PaymentAttempt:
    if "." in attempt_id:
        abort(404)
    attempt = await PaymentAttempt.get_or_none(public_id=attempt_id, account_id=g.portal.account.id)
    if attempt is None:
        abort(404)
    return attempt


@blueprint.get("/payments/attempts/<attempt_id>")
@login_required
@payments_required
async def attempt(attempt_id: str):
    """The outcome of a payment, per invoice; asks Stripe while it is not final."""
    attempt = await _attempt_or_404(attempt_id)
    client_secret = None
    if attempt.stripe_id and not attempt.stripe_id.startswith("creating:") and attempt.status in OPEN_ATTEMPT_STATUSES:
        try:
            client = await stripe_client()
            intent = await client.v1.payment_intents.retrieve_async(attempt.stripe_id)
            attempt = await sync_attempt(attempt, intent)
            if attempt.status == REQUIRES_ACTION:
                client_secret = intent.client_secret
        except (stripe.StripeError, ValueError):
            log.exception("reading attempt %s from Stripe failed", attempt.public_id)
    lines = list(await AttemptInvoice.filter(attempt_id=attempt.id).select_related("invoice").order_by("id"))
    still_payable = [line.invoice for line in lines if payable(line.invoice)]
    unreachable = attempt.status == CREATED or attempt.failure_code == UNREACHABLE_CODE
    failed = attempt.status in (FAILED, REQUIRES_PAYMENT_METHOD, CANCELED) and not unreachable
    retry_url = None
    if (failed or unreachable) and still_payable:
        if len(still_payable) == 1 and len(lines) == 1:
            retry_url = url_for("card_payments.pay", invoice=still_payable[0].public_id)
        else:
            retry_url = url_for("card_payments.pay_many", invoice=[i.public_id for i in still_payable])
    return await render_portal(
        "payments/attempt.html",
        attempt=attempt,
        lines=lines,
        result_labels=RESULT_LABELS,
        client_secret=client_secret,
        publishable_key=(await payment_settings()).publishable_key if client_secret else "",
        stripe_js=allow_stripe_js() if client_secret else None,
        retry_url=retry_url,
        failed=failed,
        unreachable=UNREACHABLE if unreachable else None,
        decline_reason=decline_reason(attempt.failure_code, attempt.failure_message) if failed else "",
        payments_url=link_to("payments.list") if g.tenant.section_enabled("payments") else None,
    )


# -- cards on file ----------------------------------------------------------------


@blueprint.post("/payments/cards/setup")
@login_required
@payments_required
async def card_setup():
    """A SetupIntent for Stripe.js to collect a new card (JSON)."""
    try:
        setup = await cards.start_setup(g.portal.account)
    except stripe.StripeError:
        log.exception("creating a SetupIntent failed")
        return _json_error(502, "stripe_unreachable", str(UNREACHABLE))
    return jsonify({"setup_intent": setup.id, "client_secret": setup.client_secret})


@blueprint.post("/payments/cards/confirm")
@login_required
@payments_required
async def card_confirm():
    """Save the card of a SetupIntent the browser confirmed (JSON ``{"card": <public id>}``)."""
    portal = g.portal
    data = await request.get_json(silent=True)
    if data is None:
        data = await request.form
    setup_intent = str((data or {}).get("setup_intent", "") or "")
    try:
        card = await cards.finish_setup(portal.account, setup_intent, added_by=portal.email or "")
    except cards.CardError as error:
        return _json_error(400, error.code, error.message)
    except stripe.StripeError:
        log.exception("saving a card failed")
        return _json_error(502, "stripe_unreachable", str(UNREACHABLE))
    await record("payment_method.added", actor_type="customer", actor=portal.email or "", target=card.public_id, last4=card.last4)
    return jsonify({"card": card.public_id, "label": _("%(brand)s ending %(last4)s", brand=card.brand.title(), last4=card.last4), "default": card.is_default})


NOTICES = {
    "added": lazy_gettext("Your card was saved."),
    "default": lazy_gettext("Your default card was changed."),
    "removed": lazy_gettext("The card was removed."),
    "autopay_on": lazy_gettext("AutoPay is on."),
    "autopay_off": lazy_gettext("AutoPay is off. Pay your invoices from the Invoices page."),
}


async def _methods_page(problem: str | None = None, status: int = 200):
    portal = g.portal
    saved = await cards.saved_cards(portal.account)
    customer = await cards.stripe_customer_for(portal.account, create=False)
    settings = await payment_settings()
    done = request.args.get("done", "")
    body = await render_portal(
        "payments/methods.html",
        cards=saved,
        customer=customer,
        autopay=bool(customer and customer.autopay),
        default=next((c for c in saved if c.is_default), None),
        charge_on_issue=settings.autopay_charge_on == CHARGE_ON_ISSUE,
        retries=settings.autopay_retries,
        retry_days=settings.autopay_retry_days,
        notice=NOTICES.get(done),
        problem=problem,
        publishable_key=settings.publishable_key,
        stripe_js=allow_stripe_js(),
    )
    return body, status


@blueprint.get("/payment-methods")
@login_required
@payments_required
async def methods():
    """Cards on file, adding one, the default, and the AutoPay switch."""
    return await _methods_page()


async def _card_or_404(card_id: str):
    card = await cards.card_of(g.portal.account, card_id)
    if card is None:
        abort(404)
    return card


@blueprint.post("/payment-methods/<card_id>/default")
@login_required
@payments_required
async def make_default(card_id: str):
    portal = g.portal
    card = await _card_or_404(card_id)
    if not card.is_default:
        try:
            await cards.set_default(portal.account, card)
        except cards.CardError as error:
            return await _methods_page(error.message, 409)
        except stripe.StripeError:
            log.exception("changing the default card failed")
            return await _methods_page(UNREACHABLE, 502)
        await record("payment_method.default", actor_type="customer", actor=portal.email or "", target=card.public_id)
    return redirect(url_for("card_payments.methods", done="default"))


@blueprint.post("/payment-methods/<card_id>/remove")
@login_required
@payments_required
async def remove_card(card_id: str):
    portal = g.portal
    card = await _card_or_404(card_id)
    try:
        await cards.remove(portal.account, card)
    except cards.CardError as error:
        return await _methods_page(error.message, 409)
    except stripe.StripeError:
        log.exception("removing a card failed")
        return await _methods_page(UNREACHABLE, 502)
    await record("payment_method.removed", actor_type="customer", actor=portal.email or "", target=card.public_id, last4=card.last4)
    return redirect(url_for("card_payments.methods", done="removed"))


@blueprint.post("/payment-methods/autopay")
@login_required
@payments_required
async def autopay():
    """Turn AutoPay on (with a default card) or off."""
    portal = g.portal
    form = await request.form
    on = form.get("autopay") == "on"
    try:
        await cards.set_autopay(portal.account, on, by=portal.email or "")
    except cards.CardError as error:
        return await _methods_page(error.message, 409)
    await record("payment.autopay_on" if on else "payment.autopay_off", actor_type="customer", actor=portal.email or "", target=portal.account.public_id)
    await announce(AUTOPAY_CHANGED, portal.account.public_id, f"customer:{portal.email or ''}", enabled=on, email=portal.email or "")
    return redirect(url_for("card_payments.methods", done="autopay_on" if on else "autopay_off"))


BLUEPRINTS = [blueprint]
