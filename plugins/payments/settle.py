"""Payment attempts: open one, create its PaymentIntent, settle it from Stripe's answer.

Every way money is taken by card goes through these three functions, in
this order:

1. :func:`open_attempt` checks the invoices and writes a
   :class:`~plugins.payments.models.PaymentAttempt` with the server-side
   balances, in one transaction. Its ``key`` (and AutoPay's
   ``autopay_key``) is unique per tenant: a double click or a retried job
   gets the attempt that exists instead of a second one. In the same
   transaction each invoice is *claimed* (``AttemptInvoice.live_invoice``,
   unique per tenant): while one attempt is live no other may charge the
   invoice, whatever the tab, device, pay-many form or AutoPay run. The
   loser is refused with ``in_progress`` and the attempt that holds the
   invoice. :func:`release_claims` gives the invoices back when the
   attempt succeeds, fails or is abandoned; an attempt that never reached
   Stripe is taken over after :data:`ABANDONED_AFTER`.
2. :func:`create_intent` creates the PaymentIntent (amount and currency
   from the attempt, never from the browser) once per attempt, and
   remembers its id. Its idempotency key (:func:`stripe_key`) is derived
   from the tenant, the invoices, their amounts and how many charges they
   had before, so a second attempt for the same invoices and amount gets
   the first one's PaymentIntent from Stripe (localstripe ignores the key;
   the claim above is what protects there).
3. :func:`sync_attempt` updates the attempt from a PaymentIntent read from
   Stripe. On success each invoice gets one core
   :class:`~core.models.billing.Payment` through :func:`core.ledger.apply_payment`
   (``external_id = "<payment intent id>:<invoice public id>"``, unique),
   so the return page, the webhook and the AutoPay job may all call it, at
   the same time or again, and the money is booked once. Each change of
   status is announced once (``payment.succeeded``, ``payment.failed``,
   ``payment.requires_action``), with core's ``payment.recorded`` and
   ``invoice.paid``.

An invoice that was paid or voided another way between the attempt and the
charge is not paid twice: its money is recorded as a payment not applied to
the invoice (``AttemptInvoice.result = "not_applied"``) for staff to refund.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

import stripe
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.audit import record
from core.i18n import gettext as _
from core.ledger import PaymentRefused, apply_payment, record_unapplied
from core.metrics import count_payment
from core.models.billing import Invoice, Payment
from core.models.customers import CustomerAccount
from core.plugin_state import announce
from plugins.payments.models import (
    AUTOPAY,
    ATTEMPT_KINDS,
    CANCELED,
    CREATED,
    FAILED,
    PROCESSING,
    REQUIRES_ACTION,
    REQUIRES_PAYMENT_METHOD,
    SUCCEEDED,
    AttemptInvoice,
    PaymentAttempt,
)
from plugins.payments.settings import PLUGIN, _services
from plugins.payments.stripe_api import stripe_client
from tenants.context import current_tenant

log = logging.getLogger("porchside.payments")

KEY = re.compile(r"^[A-Za-z0-9_:.-]{8,80}$")
MAX_INVOICES = 100
# An attempt still "created" this long after it was opened, without a
# PaymentIntent, was abandoned (its request or job died before Stripe): a
# new attempt may take its invoices over.
ABANDONED_AFTER = timedelta(minutes=10)
ABANDONED = "abandoned"  # failure_code of an attempt taken over
UNREACHABLE_CODE = "stripe_unreachable"  # failure_code of an attempt Stripe never received
# Attempt statuses after which the invoices are free again.
TERMINAL_STATUSES = (SUCCEEDED, FAILED, CANCELED)


def in_progress_message(number: str) -> str:
    return _("A payment for invoice %(number)s is already in progress. Check its result before paying again.", number=number)


# Results of an AttemptInvoice.
PAID = "paid"
LINE_FAILED = "failed"
NOT_APPLIED = "not_applied"

EVENT_SUCCEEDED = "payment.succeeded"
EVENT_FAILED = "payment.failed"
EVENT_REQUIRES_ACTION = "payment.requires_action"


class AttemptRefused(Exception):
    """The attempt cannot be opened. ``code`` is stable (for JSON errors), ``message`` is for people.

    Codes: ``bad_key``, ``no_invoices``, ``too_many``, ``not_found`` (another
    account's or tenant's invoice: show a 404), ``not_open``, ``nothing_due``,
    ``mixed_currency``, ``in_progress`` (another live attempt holds the
    invoice: ``attempt`` is that attempt), ``key_reused`` (the key belongs
    to another account's attempt), ``abandoned`` (this attempt was taken
    over by another before it reached Stripe).
    """

    def __init__(self, code: str, message: str, attempt: PaymentAttempt | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.attempt = attempt


# -- 1. open --------------------------------------------------------------------


async def open_attempt(
    account: CustomerAccount,
    invoices: Iterable[Invoice],
    *,
    kind: str,
    started_by: str,
    key: str,
    autopay_key: str | None = None,
) -> PaymentAttempt:
    """Open an attempt to pay ``invoices`` of ``account`` in full, or return the one with this key.

    ``invoices`` may be Invoice rows or their ids; they are read again
    inside the transaction, and each is charged its balance at that moment.

    :raises AttemptRefused: see its codes.
    """
    if kind not in ATTEMPT_KINDS:
        raise ValueError(f"unknown attempt kind {kind!r}")
    if not isinstance(key, str) or not KEY.match(key):
        raise AttemptRefused("bad_key", _("This payment form is out of date. Reload the page and try again."))
    existing = await _existing(account, key, autopay_key)
    if existing is not None:
        return existing
    ids = list(dict.fromkeys(i.id if isinstance(i, Invoice) else int(i) for i in invoices))
    if not ids:
        raise AttemptRefused("no_invoices", _("Choose at least one invoice to pay."))
    if len(ids) > MAX_INVOICES:
        raise AttemptRefused("too_many", _("Pay at most %(max)d invoices at once.", max=MAX_INVOICES))
    try:
        async with in_transaction():
            rows = {row.id: row for row in await Invoice.filter(id__in=ids, account_id=account.id)}
            if len(rows) != len(ids):
                raise AttemptRefused("not_found", _("That invoice was not found."))
            ordered = [rows[i] for i in ids]
            for invoice in ordered:
                if invoice.status != "open":
                    raise AttemptRefused("not_open", _status_refusal(invoice))
                if invoice.balance_minor <= 0:
                    raise AttemptRefused("nothing_due", _("Invoice %(number)s has nothing left to pay.", number=invoice.number))
            if len({invoice.currency for invoice in ordered}) > 1:
                raise AttemptRefused("mixed_currency", _("Invoices in different currencies must be paid separately."))
            await _refuse_if_held(ordered)
            attempt = await PaymentAttempt.create(
                account_id=account.id,
                kind=kind,
                key=key,
                autopay_key=autopay_key,
                stripe_key=await stripe_key(ordered),
                amount_minor=sum(invoice.balance_minor for invoice in ordered),
                currency=ordered[0].currency,
                started_by=started_by,
            )
            for invoice in ordered:
                # The claim: a second live line for this invoice breaks (tenant, live_invoice).
                await AttemptInvoice.create(
                    attempt=attempt, invoice_id=invoice.id, amount_minor=invoice.balance_minor, live_invoice_id=invoice.id
                )
    except IntegrityError:
        # The same key (or AutoPay try) at the same moment: the other request made it.
        existing = await _existing(account, key, autopay_key)
        if existing is not None:
            return existing
        # Another attempt claimed one of the invoices between our check and our insert.
        holder = await _holder(ids)
        if holder is None:
            raise
        raise AttemptRefused("in_progress", in_progress_message(number=holder[1]), holder[0]) from None
    return attempt


async def _holder(invoice_ids: list[int]) -> tuple[PaymentAttempt, str] | None:
    """The live attempt holding one of these invoices, and that invoice's number."""
    line = await AttemptInvoice.filter(live_invoice_id__in=invoice_ids).select_related("attempt", "invoice").order_by("id").first()
    return None if line is None else (line.attempt, line.invoice.number)


