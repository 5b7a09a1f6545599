"""Payments staff record by hand: cash, cheque, bank transfer, other (S6, I6).

Recording a payment goes through :func:`core.ledger.apply_payment`, the
one way money is booked (card payments of a payments plugin use it too): a
:class:`~core.models.billing.Payment` and the invoice's new ``paid_minor``
in one transaction; the invoice becomes ``paid`` when its balance reaches
zero. More than the balance is refused with a clear message. The invoice is
updated only if nobody changed it since it was read, so two people
recording at once cannot lose a payment.

Each form carries a random key kept as the payment's ``external_id``
(``staff:<key>``, unique per tenant), so submitting the same form twice (a
double click, a reload) records one payment. Plugins hear
``payment.recorded``, and ``invoice.paid`` when it settles the invoice.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from quart import Blueprint, g, request
from tortoise.exceptions import IntegrityError

from core.audit import record
from core.console.access import staff_required
from core.console.form_fields import FormReader
from core.console.invoices import STAFF_METHODS, announce, detail_page, invoice_or_404, to_invoice
from core.console.jobs import actor
from core.i18n import gettext as _
from core.ledger import PaymentRefused, apply_payment
from core.models.billing import Payment
from core.web.rendering import tenant_today

blueprint = Blueprint("payments", __name__)

KEY_PREFIX = "staff:"
_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _received_at(day: date) -> datetime:
    """Now for today; midday in the business's zone for another day (its date never shifts)."""
    tenant = g.tenant
    if day == tenant_today(tenant):
        return datetime.now(timezone.utc)
    return datetime.combine(day, time(12), tzinfo=ZoneInfo(tenant.timezone)).astimezone(timezone.utc)


@blueprint.post("/invoices/<invoice_id>/payments")
@staff_required("back_office")
async def record_payment(invoice_id: str):
    invoice = await invoice_or_404(invoice_id)
    reader = FormReader(await request.form, g.tenant)
    key = reader.raw("payment_key")
    if not _KEY.match(key):
        key = secrets.token_urlsafe(16)  # no key sent: no double-submit protection, but still one payment
    external_id = KEY_PREFIX + key
    if await Payment.filter(external_id=external_id).exists():
        return to_invoice(invoice, "already_recorded", "payments")
    amount = reader.amount("amount", currency=invoice.currency)
    if amount is not None and amount <= 0:
        reader.fail("amount", _("Enter an amount greater than zero."))
    method = reader.choice("method", _("how it was paid"), STAFF_METHODS)
    day = reader.local_date("received_on", _("The date received"), required=True)
    if day is not None and day > tenant_today(g.tenant):
        reader.fail("received_on", _("The date received cannot be in the future."))
    reference = reader.text("reference", _("The reference"), max_length=120)
    if reader.errors:
        return await detail_page(invoice, reader.values, reader.errors, 400)
    try:
        payment, settled = await apply_payment(
            invoice, amount, method=method, status="succeeded", received_at=_received_at(day),
            reference=reference, external_id=external_id, source="staff",
        )
    except PaymentRefused as exc:
        return await detail_page(invoice, reader.values, {"amount": str(exc)}, 400)
    except IntegrityError:
        # The same form, submitted twice at once: the other request recorded it.
        return to_invoice(invoice, "already_recorded", "payments")
    await record(
        "payment.recorded", actor_type="staff", actor=actor(), target=payment.public_id,
        invoice=invoice.public_id, amount_minor=amount, method=method, reference=reference,
    )
    await announce("payment.recorded", payment.public_id, invoice=invoice.public_id, amount_minor=amount, currency=payment.currency, method=method)
    if settled:
        await record("invoice.paid", actor_type="staff", actor=actor(), target=invoice.public_id, number=invoice.number)
        await announce("invoice.paid", invoice.public_id, number=invoice.number, total_minor=invoice.total_minor)
    return to_invoice(invoice, "payment_recorded", "payments")
