"""What the payments plugin keeps beside core's invoices and payments.

Stripe holds the cards and moves the money; these rows are what Porchside
must know without asking Stripe, and what makes every charge happen once:

* :class:`StripeCustomer`: the Stripe customer of a customer account, with
  its AutoPay switch and default card.
* :class:`SavedCard`: a mirror of the account's cards on file (brand, last 4,
  expiry), so lists and AutoPay eligibility need no API call.
* :class:`PaymentAttempt`: one try at taking money, for one or several
  invoices (:class:`AttemptInvoice`). Its ``key`` is unique per tenant and is
  the idempotency key sent to Stripe; localstripe ignores idempotency keys,
  so this unique row is what stops a double click or a retried job from
  charging twice. AutoPay attempts also carry ``autopay_key``
  (``<invoice public id>:<try number>``), unique per tenant: a scheduled run
  that finds the row already there charges nothing. ``stripe_key``, the
  idempotency key sent to Stripe, is derived from the tenant, the invoices,
  their amounts and how many charges they had before, so two attempts for the
  same invoices and amount ask Stripe for the same PaymentIntent.
* One invoice is in at most one *live* attempt: while an attempt is not
  settled, each of its :class:`AttemptInvoice` lines holds ``live_invoice``
  (the invoice), unique per tenant, and gives it back when the attempt
  succeeds, fails or is abandoned. Two tabs, the pay-many form and AutoPay
  therefore cannot charge one invoice twice: the database refuses the second.
* :class:`WebhookEvent`: each Stripe event id applied once per tenant.
* :class:`Dispute`: a chargeback on a card payment.

Card payments themselves become core :class:`~core.models.billing.Payment`
rows (``method="card"``, ``external_id="<payment intent id>:<invoice public
id>"``), so the portal's Payments page, the statement and the CSV show them
like any other payment. Money is integer minor units.
"""

from __future__ import annotations

from tortoise import fields

from core.models.base import TenantModel

# PaymentAttempt.status
CREATED = "created"  # row saved, Stripe not asked yet
REQUIRES_PAYMENT_METHOD = "requires_payment_method"  # waiting for the card in the browser
REQUIRES_ACTION = "requires_action"  # the bank wants the customer to authenticate
PROCESSING = "processing"
SUCCEEDED = "succeeded"
FAILED = "failed"
CANCELED = "canceled"
ATTEMPT_STATUSES = (CREATED, REQUIRES_PAYMENT_METHOD, REQUIRES_ACTION, PROCESSING, SUCCEEDED, FAILED, CANCELED)
OPEN_ATTEMPT_STATUSES = (CREATED, REQUIRES_PAYMENT_METHOD, REQUIRES_ACTION, PROCESSING)

# PaymentAttempt.kind
ON_SESSION = "card"  # the customer pays in the portal
AUTOPAY = "autopay"  # charged off-session by the AutoPay job
ATTEMPT_KINDS = (ON_SESSION, AUTOPAY)


class StripeCustomer(TenantModel):
    """The Stripe customer behind one customer account, and its AutoPay choice."""

    public_id_prefix = "scu"

    account = fields.OneToOneField("core.CustomerAccount", related_name="stripe_customer", on_delete=fields.CASCADE)
    stripe_id = fields.CharField(max_length=255)
    default_payment_method = fields.CharField(max_length=255, default="")
    autopay = fields.BooleanField(default=False)
    autopay_changed_at = fields.DatetimeField(null=True)
    autopay_changed_by = fields.CharField(max_length=320, default="")

    class Meta:
        app = "payments"
        table = "payments_stripe_customer"
        unique_together = (("tenant", "stripe_id"),)


class SavedCard(TenantModel):
    """A card on file: a Stripe payment method attached to the account's Stripe customer."""

    public_id_prefix = "card"

    account = fields.ForeignKeyField("core.CustomerAccount", related_name="saved_cards", on_delete=fields.CASCADE)
    stripe_id = fields.CharField(max_length=255)
    brand = fields.CharField(max_length=20, default="")
    last4 = fields.CharField(max_length=4, default="")
    exp_month = fields.SmallIntField(default=0)
    exp_year = fields.SmallIntField(default=0)
    is_default = fields.BooleanField(default=False)
    added_by = fields.CharField(max_length=320, default="")

    class Meta:
        app = "payments"
        table = "payments_saved_card"
        unique_together = (("tenant", "stripe_id"),)
        ordering = ["-is_default", "created_at", "id"]


