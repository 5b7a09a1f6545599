"""The payments plugin's API resources (read only), declared through ``porchside_api_resources``.

* ``card_payments``: every attempt at taking a card payment (portal or
  AutoPay), with its status, the card's brand and last four digits, the
  failure reason and the invoices it pays. Settled attempts also appear in
  core's ``payments`` as the payments they became.
* ``autopay``: each customer's AutoPay state (on or off, since when and who
  changed it) and the default card. Only customers who have a Stripe
  customer (saved a card or paid by card) are listed.

Nothing here writes: card data stays with Stripe and the customer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from core.api.references import public_ids
from core.api.resources import ApiModel, ApiResource, Filter
from core.i18n import lazy_gettext
from core.models.billing import Invoice, Payment
from core.models.customers import CustomerAccount
from plugins.payments.models import ATTEMPT_KINDS, ATTEMPT_STATUSES, AttemptInvoice, PaymentAttempt, SavedCard, StripeCustomer


class PaidInvoice(ApiModel):
    invoice: str
    amount_minor: int
    payment: str | None = Field(description="The core payment it became, once settled.")


class CardPaymentOut(ApiModel):
    """One try at taking a card payment for one or more invoices."""

    id: str = Field(description="Public id, starts with att_.")
    object: Literal["card_payment"] = "card_payment"
    customer: str
    kind: Literal[ATTEMPT_KINDS]  # type: ignore[valid-type]
    status: Literal[ATTEMPT_STATUSES]  # type: ignore[valid-type]
    amount_minor: int
    currency: str
    card_brand: str
    card_last4: str
    failure_code: str
    failure_message: str
    started_by: str = Field(description="The customer's address, or autopay.")
    invoices: list[PaidInvoice]
    settled_at: datetime | None
    created_at: datetime
    updated_at: datetime


async def prepare_attempts(rows: list[PaymentAttempt]) -> None:
    accounts = await public_ids(CustomerAccount, {r.account_id for r in rows})
    lines = list(await AttemptInvoice.filter(attempt_id__in=[r.id for r in rows]).order_by("id"))
    invoices = await public_ids(Invoice, {line.invoice_id for line in lines})
    payments = await public_ids(Payment, {line.payment_id for line in lines})
    by_attempt: dict[int, list[dict[str, Any]]] = {r.id: [] for r in rows}
    for line in lines:
        by_attempt[line.attempt_id].append({"invoice": invoices.get(line.invoice_id, ""), "amount_minor": line.amount_minor, "payment": payments.get(line.payment_id)})
    for row in rows:
        row._api_customer = accounts.get(row.account_id, "")  # type: ignore[attr-defined]
        row._api_invoices = by_attempt[row.id]  # type: ignore[attr-defined]


def serialize_attempt(row: PaymentAttempt) -> dict[str, Any]:
    return {
        "id": row.public_id, "customer": row._api_customer, "kind": row.kind, "status": row.status,  # type: ignore[attr-defined]
        "amount_minor": row.amount_minor, "currency": row.currency, "card_brand": row.card_brand, "card_last4": row.card_last4,
        "failure_code": row.failure_code, "failure_message": row.failure_message, "started_by": row.started_by,
        "invoices": row._api_invoices, "settled_at": row.settled_at,  # type: ignore[attr-defined]
        "created_at": row.created_at, "updated_at": row.updated_at,
    }


class DefaultCard(ApiModel):
    brand: str
    last4: str
    exp_month: int
    exp_year: int


class AutopayOut(ApiModel):
    """A customer's AutoPay state and default card."""

    id: str = Field(description="Public id, starts with scu_.")
    object: Literal["autopay"] = "autopay"
    customer: str
    enabled: bool
    changed_at: datetime | None
    changed_by: str
    default_card: DefaultCard | None
    created_at: datetime


async def prepare_autopay(rows: list[StripeCustomer]) -> None:
    accounts = await public_ids(CustomerAccount, {r.account_id for r in rows})
    cards = {c.account_id: c for c in await SavedCard.filter(account_id__in=[r.account_id for r in rows], is_default=True)}
    for row in rows:
        row._api_customer = accounts.get(row.account_id, "")  # type: ignore[attr-defined]
        card = cards.get(row.account_id)
        row._api_card = {"brand": card.brand, "last4": card.last4, "exp_month": card.exp_month, "exp_year": card.exp_year} if card else None  # type: ignore[attr-defined]


def serialize_autopay(row: StripeCustomer) -> dict[str, Any]:
    return {
        "id": row.public_id, "customer": row._api_customer, "enabled": row.autopay, "changed_at": row.autopay_changed_at,  # type: ignore[attr-defined]
        "changed_by": row.autopay_changed_by, "default_card": row._api_card, "created_at": row.created_at,  # type: ignore[attr-defined]
    }


CARD_PAYMENTS = ApiResource(
    name="card_payments",
    object="card_payment",
    model=PaymentAttempt,
    schema=CardPaymentOut,
    serialize=serialize_attempt,
    prepare=prepare_attempts,
    filters=(
        Filter("customer", "account__public_id", description="Card payments of this customer account."),
        Filter("status", "status", description="created, requires_payment_method, requires_action, processing, succeeded, failed, canceled."),
        Filter("kind", "kind", description="card (in the portal) or autopay."),
    ),
    title=lazy_gettext("Card payments"),
    description=lazy_gettext("Card payments taken in the portal or by AutoPay (read only; the payments plugin)."),
    order=210,
)

AUTOPAY = ApiResource(
    name="autopay",
    object="autopay",
    model=StripeCustomer,
    schema=AutopayOut,
    serialize=serialize_autopay,
    prepare=prepare_autopay,
    filters=(
        Filter("customer", "account__public_id", description="The AutoPay state of this customer account."),
        Filter("enabled", "autopay", kind="boolean", description="true: customers with AutoPay on."),
    ),
    title=lazy_gettext("AutoPay"),
    description=lazy_gettext("Each customer's AutoPay state and default card (read only; the payments plugin). updated_since filters by creation time."),
    order=220,
)

API_RESOURCES = [CARD_PAYMENTS, AUTOPAY]