async def _refuse_if_held(invoices: list[Invoice]) -> None:
    """Refuse when a live attempt holds one of ``invoices``; take an abandoned one over.

    Taking over is one conditional UPDATE (still "created", still without a
    PaymentIntent, older than :data:`ABANDONED_AFTER`), and a PaymentIntent
    is only ever created for an attempt still "created" (:func:`create_intent`),
    so the old attempt can no longer charge once it lost.
    """
    for _try in range(3):
        found = await _holder([invoice.id for invoice in invoices])
        if found is None:
            return
        holder, number = found
        taken = await abandon_attempt(
            holder, ABANDONED, "Abandoned before it reached Stripe: nothing was charged.",
            older_than=datetime.now(timezone.utc) - ABANDONED_AFTER,
        )
        if not taken:
            raise AttemptRefused("in_progress", in_progress_message(number=number), holder)
        log.info("attempt %s was abandoned before Stripe; its invoices were taken over", holder.public_id)
    raise AttemptRefused("in_progress", "A payment for these invoices is already in progress.")


async def abandon_attempt(attempt: PaymentAttempt, code: str, message: str, *, older_than: datetime | None = None) -> bool:
    """Cancel an attempt that never reached Stripe and free its invoices; False if it did reach Stripe.

    One conditional UPDATE (still "created", still no PaymentIntent) decides,
    so an attempt being charged at this moment is never cancelled.
    """
    query = PaymentAttempt.filter(id=attempt.id, status=CREATED, stripe_id=None)
    if older_than is not None:
        query = query.filter(created_at__lt=older_than)
    if not await query.update(status=CANCELED, failure_code=code, failure_message=message[:500]):
        return False
    await release_claims(attempt)
    attempt.status, attempt.failure_code, attempt.failure_message = CANCELED, code, message[:500]
    return True