class PaymentAttempt(TenantModel):
    """One try at taking money for one or more invoices, as one PaymentIntent."""

    public_id_prefix = "att"

    account = fields.ForeignKeyField("core.CustomerAccount", related_name="payment_attempts", on_delete=fields.CASCADE)
    kind = fields.CharField(max_length=10, default=ON_SESSION)
    # Idempotency key at Stripe; unique here because localstripe ignores them.
    key = fields.CharField(max_length=80)
    autopay_key = fields.CharField(max_length=120, null=True)
    stripe_id = fields.CharField(max_length=255, null=True)  # the PaymentIntent
    # Idempotency key at Stripe, derived from what is paid (see plugins.payments.settle.stripe_key).
    stripe_key = fields.CharField(max_length=80, default="")
    amount_minor = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    status = fields.CharField(max_length=30, default=CREATED, db_index=True)
    payment_method = fields.CharField(max_length=255, default="")
    card_brand = fields.CharField(max_length=20, default="")
    card_last4 = fields.CharField(max_length=4, default="")
    failure_code = fields.CharField(max_length=60, default="")
    failure_message = fields.CharField(max_length=500, default="")
    started_by = fields.CharField(max_length=320, default="")  # customer email, or "autopay"
    updated_at = fields.DatetimeField(auto_now=True)
    settled_at = fields.DatetimeField(null=True)

    class Meta:
        app = "payments"
        table = "payments_attempt"
        unique_together = (("tenant", "key"), ("tenant", "autopay_key"), ("tenant", "stripe_id"))
        ordering = ["-created_at", "-id"]


class AttemptInvoice(TenantModel):
    """An invoice an attempt pays, the amount for it, and the core payment it became."""

    public_id_prefix = "ati"

    attempt = fields.ForeignKeyField("payments.PaymentAttempt", related_name="invoices", on_delete=fields.CASCADE)
    invoice = fields.ForeignKeyField("core.Invoice", related_name="payment_attempts", on_delete=fields.CASCADE)
    amount_minor = fields.BigIntField()
    payment = fields.ForeignKeyField("core.Payment", related_name="attempt_lines", null=True, on_delete=fields.SET_NULL)
    # "" while open; "paid", "failed", or "not_applied" (the invoice was
    # settled another way meanwhile: staff must refund or credit it).
    result = fields.CharField(max_length=20, default="")
    # The invoice while the attempt is live, NULL once it is settled, failed or
    # abandoned. Unique per tenant (NULLs never collide): the database itself
    # keeps an invoice out of two live attempts.
    live_invoice = fields.ForeignKeyField(
        "core.Invoice", related_name="live_attempt_lines", null=True, on_delete=fields.CASCADE
    )

    class Meta:
        app = "payments"
        table = "payments_attempt_invoice"
        unique_together = (("attempt", "invoice"), ("tenant", "live_invoice"))
        ordering = ["id"]


class WebhookEvent(TenantModel):
    """A Stripe event this tenant's endpoint applied (or ignored), kept so a replay changes nothing."""

    public_id_prefix = "whe"

    stripe_id = fields.CharField(max_length=255)
    type = fields.CharField(max_length=100)
    livemode = fields.BooleanField(default=False)
    result = fields.CharField(max_length=40, default="")

    class Meta:
        app = "payments"
        table = "payments_webhook_event"
        unique_together = (("tenant", "stripe_id"),)
        ordering = ["-created_at", "-id"]


class Dispute(TenantModel):
    """A chargeback the customer's bank opened on a card payment."""

    public_id_prefix = "dsp"

    stripe_id = fields.CharField(max_length=255)
    payment = fields.ForeignKeyField("core.Payment", related_name="disputes", null=True, on_delete=fields.SET_NULL)
    amount_minor = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    reason = fields.CharField(max_length=60, default="")
    status = fields.CharField(max_length=40, default="")

    class Meta:
        app = "payments"
        table = "payments_dispute"
        unique_together = (("tenant", "stripe_id"),)
        ordering = ["-created_at", "-id"]
