"""core.ledger: the one way payments and refunds are booked (console and card payments alike)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from tortoise.exceptions import IntegrityError

from core.ledger import PaymentRefused, RefundRefused, apply_payment, apply_refund
from core.models.billing import Invoice, Payment


def fields(external_id: str) -> dict:
    return dict(method="card", status="succeeded", received_at=datetime.now(timezone.utc), external_id=external_id, source="stripe")


async def test_apply_payment_settles_and_refuses_twice(tenant, pat, portal_data, in_tenant):
    invoice = await portal_data.invoice(pat, lines=(("Service", 1000, 10000),))
    with in_tenant(tenant):
        part, settled = await apply_payment(invoice, 4000, **fields("pi_1:a"))
        assert not settled and (await Invoice.get(id=invoice.id)).paid_minor == 4000
        with pytest.raises(PaymentRefused) as refused:
            await apply_payment(invoice, 7000, **fields("pi_1:b"))
        assert refused.value.code == "over_balance"
        with pytest.raises(IntegrityError):
            await apply_payment(invoice, 1000, **fields("pi_1:a"))  # the same payment again
        assert (await Invoice.get(id=invoice.id)).paid_minor == 4000
        rest, settled = await apply_payment(invoice, 6000, **fields("pi_1:c"))
        assert settled and (await Invoice.get(id=invoice.id)).status == "paid"
        with pytest.raises(PaymentRefused) as refused:
            await apply_payment(invoice, 1, **fields("pi_1:d"))
        assert refused.value.code == "not_open"
        with pytest.raises(PaymentRefused) as refused:
            await apply_payment(invoice, 0, **fields("pi_1:e"))
        assert refused.value.code == "invalid_amount"
        assert await Payment.all().count() == 2


async def test_refunds_by_delta_and_by_total_never_count_twice(tenant, pat, portal_data, in_tenant):
    invoice = await portal_data.invoice(pat, lines=(("Service", 1000, 10000),))
    with in_tenant(tenant):
        payment, _ = await apply_payment(invoice, 10000, **fields("pi_2:a"))
        payment, added = await apply_refund(payment, 2500)  # staff refunded 25.00 from the console
        assert (payment.refunded_minor, payment.status, added) == (2500, "partially_refunded", 2500)
        payment, added = await apply_refund(payment, 2500, total=True)  # Stripe reports it: nothing new
        assert (payment.refunded_minor, added) == (2500, 0)
        payment, added = await apply_refund(payment, 1000, total=True)  # an older report, late
        assert (payment.refunded_minor, added) == (2500, 0)
        with pytest.raises(RefundRefused) as refused:
            await apply_refund(payment, 9000)
        assert refused.value.code == "over_refundable"
        payment, added = await apply_refund(payment, 10000, total=True)
        assert (payment.refunded_minor, payment.status, added) == (10000, "refunded", 7500)
        stored = await Payment.get(id=payment.id)
        assert (stored.refunded_minor, stored.status) == (10000, "refunded")
        assert (await Invoice.get(id=invoice.id)).status == "paid"  # a refund does not reopen the invoice