async def release_claims(attempt: PaymentAttempt) -> int:
    """Give back the invoices of a settled, failed or abandoned attempt, so a new attempt may pay them."""
    return await AttemptInvoice.filter(attempt_id=attempt.id, live_invoice_id__isnull=False).update(live_invoice_id=None)


async def _reclaim(attempt: PaymentAttempt) -> None:
    """A failed attempt Stripe reports live again (the bank asks again): hold its invoices if still free."""
    for line in await AttemptInvoice.filter(attempt_id=attempt.id, live_invoice_id=None):
        try:
            async with in_transaction():
                await AttemptInvoice.filter(id=line.id, live_invoice_id=None).update(live_invoice_id=line.invoice_id)
        except IntegrityError:
            log.warning("attempt %s is live again but invoice %s is held by another attempt", attempt.public_id, line.invoice_id)


async def stripe_key(invoices: list[Invoice]) -> str:
    """The idempotency key of a charge of ``invoices`` at their balances now.

    The same for every attempt at the same invoices and amounts until one of
    them reached Stripe and ended (its "generation"), so Stripe answers a
    second attempt with the first one's PaymentIntent; a new try after a
    declined card, or another amount, is a new PaymentIntent.
    """
    ids = [invoice.id for invoice in invoices]
    generation = await AttemptInvoice.filter(
        invoice_id__in=ids, attempt__stripe_id__isnull=False, attempt__status__in=TERMINAL_STATUSES
    ).count()
    parts = sorted(f"{invoice.public_id}={invoice.balance_minor}" for invoice in invoices)
    material = "|".join([str(current_tenant().id), *parts, f"g{generation}"])
    return "ps_" + hashlib.sha256(material.encode()).hexdigest()[:60]


async def _existing(account: CustomerAccount, key: str, autopay_key: str | None) -> PaymentAttempt | None:
    attempt = await PaymentAttempt.get_or_none(key=key)
    if attempt is None and autopay_key:
        attempt = await PaymentAttempt.get_or_none(autopay_key=autopay_key)
    if attempt is not None and attempt.account_id != account.id:
        raise AttemptRefused("key_reused", _("This payment form is out of date. Reload the page and try again."))
    return attempt


