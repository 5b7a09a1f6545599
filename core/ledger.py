"""The one way money is booked against invoices: payments and refunds.

Staff recording a cheque in the console and a payments plugin settling a
card charge both call :func:`apply_payment`, so an invoice's ``paid_minor``
and status move the same way whoever takes the money:

* the :class:`~core.models.billing.Payment` row and the invoice's new
  ``paid_minor`` are written in one transaction;
* the invoice is updated only if nobody changed it since it was read (a
  conditional UPDATE on ``paid_minor``), so two payments at once cannot
  lose one; the loser gets :class:`PaymentRefused` with code ``changed``
  and may simply try again;
* a payment's ``external_id`` is unique per tenant: the same payment
  applied twice (a double submit, a replayed webhook) raises Tortoise's
  ``IntegrityError`` and the invoice is left as it was.

:func:`apply_refund` records money given back on a payment
(``refunded_minor`` and the status ``partially_refunded``/``refunded``).
A refund does not reopen the invoice: the statement and the payments list
show the refunded amount, and staff decide what the customer still owes.

Neither function announces events or writes the audit log: the caller knows
who acted and says so (``core.audit.record``, ``porchside_event``).
"""

from __future__ import annotations

from typing import Any

from datetime import datetime, timezone

from tortoise.transactions import in_transaction

from core.i18n import SOURCE_LANGUAGE, language, lazy_gettext
from core.models.billing import Invoice, Payment
from core.web.rendering import format_money
from tenants.context import current_tenant


class PaymentRefused(Exception):
    """The payment cannot be applied; the message says why, ``code`` says it for programs.

    Codes: ``not_open`` (draft, paid or void invoice), ``over_balance``,
    ``changed`` (the invoice changed between read and write: read it again
    and retry), ``invalid_amount``.
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


class RefundRefused(Exception):
    """The refund cannot be recorded; ``code`` is ``invalid_amount`` or ``over_refundable``."""

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


async def apply_payment(invoice: Invoice, amount: int, **fields) -> tuple[Payment, bool]:
    """Record a payment of ``amount`` (minor units) on ``invoice`` and raise its paid amount.

    ``fields`` go to the :class:`Payment` (``method``, ``status``,
    ``received_at``, ``reference``, ``external_id``, ``source``,
    ``card_brand``, ``card_last4``...); account and currency come from the
    invoice.

    :return: the payment and whether it settled the invoice (status ``paid``).
    :raises PaymentRefused: not open, more than the balance, or changed meanwhile.
    :raises tortoise.exceptions.IntegrityError: a payment with this
        ``external_id`` exists already; nothing was changed.
    """
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise PaymentRefused("invalid_amount", lazy_gettext("Enter an amount greater than zero."))
    async with in_transaction():
        current = await Invoice.get(id=invoice.id)
        if current.status != "open":
            raise PaymentRefused("not_open", lazy_gettext("Only an open invoice can take a payment."))
        if amount > current.balance_minor:
            balance = format_money(current.balance_minor, current.currency, current_tenant())
            raise PaymentRefused("over_balance", lazy_gettext("That is more than the balance of %(balance)s. Record at most the balance.", balance=balance))
        paid = current.paid_minor + amount
        settled = paid >= current.total_minor
        updated = await Invoice.filter(id=current.id, status="open", paid_minor=current.paid_minor).update(
            paid_minor=paid, status="paid" if settled else "open", updated_at=datetime.now(timezone.utc)
        )
        if not updated:
            raise PaymentRefused("changed", lazy_gettext("The invoice changed meanwhile. Reload the page and check its balance."))
        payment = await Payment.create(
            account_id=current.account_id, invoice_id=current.id, amount_minor=amount, currency=current.currency, **fields
        )
    invoice.paid_minor, invoice.status = paid, "paid" if settled else "open"
    return payment, settled


async def record_unapplied(invoice: Invoice, amount: int, **fields) -> Payment:
    """Record money received for ``invoice`` that it can no longer take (paid or voided meanwhile).

    The payment is kept (the customer did pay, and the payments list and
    statement must say so) but the invoice is left as it is: staff refund
    it or apply it by hand. Same ``fields`` and ``IntegrityError`` as
    :func:`apply_payment`.
    """
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise PaymentRefused("invalid_amount", lazy_gettext("Enter an amount greater than zero."))
    return await Payment.create(
        account_id=invoice.account_id, invoice_id=invoice.id, amount_minor=amount, currency=invoice.currency, **fields
    )


def refund_status(payment: Payment, refunded: int) -> str:
    """The status a payment gets once ``refunded`` of it was given back."""
    if refunded <= 0:
        return payment.status
    return "refunded" if refunded >= payment.amount_minor else "partially_refunded"


async def apply_refund(payment: Payment, amount: int, *, total: bool = False) -> tuple[Payment, int]:
    """Record money given back on ``payment``.

    By default ``amount`` is one more refund (refused above what is left to
    refund). With ``total=True`` it is the whole amount refunded so far, as
    a payment processor reports it (Stripe's ``charge.amount_refunded``):
    the payment's ``refunded_minor`` becomes that amount unless it is
    already as high, so reports arriving late or twice change nothing, and
    a refund staff already recorded is not counted again.

    A ``disputed`` payment keeps that status (the dispute is what staff
    must see); otherwise the status becomes ``partially_refunded`` or
    ``refunded``.

    :return: the payment as saved and how much was added now (0: nothing new).
    :raises RefundRefused: a zero or negative amount, or more than was paid.
    """
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0 or (amount == 0 and not total):
        raise RefundRefused("invalid_amount", lazy_gettext("Enter an amount greater than zero."))
    async with in_transaction():
        for _ in range(5):
            current = await Payment.get(id=payment.id)
            target = amount if total else current.refunded_minor + amount
            if target > current.amount_minor:
                if total:
                    target = current.amount_minor
                else:
                    left = format_money(current.amount_minor - current.refunded_minor, current.currency, current_tenant())
                    raise RefundRefused("over_refundable", lazy_gettext("That is more than is left to refund (%(left)s).", left=left))
            if target <= current.refunded_minor:
                return current, 0
            status = current.status if current.status == "disputed" else refund_status(current, target)
            updated = await Payment.filter(id=current.id, refunded_minor=current.refunded_minor).update(
                refunded_minor=target, status=status
            )
            if updated:
                added = target - current.refunded_minor
                current.refunded_minor, current.status = target, status
                return current, added
    raise RefundRefused("changed", lazy_gettext("The payment changed meanwhile. Reload the page and try again."))
