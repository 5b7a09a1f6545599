"""The ``payments`` resource: money received, listed; payments taken elsewhere, recorded.

Recording goes through :func:`core.ledger.apply_payment`, the one way money
is booked (the invoice's paid amount and status move as when staff record
a cheque). Card payments arrive from the payments plugin, not from here.

**External ids.** ``Payment.external_id`` is also the de-duplication key of
the console (``staff:<form key>``) and of Stripe settlement
(``<payment intent>:<invoice>``). An integrator's id is stored under the
prefix ``api:`` so it can never clash with those, and ``external_id`` in the
representation is the integrator's id (without the prefix) on payments
recorded through the API and null on the others. Recording a second
payment with an external id already used is 409 ``external_id_taken``, so
a sync that sends its payments again records each once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, Field
from tortoise.exceptions import IntegrityError

from core import plugin_state
from core.api.errors import ApiError
from core.api.fields import ExternalId, PublicId, text
from core.api.references import public_ids, referenced
from core.api.resources import ApiContext, ApiModel, ApiResource, Filter
from core.i18n import lazy_gettext
from core.ledger import PaymentRefused, apply_payment
from core.models.billing import PAYMENT_METHODS, PAYMENT_STATUSES, Invoice, Payment
from core.models.customers import CustomerAccount

PREFIX = "api:"
RECORDED_METHODS = tuple(m for m in PAYMENT_METHODS if m != "card")  # cards come from the payments plugin


class PaymentOut(ApiModel):
    """Money received from a customer, by any method (card payments included)."""

    id: str = Field(description="Public id, starts with pay_.")
    object: Literal["payment"] = "payment"
    customer: str
    invoice: str | None
    amount_minor: int
    refunded_minor: int
    currency: str
    method: Literal[PAYMENT_METHODS]  # type: ignore[valid-type]
    status: Literal[PAYMENT_STATUSES]  # type: ignore[valid-type]
    received_at: datetime
    reference: str
    card_brand: str
    card_last4: str
    source: str = Field(description="Who recorded it: staff, stripe, api...")
    external_id: str | None = Field(description="Your id, on payments recorded through the API.")
    created_at: datetime


class PaymentCreate(ApiModel):
    invoice: PublicId
    amount_minor: int = Field(ge=1, le=10**12, description="At most the invoice's balance.")
    currency: str | None = Field(default=None, description="If sent, must be the invoice's currency.")
    method: Literal[RECORDED_METHODS]  # type: ignore[valid-type]
    received_at: AwareDatetime | None = Field(default=None, description="Defaults to now.")
    reference: text(120) = ""  # type: ignore[valid-type]
    external_id: ExternalId | None = None


async def prepare(rows: list[Payment]) -> None:
    accounts = await public_ids(CustomerAccount, {r.account_id for r in rows})
    invoices = await public_ids(Invoice, {r.invoice_id for r in rows})
    for row in rows:
        row._api_customer = accounts.get(row.account_id, "")  # type: ignore[attr-defined]
        row._api_invoice = invoices.get(row.invoice_id)  # type: ignore[attr-defined]


def serialize(row: Payment) -> dict[str, Any]:
    ours = row.external_id[len(PREFIX):] if row.external_id and row.external_id.startswith(PREFIX) else None
    return {
        "id": row.public_id, "customer": row._api_customer, "invoice": row._api_invoice,  # type: ignore[attr-defined]
        "amount_minor": row.amount_minor, "refunded_minor": row.refunded_minor, "currency": row.currency,
        "method": row.method, "status": row.status, "received_at": row.received_at, "reference": row.reference,
        "card_brand": row.card_brand, "card_last4": row.card_last4, "source": row.source, "external_id": ours,
        "created_at": row.created_at,
    }


async def create(ctx: ApiContext, data: PaymentCreate) -> Payment:
    invoice = await referenced(Invoice, data.invoice, "invoice", "invoice")
    if data.currency is not None and data.currency != invoice.currency:
        raise ApiError(422, "validation_failed", f"The invoice is in {invoice.currency}.", param="currency")
    fields: dict[str, Any] = {"method": data.method, "status": "succeeded", "reference": data.reference, "source": "api"}
    fields["received_at"] = data.received_at or datetime.now().astimezone()
    fields["external_id"] = PREFIX + data.external_id if data.external_id else None
    try:
        payment, settled = await apply_payment(invoice, data.amount_minor, **fields)
    except PaymentRefused as exc:
        status = 409 if exc.code in ("not_open", "changed") else 422
        raise ApiError(status, exc.code if status == 409 else "validation_failed", exc.english, param="amount_minor" if status == 422 else "invoice") from None
    except IntegrityError:
        raise ApiError(409, "external_id_taken", "A payment with this external id was recorded already.", param="external_id") from None
    actor = f"api:{ctx.caller.actor}"
    await plugin_state.announce("payment.recorded", payment.public_id, actor, invoice=invoice.public_id, amount_minor=payment.amount_minor, currency=payment.currency, method=payment.method)
    if settled:
        await plugin_state.announce("invoice.paid", invoice.public_id, actor, number=invoice.number, total_minor=invoice.total_minor)
    return payment


RESOURCE = ApiResource(
    name="payments",
    object="payment",
    model=Payment,
    schema=PaymentOut,
    serialize=serialize,
    prepare=prepare,
    create_schema=PaymentCreate,
    create=create,
    filters=(
        Filter("customer", "account__public_id", description="Payments of this customer account."),
        Filter("invoice", "invoice__public_id", description="Payments of this invoice."),
        Filter("method", "method", description="card, cash, cheque, bank or other."),
        Filter("source", "source", description="staff, stripe, api..."),
    ),
    title=lazy_gettext("Payments"),
    description=lazy_gettext("Payments: every payment is listed (cards too); record cash, cheque and bank payments taken elsewhere. updated_since filters by the time recorded."),
    order=80,
    external_id_prefix=PREFIX,
)
