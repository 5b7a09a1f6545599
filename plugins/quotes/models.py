"""Quotes (estimates), their revisions, lines and the customer's messages.

A :class:`Quote` is what the customer and staff talk about ("quote Q-1004
for a heater replacement"); its content lives in numbered
:class:`QuoteRevision` rows. Staff edit only a ``draft`` revision; sending
it makes it the quote's current revision (``Quote.revision``), and a sent
revision is never edited again: changing a sent quote starts a new draft
revision, so the version a customer decided on stays exactly as it was.

``Quote.status`` and ``Quote.valid_until`` repeat the current revision's so
that lists filter in one query and a decision is one conditional UPDATE of
one row (:mod:`plugins.quotes.decisions`). Money is integer minor units.
"""

from __future__ import annotations

from datetime import date

from tortoise import fields

from core.i18n import lazy_pgettext
from core.models.base import TenantModel

# Stored statuses. "expired" is not stored: it is a sent or viewed quote past
# its validity date, like an overdue invoice.
DRAFT = "draft"
SENT = "sent"
VIEWED = "viewed"
APPROVED = "approved"
REJECTED = "rejected"
CHANGES_REQUESTED = "changes_requested"
EXPIRED = "expired"
SUPERSEDED = "superseded"  # a sent revision replaced by a newer one before anyone decided

OPEN_STATUSES = (SENT, VIEWED)  # waiting for the customer's decision
DECISIONS = (APPROVED, REJECTED, CHANGES_REQUESTED)
STATUSES = (DRAFT, SENT, VIEWED, APPROVED, REJECTED, CHANGES_REQUESTED, EXPIRED, SUPERSEDED)
STATUS_LABELS = {
    DRAFT: lazy_pgettext("quote status", "Draft"),
    SENT: lazy_pgettext("quote status", "Sent"),
    VIEWED: lazy_pgettext("quote status", "Viewed"),
    APPROVED: lazy_pgettext("quote status", "Approved"),
    REJECTED: lazy_pgettext("quote status", "Rejected"),
    CHANGES_REQUESTED: lazy_pgettext("quote status", "Changes requested"),
    EXPIRED: lazy_pgettext("quote status", "Expired"),
    SUPERSEDED: lazy_pgettext("quote status", "Superseded"),
}
MESSAGE_KINDS = ("question", "changes")


def shown_status(status: str, valid_until: date | None, today: date) -> str:
    """A stored status as people read it: an open quote past its date is expired."""
    if status in OPEN_STATUSES and valid_until is not None and valid_until < today:
        return EXPIRED
    return status


class Quote(TenantModel):
    """An estimate for a job, or for an opportunity (work not booked yet: ``job`` is None)."""

    public_id_prefix = "qt"

    account = fields.ForeignKeyField("core.CustomerAccount", related_name=False, on_delete=fields.CASCADE)
    job = fields.ForeignKeyField("core.Job", related_name=False, null=True, on_delete=fields.SET_NULL)
    number = fields.CharField(max_length=40)
    title = fields.CharField(max_length=200)
    # The current (customer-facing) revision's status and number; 0 until first sent.
    status = fields.CharField(max_length=20, default=DRAFT, db_index=True)
    revision = fields.IntField(default=0)
    valid_until = fields.DateField(null=True)
    currency = fields.CharField(max_length=3)
    total_minor = fields.BigIntField(default=0)
    created_by = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL)
    created_by_name = fields.CharField(max_length=200, default="")
    sent_at = fields.DatetimeField(null=True)
    decided_at = fields.DatetimeField(null=True)
    # The draft invoice made from the approved quote, if any.
    invoice = fields.ForeignKeyField("core.Invoice", related_name=False, null=True, on_delete=fields.SET_NULL)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = "quotes"
        table = "quotes_quote"
        unique_together = (("tenant", "number"),)
        ordering = ["-id"]

    def display_status(self, today: date) -> str:
        return shown_status(self.status, self.valid_until, today)

    @property
    def was_sent(self) -> bool:
        return self.revision > 0


class QuoteRevision(TenantModel):
    """One version of a quote: what was offered, and what the customer decided on it.

    The decision fields (who, the typed signature, when, from which
    address) are written once, by the conditional update that decides.
    """

    public_id_prefix = "qrv"

    quote = fields.ForeignKeyField("quotes.Quote", related_name="revisions", on_delete=fields.CASCADE)
    number = fields.IntField()
    status = fields.CharField(max_length=20, default=DRAFT)
    title = fields.CharField(max_length=200)
    notes = fields.TextField(default="")
    valid_until = fields.DateField(null=True)
    currency = fields.CharField(max_length=3)
    subtotal_minor = fields.BigIntField(default=0)
    tax_minor = fields.BigIntField(default=0)
    total_minor = fields.BigIntField(default=0)
    sent_at = fields.DatetimeField(null=True)
    viewed_at = fields.DatetimeField(null=True)
    decided_at = fields.DatetimeField(null=True)
    decided_by = fields.CharField(max_length=254, default="")
    signature_name = fields.CharField(max_length=200, default="")
    decision_ip = fields.CharField(max_length=64, default="")
    decision_user_agent = fields.CharField(max_length=300, default="")
    decision_message = fields.TextField(default="")

    class Meta:
        app = "quotes"
        table = "quotes_revision"
        unique_together = (("quote", "number"),)
        ordering = ["number"]

    def display_status(self, today: date) -> str:
        return shown_status(self.status, self.valid_until, today)


class QuoteLine(TenantModel):
    """A priced line of one revision: the amount is computed, never typed."""

    public_id_prefix = "ql"

    revision = fields.ForeignKeyField("quotes.QuoteRevision", related_name="lines", on_delete=fields.CASCADE)
    description = fields.CharField(max_length=300)
    quantity_milli = fields.IntField(default=1000)
    unit_price_minor = fields.BigIntField()
    amount_minor = fields.BigIntField()
    position = fields.IntField(default=0)

    class Meta:
        app = "quotes"
        table = "quotes_line"
        ordering = ["position", "id"]


class QuoteMessage(TenantModel):
    """A question, or a request for changes, that a customer sent about a quote."""

    public_id_prefix = "qm"

    quote = fields.ForeignKeyField("quotes.Quote", related_name="messages", on_delete=fields.CASCADE)
    revision = fields.IntField()
    kind = fields.CharField(max_length=10)  # question | changes
    author = fields.CharField(max_length=254)
    body = fields.TextField()

    class Meta:
        app = "quotes"
        table = "quotes_message"
        ordering = ["created_at", "id"]