def _status_refusal(invoice: Invoice) -> str:
    """Why an invoice that is not open cannot be paid, in the reader's words."""
    number = invoice.number
    if invoice.status == "paid":
        return _("Invoice %(number)s is paid already and cannot be paid.", number=number)
    if invoice.status == "void":
        return _("Invoice %(number)s is void and cannot be paid.", number=number)
    if invoice.status == "draft":
        return _("Invoice %(number)s is not issued yet and cannot be paid.", number=number)
    return _("Invoice %(number)s cannot be paid.", number=number)


# -- 2. the PaymentIntent ---------------------------------------------------------


def intent_metadata(attempt: PaymentAttempt, invoice_ids: list[str]) -> dict[str, str]:
    tenant = current_tenant()
    return {"tenant": tenant.slug, "attempt": attempt.public_id, "invoices": ",".join(invoice_ids)}


async def create_intent(
    attempt: PaymentAttempt,
    *,
    customer: str | None = None,
    payment_method: str | None = None,
    off_session: bool = False,
    confirm: bool = False,
    services=None,
) -> Any:
    """The attempt's PaymentIntent, created at Stripe on the first call.

    A later call (double click, retried job) returns the same PaymentIntent
    as Stripe has it now, without confirming it again. With ``confirm`` a
    declined card does not raise: the returned PaymentIntent carries
    ``last_payment_error``; pass it to :func:`sync_attempt`.

    :raises plugins.payments.stripe_api.NotConnected: no Stripe keys.
    :raises stripe.StripeError: Stripe could not be reached or refused the request.
    """
    client = await stripe_client(services)
    # Only a "created" attempt may get a PaymentIntent: one taken over as abandoned never does.
    claimed = await PaymentAttempt.filter(id=attempt.id, stripe_id=None, status=CREATED).update(stripe_id=_placeholder(attempt))
    if not claimed:
        if await PaymentAttempt.filter(id=attempt.id, stripe_id=None).exclude(status=CREATED).exists():
            raise AttemptRefused(ABANDONED, _("This payment was replaced by a newer one; nothing was charged."))
        stripe_id = await _wait_for_intent_id(attempt)
        attempt.stripe_id = stripe_id
        return await client.v1.payment_intents.retrieve_async(stripe_id)
    invoice_ids = [row.invoice.public_id for row in await AttemptInvoice.filter(attempt_id=attempt.id).select_related("invoice")]
    params: dict[str, Any] = {
        "amount": attempt.amount_minor,
        "currency": attempt.currency.lower(),
        "metadata": intent_metadata(attempt, invoice_ids),
        "payment_method_types": ["card"],
    }
    if customer:
        params["customer"] = customer
    if payment_method:
        params["payment_method"] = payment_method
    if confirm:
        params["confirm"] = True
        if off_session:
            params["off_session"] = True
    options = {"idempotency_key": attempt.stripe_key or attempt.key}
    count_payment(PLUGIN, "attempted")
    try:
        intent = await client.v1.payment_intents.create_async(params, options)
    except stripe.CardError as exc:
        intent = await _intent_of_card_error(client, exc, attempt)
        if intent is None:
            await PaymentAttempt.filter(id=attempt.id).update(stripe_id=None)
            count_payment(PLUGIN, "failed")
            raise
    except Exception:
        await PaymentAttempt.filter(id=attempt.id).update(stripe_id=None)  # nothing at Stripe: may try again
        count_payment(PLUGIN, "failed")
        raise
    await PaymentAttempt.filter(id=attempt.id).update(stripe_id=intent.id, payment_method=payment_method or "")
    attempt.stripe_id = intent.id
    if payment_method:
        attempt.payment_method = payment_method
    return intent


def _placeholder(attempt: PaymentAttempt) -> str:
    return f"creating:{attempt.public_id}"


