"""Stripe webhooks: ``POST /payments/webhooks/stripe`` on each tenant's own address.

Stripe (and localstripe) sign every delivery with the endpoint's secret;
the tenant saves that secret in the plugin's settings. A delivery is
applied only when:

1. its ``Stripe-Signature`` matches the body with the tenant's secret and
   its timestamp is at most five minutes old; otherwise 400
   ``bad_signature`` and nothing changes;
2. it is about this tenant: localstripe (like a Stripe platform account)
   sends every event to every endpoint, so an event whose metadata names
   another tenant, or whose payment this tenant does not have, is answered
   200 ``ignored`` and not recorded;
3. its event id is new here: each id is recorded once
   (:class:`~plugins.payments.models.WebhookEvent`), so a replay is 200
   ``duplicate`` and changes nothing.

Handled events, each written so that any order gives the same final state:

* ``payment_intent.succeeded`` / ``payment_intent.payment_failed``: the
  PaymentIntent is read again from Stripe and the attempt synced
  (:func:`plugins.payments.settle.sync_attempt`), so an old event cannot
  undo a newer state;
* ``charge.refunded``: ``amount_refunded`` is the charge's refunded total,
  booked with :func:`core.ledger.apply_refund` as a total, so a refund
  staff already recorded from the console is not counted twice; on a
  charge for several invoices the new part is spread over their payments
  in order;
* ``charge.dispute.created``: a :class:`~plugins.payments.models.Dispute`
  row and the payments' status ``disputed``; ``payment.disputed`` is
  announced once.

Other event types are answered 200 ``unhandled``. The endpoint needs no
sign-in and no CSRF token (the signature is the proof) and stays open
while the tenant's portal is switched off, so money in flight still
settles.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import stripe
from quart import Blueprint, g, jsonify, request
from tortoise.exceptions import IntegrityError

from core import public
from core.audit import record
from core.ledger import apply_refund
from core.metrics import count_webhook
from core.models.billing import Payment
from core.plugin_state import announce
from core.web.security import csrf_exempt
from plugins.payments.models import Dispute, PaymentAttempt, WebhookEvent
from plugins.payments.settings import payment_settings
from plugins.payments.settle import refresh_attempt
from plugins.payments.stripe_api import stripe_client

log = logging.getLogger("porchside.payments")

TOLERANCE = 300  # seconds: older signatures are refused (replays of captured requests)
MAX_BODY = 512 * 1024

PAYMENT_EVENTS = ("payment_intent.succeeded", "payment_intent.payment_failed")
REFUNDED = "charge.refunded"
DISPUTE_CREATED = "charge.dispute.created"
HANDLED = (*PAYMENT_EVENTS, REFUNDED, DISPUTE_CREATED)

blueprint = Blueprint("payments_webhooks", __name__)
blueprint.portal_section = None  # type: ignore[attr-defined]


class Ignored(Exception):
    """The event is not about this tenant: answer 200 and record nothing."""


def _error(status: int, code: str, message: str):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


@blueprint.post("/payments/webhooks/stripe")
@public  # Stripe signs the request; there is no session to ask for
@csrf_exempt
async def stripe_webhook():
    response = await _receive()
    # Counted through core's metrics API (porchside_webhooks_total).
    count_webhook("in", "stripe", "accepted" if response.status_code < 400 else "rejected")
    return response


async def _receive():
    settings = await payment_settings()
    if not settings.connected or not settings.webhook_secret:
        return _error(400, "not_configured", "Stripe webhooks are not set up for this business.")
    if (request.content_length or 0) > MAX_BODY:
        return _error(400, "too_large", "The event is too large.")
    payload = await request.get_data()
    signature = request.headers.get("Stripe-Signature", "")
    try:
        stripe.Webhook.construct_event(payload, signature, settings.webhook_secret, tolerance=TOLERANCE)
        event = json.loads(payload)
    except stripe.SignatureVerificationError:
        return _error(400, "bad_signature", "The Stripe signature is missing, wrong or too old.")
    except ValueError:
        return _error(400, "bad_payload", "The body is not a Stripe event.")
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("data"), dict):
        return _error(400, "bad_payload", "The body is not a Stripe event.")

    event_type = str(event.get("type", ""))
    obj = event["data"].get("object") or {}
    if not isinstance(obj, dict):
        return _error(400, "bad_payload", "The body is not a Stripe event.")
    tenant_slug = (obj.get("metadata") or {}).get("tenant") if isinstance(obj.get("metadata"), dict) else None
    if tenant_slug and tenant_slug != g.tenant.slug:
        return jsonify({"result": "ignored"})
    if await WebhookEvent.filter(stripe_id=event["id"]).exists():
        return jsonify({"result": "duplicate"})
    if event_type not in HANDLED:
        return jsonify({"result": "unhandled"})

    try:
        row = await WebhookEvent.create(stripe_id=event["id"][:255], type=event_type[:100], livemode=bool(event.get("livemode")), result="applying")
    except IntegrityError:
        return jsonify({"result": "duplicate"})  # the same event delivered twice at once
    try:
        result = await _apply(event_type, obj)
    except Ignored:
        await row.delete()
        return jsonify({"result": "ignored"})
    except Exception:
        # Let Stripe retry later: forget the event so its next delivery is applied.
        log.exception("Stripe event %s (%s) could not be applied", event["id"], event_type)
        await row.delete()
        return _error(503, "try_again", "The event could not be applied now; Stripe will send it again.")
    row.result = result[:40]
    await row.save(update_fields=["result"])
    return jsonify({"result": "applied", "outcome": result})


async def _apply(event_type: str, obj: dict) -> str:
    if event_type in PAYMENT_EVENTS:
        return await _payment_intent(obj)
    if event_type == REFUNDED:
        return await _refunded(obj)
    return await _dispute(obj)


async def _attempt_of(intent_id: Any) -> PaymentAttempt:
    attempt = await PaymentAttempt.get_or_none(stripe_id=intent_id) if isinstance(intent_id, str) and intent_id else None
    if attempt is None:
        raise Ignored()  # not a payment of this tenant (or not made through Porchside)
    return attempt


async def _payment_intent(intent: dict) -> str:
    attempt = await _attempt_of(intent.get("id"))
    attempt = await refresh_attempt(attempt)  # Stripe's state now, not the event's
    return attempt.status


async def _payments_of(intent_id: str) -> list[Payment]:
    return list(await Payment.filter(external_id__startswith=f"{intent_id}:", source="stripe").order_by("id"))


async def _refunded(charge: dict) -> str:
    intent_id = charge.get("payment_intent")
    attempt = await _attempt_of(intent_id)
    payments = await _payments_of(attempt.stripe_id)
    if not payments:
        return "no_payment"
    refunded_total = charge.get("amount_refunded")
    if not isinstance(refunded_total, int) or refunded_total < 0:
        raise ValueError("charge.amount_refunded is missing")
    known = sum(p.refunded_minor for p in payments)
    extra = refunded_total - known
    if extra <= 0:
        return "already_recorded"
    for payment in payments:
        room = payment.amount_minor - payment.refunded_minor
        share = min(room, extra)
        if share <= 0:
            continue
        payment, added = await apply_refund(payment, payment.refunded_minor + share, total=True)
        extra -= added
        if added:
            await record(
                "payment.refunded", actor_type="system", actor="stripe", target=payment.public_id,
                amount_minor=added, refunded_minor=payment.refunded_minor, charge=charge.get("id", ""),
            )
            await announce(
                "payment.refunded", payment.public_id, "system",
                amount_minor=added, refunded_minor=payment.refunded_minor, currency=payment.currency,
                attempt=attempt.public_id, invoice=await _invoice_public_id(payment), source="stripe",
            )
        if extra <= 0:
            break
    return "refunded"


async def _invoice_public_id(payment: Payment) -> str:
    if payment.invoice_id is None:
        return ""
    from core.models.billing import Invoice

    return await Invoice.filter(id=payment.invoice_id).first().values_list("public_id", flat=True) or ""


async def _dispute(dispute: dict) -> str:
    intent_id = dispute.get("payment_intent")
    if not intent_id and dispute.get("charge"):
        client = await stripe_client()
        charge = (await client.v1.charges.retrieve_async(str(dispute["charge"]))).to_dict()
        intent_id = charge.get("payment_intent")
    attempt = await _attempt_of(intent_id)
    payments = await _payments_of(attempt.stripe_id)
    amount = dispute.get("amount")
    try:
        row, created = await Dispute.get_or_create(
            stripe_id=str(dispute.get("id", ""))[:255],
            defaults=dict(
                payment_id=payments[0].id if payments else None,
                amount_minor=amount if isinstance(amount, int) else attempt.amount_minor,
                currency=str(dispute.get("currency") or attempt.currency).upper()[:3],
                reason=str(dispute.get("reason") or "")[:60],
                status=str(dispute.get("status") or "")[:40],
            ),
        )
    except IntegrityError:
        return "already_recorded"
    if not created:
        return "already_recorded"
    if payments:
        await Payment.filter(id__in=[p.id for p in payments]).update(status="disputed")
    await record(
        "payment.disputed", actor_type="system", actor="stripe", target=row.public_id,
        payments=[p.public_id for p in payments], amount_minor=row.amount_minor, reason=row.reason,
    )
    await announce(
        "payment.disputed", row.public_id, "system",
        attempt=attempt.public_id, payments=[p.public_id for p in payments], amount_minor=row.amount_minor,
        currency=row.currency, reason=row.reason, account=None,
    )
    return "disputed"


@blueprint.record
def _open_while_portal_off(state) -> None:
    """Deliveries keep arriving while the tenant's portal is switched off: money in flight must settle."""
    for rule in state.app.url_map.iter_rules():
        if rule.endpoint == f"{state.blueprint.name}.stripe_webhook":
            rule.host_open_when_portal_off = True


BLUEPRINTS = [blueprint]