async def _wait_for_intent_id(attempt: PaymentAttempt, timeout: float = 20.0) -> str:
    """The PaymentIntent id another request is creating for this attempt."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        stripe_id = await PaymentAttempt.filter(id=attempt.id).first().values_list("stripe_id", flat=True)
        if stripe_id and not stripe_id.startswith("creating:"):
            return stripe_id
        if stripe_id is None:
            raise RuntimeError("the other request creating this attempt's PaymentIntent failed; try again")
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError("the PaymentIntent of this attempt is still being created")
        await asyncio.sleep(0.05)


async def _intent_of_card_error(client, exc: stripe.CardError, attempt: PaymentAttempt):
    """The PaymentIntent a declined create-and-confirm left behind.

    Stripe puts it in the error; localstripe names only the charge, whose
    ``payment_intent`` leads to it.
    """
    error = exc.error
    intent = getattr(error, "payment_intent", None) if error is not None else None
    if intent is not None:
        return await client.v1.payment_intents.retrieve_async(intent.id if hasattr(intent, "id") else str(intent))
    body = (exc.json_body or {}).get("error", {}) if isinstance(exc.json_body, dict) else {}
    charge_id = body.get("charge") or (getattr(error, "charge", None) if error is not None else None)
    if charge_id:
        charge = (await client.v1.charges.retrieve_async(charge_id)).to_dict()
        if charge.get("payment_intent"):
            return await client.v1.payment_intents.retrieve_async(charge["payment_intent"])
    log.warning("declined PaymentIntent of attempt %s could not be found", attempt.public_id)
    return None


# -- 3. sync ---------------------------------------------------------------------


def _as_dict(intent: Any) -> dict:
    if hasattr(intent, "to_dict"):
        return intent.to_dict()
    return dict(intent)


def _status_of(intent: dict) -> str:
    status = intent.get("status")
    if status == "succeeded":
        return SUCCEEDED
    if status in ("processing", "requires_capture"):
        return PROCESSING
    if status == "requires_action":
        return REQUIRES_ACTION
    if status == "canceled":
        return CANCELED
    if status == "requires_payment_method" and intent.get("last_payment_error"):
        return FAILED
    return REQUIRES_PAYMENT_METHOD


def _failure(intent: dict) -> tuple[str, str]:
    error = intent.get("last_payment_error") or {}
    code = error.get("decline_code") or error.get("code") or ""
    message = error.get("message") or ("The card was declined." if code else "")
    return str(code)[:60], str(message)[:500]


async def sync_attempt(attempt: PaymentAttempt, intent: Any, *, services=None) -> PaymentAttempt:
    """Bring ``attempt`` up to date with ``intent`` (its PaymentIntent, as read from Stripe).

    Safe to call again and from several places at once: each invoice's
    payment is booked once and each change of status is announced once.
    A succeeded attempt stays succeeded.

    :return: the attempt as stored now.
    :raises ValueError: ``intent`` is not this attempt's PaymentIntent.
    """
    services = _services(services)
    data = _as_dict(intent)
    stripe_id = data.get("id")
    if attempt.stripe_id and not attempt.stripe_id.startswith("creating:") and attempt.stripe_id != stripe_id:
        raise ValueError(f"PaymentIntent {stripe_id} is not the one of attempt {attempt.public_id}")
    if not attempt.stripe_id or attempt.stripe_id.startswith("creating:"):
        await PaymentAttempt.filter(id=attempt.id).update(stripe_id=stripe_id)
    new_status = _status_of(data)
    if new_status == SUCCEEDED and (data.get("amount") != attempt.amount_minor or str(data.get("currency", "")).upper() != attempt.currency.upper()):
        log.error("PaymentIntent %s amount %s %s differs from attempt %s", stripe_id, data.get("amount"), data.get("currency"), attempt.public_id)
        raise ValueError(f"PaymentIntent {stripe_id} does not charge the attempt's amount")
    current = await PaymentAttempt.get(id=attempt.id)
    changes: dict[str, Any] = {"stripe_id": stripe_id}
    pm_id = data.get("payment_method")
    if isinstance(pm_id, dict):
        pm_id = pm_id.get("id")
    if pm_id:
        changes["payment_method"] = pm_id
        if not current.card_last4 or current.payment_method != pm_id:
            brand, last4 = await _card_of(pm_id, data, services)
            changes.update(card_brand=brand, card_last4=last4)
    if new_status == FAILED:
        changes["failure_code"], changes["failure_message"] = _failure(data)
    elif new_status == SUCCEEDED:
        changes.update(failure_code="", failure_message="", settled_at=datetime.now(timezone.utc))

    transitioned = False
    if current.status != SUCCEEDED and current.status != new_status:
        transitioned = bool(await PaymentAttempt.filter(id=current.id, status=current.status).update(status=new_status, **changes))
        if transitioned and new_status in (SUCCEEDED, FAILED):
            # Counted on the one transition, however many callers sync the attempt.
            count_payment(PLUGIN, "succeeded" if new_status == SUCCEEDED else "failed")
        if not transitioned:
            current = await PaymentAttempt.get(id=attempt.id)  # another caller moved it first
    if not transitioned and current.status == new_status:
        await PaymentAttempt.filter(id=current.id).update(**{k: v for k, v in changes.items() if k != "settled_at" or not current.settled_at})
    current = await PaymentAttempt.get(id=attempt.id)

    booked: list[tuple[AttemptInvoice, Payment, bool]] = []
    if current.status == SUCCEEDED:
        booked = await _book(current)
    elif current.status == FAILED and transitioned:
        await AttemptInvoice.filter(attempt_id=current.id, result="").update(result=LINE_FAILED)
    elif current.status in (REQUIRES_PAYMENT_METHOD, REQUIRES_ACTION, PROCESSING):
        if await AttemptInvoice.filter(attempt_id=current.id, result=LINE_FAILED).update(result=""):
            await _reclaim(current)
    if current.status in TERMINAL_STATUSES:
        # After booking, so the invoice is paid before anyone may try it again.
        await release_claims(current)

    if transitioned:
        await _announce_transition(current, services)
    for line, payment, settled in booked:
        await _announce_booked(current, line, payment, settled, services)
    _copy(current, attempt)
    return attempt


def _copy(source: PaymentAttempt, target: PaymentAttempt) -> None:
    for name in source._meta.fields_map:
        if hasattr(source, name) and name not in source._meta.fetch_fields:
            setattr(target, name, getattr(source, name))


async def _card_of(pm_id: str, intent: dict, services) -> tuple[str, str]:
    """Brand and last 4 of the card, from the PaymentMethod (localstripe's charges have no card details)."""
    try:
        client = await stripe_client(services)
        method = (await client.v1.payment_methods.retrieve_async(pm_id)).to_dict()
    except stripe.StripeError as exc:
        log.warning("card details of %s not read: %s", pm_id, exc)
        return "", ""
    card = method.get("card") or {}
    return str(card.get("brand") or "")[:20], str(card.get("last4") or "")[:4]


async def _book(attempt: PaymentAttempt) -> list[tuple[AttemptInvoice, Payment, bool]]:
    """One core payment per invoice of a succeeded attempt; the lines booked by this call."""
    booked = []
    for line in await AttemptInvoice.filter(attempt_id=attempt.id, payment_id=None).select_related("invoice"):
        external_id = f"{attempt.stripe_id}:{line.invoice.public_id}"
        fields = dict(
            method="card",
            status="succeeded",
            received_at=attempt.settled_at or datetime.now(timezone.utc),
            reference=f"Card payment {attempt.stripe_id}"[:120],
            card_brand=attempt.card_brand,
            card_last4=attempt.card_last4,
            external_id=external_id,
            source="stripe",
        )
        result, settled = PAID, False
        payment = None
        try:
            for _try in range(5):
                try:
                    payment, settled = await apply_payment(line.invoice, line.amount_minor, **fields)
                    break
                except PaymentRefused as exc:
                    if exc.code == "changed":
                        line.invoice = await Invoice.get(id=line.invoice_id)
                        continue
                    payment, result = await record_unapplied(line.invoice, line.amount_minor, **_unapplied(fields)), NOT_APPLIED
                    break
            else:
                payment, result = await record_unapplied(line.invoice, line.amount_minor, **_unapplied(fields)), NOT_APPLIED
        except IntegrityError:
            # Booked by a concurrent call (return page, webhook, AutoPay): link it, announce nothing.
            payment = await Payment.get(external_id=external_id)
            result = NOT_APPLIED if payment.reference.startswith(UNAPPLIED_PREFIX) else PAID
            await AttemptInvoice.filter(id=line.id, payment_id=None).update(payment_id=payment.id, result=result)
            continue
        updated = await AttemptInvoice.filter(id=line.id, payment_id=None).update(payment_id=payment.id, result=result)
        line.payment, line.result = payment, result
        if updated:
            booked.append((line, payment, settled))
    return booked


UNAPPLIED_PREFIX = "Not applied"


def _unapplied(fields: dict) -> dict:
    return {**fields, "reference": f"{UNAPPLIED_PREFIX} (invoice settled meanwhile): {fields['external_id'].split(':')[0]}"[:120]}


def _actor(attempt: PaymentAttempt) -> tuple[str, str]:
    """(actor_type, actor) of the audit log and ``customer:<email>``/``system`` of events."""
    if attempt.kind == AUTOPAY or not attempt.started_by or attempt.started_by == "autopay":
        return "system", "system"
    return "customer", attempt.started_by


def _event_actor(attempt: PaymentAttempt) -> str:
    kind, who = _actor(attempt)
    return "system" if kind == "system" else f"customer:{who}"


async def _invoice_ids(attempt: PaymentAttempt) -> list[str]:
    return list(await AttemptInvoice.filter(attempt_id=attempt.id).order_by("id").values_list("invoice__public_id", flat=True))


async def _announce_transition(attempt: PaymentAttempt, services) -> None:
    base = dict(
        attempt=attempt.public_id,
        kind=attempt.kind,
        invoices=await _invoice_ids(attempt),
        amount_minor=attempt.amount_minor,
        currency=attempt.currency,
        account=(await CustomerAccount.get(id=attempt.account_id)).public_id,
        payment_intent=attempt.stripe_id,
    )
    actor = _event_actor(attempt)
    if attempt.status == SUCCEEDED:
        await announce(EVENT_SUCCEEDED, attempt.public_id, actor, services=services, card_brand=attempt.card_brand, card_last4=attempt.card_last4, **base)
    elif attempt.status == FAILED:
        await announce(EVENT_FAILED, attempt.public_id, actor, services=services, failure_code=attempt.failure_code, failure_message=attempt.failure_message, **base)
    elif attempt.status == REQUIRES_ACTION:
        await announce(EVENT_REQUIRES_ACTION, attempt.public_id, actor, services=services, **base)


async def _announce_booked(attempt: PaymentAttempt, line: AttemptInvoice, payment: Payment, settled: bool, services) -> None:
    """Core's own events and audit entries for a booked card payment, as the console's are."""
    actor_type, who = _actor(attempt)
    invoice = line.invoice
    await record(
        "payment.recorded", actor_type=actor_type, actor=who, target=payment.public_id,
        invoice=invoice.public_id, amount_minor=payment.amount_minor, method="card",
        reference=payment.reference, attempt=attempt.public_id, applied=line.result == PAID,
    )
    actor = _event_actor(attempt)
    await announce(
        "payment.recorded", payment.public_id, actor, services=services, invoice=invoice.public_id,
        amount_minor=payment.amount_minor, currency=payment.currency, method="card", attempt=attempt.public_id,
    )
    if settled:
        await record("invoice.paid", actor_type=actor_type, actor=who, target=invoice.public_id, number=invoice.number)
        await announce("invoice.paid", invoice.public_id, actor, services=services, number=invoice.number, total_minor=invoice.total_minor)


async def refresh_attempt(attempt: PaymentAttempt, *, services=None) -> PaymentAttempt:
    """Read the attempt's PaymentIntent from Stripe now and :func:`sync_attempt` it (return page, webhooks)."""
    if not attempt.stripe_id or attempt.stripe_id.startswith("creating:"):
        return attempt
    client = await stripe_client(services)
    intent = await client.v1.payment_intents.retrieve_async(attempt.stripe_id)
    return await sync_attempt(attempt, intent, services=services)

