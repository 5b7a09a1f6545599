"""Invoices, their lines and payments. Money is integer minor units."""

from __future__ import annotations

from datetime import date

from tortoise import fields
from tortoise.indexes import Index

from core.models.base import TenantModel

# Stored statuses. "overdue" is not stored: it is an open invoice past its due date.
INVOICE_STATUSES = ("draft", "open", "paid", "void")
INVOICE_FILTERS = ("open", "overdue", "paid", "void")
PAYMENT_METHODS = ("card", "cash", "cheque", "bank", "other")
# "disputed": the customer's bank opened a chargeback on a card payment (the money is held).
PAYMENT_STATUSES = ("pending", "succeeded", "failed", "refunded", "partially_refunded", "disputed")


class Invoice(TenantModel):
    public_id_prefix = "inv"

    account = fields.ForeignKeyField("core.CustomerAccount", related_name="invoices", on_delete=fields.CASCADE)
    job = fields.ForeignKeyField("core.Job", related_name="invoices", null=True, on_delete=fields.SET_NULL)
    number = fields.CharField(max_length=40)
    status = fields.CharField(max_length=10, default="draft", db_index=True)
    issued_on = fields.DateField(null=True, db_index=True)
    due_on = fields.DateField(null=True)
    currency = fields.CharField(max_length=3)
    subtotal_minor = fields.BigIntField(default=0)
    tax_minor = fields.BigIntField(default=0)
    total_minor = fields.BigIntField(default=0)
    paid_minor = fields.BigIntField(default=0)
    memo = fields.TextField(default="")
    voided_at = fields.DatetimeField(null=True)

    # Set by an integration that syncs this row from another system (unique per tenant).
    external_id = fields.CharField(max_length=120, null=True)
    updated_at = fields.DatetimeField(auto_now=True, null=True)

    class Meta:
        app = "core"
        table = "invoice"
        unique_together = (("tenant", "number"), ("tenant", "external_id"))
        ordering = ["-issued_on", "-id"]
        # The portal's lists and balances read one account's invoices: by
        # issued date (list, statement), by status and due date (balance due).
        indexes = (
            Index(fields=("tenant_id", "account_id", "issued_on", "id"), name="invoice_account_issued"),
            Index(fields=("tenant_id", "account_id", "status", "due_on"), name="invoice_account_status_due"),
            Index(fields=("tenant_id", "job_id"), name="invoice_job"),
            # The console's invoice list, newest first.
            Index(fields=("tenant_id", "id"), name="invoice_tenant_id"),
        )

    @property
    def balance_minor(self) -> int:
        return max(self.total_minor - self.paid_minor, 0)

    def display_status(self, today: date) -> str:
        if self.status == "open" and self.due_on is not None and self.due_on < today:
            return "overdue"
        return self.status


class InvoiceLine(TenantModel):
    public_id_prefix = "il"

    invoice = fields.ForeignKeyField("core.Invoice", related_name="lines", on_delete=fields.CASCADE)
    description = fields.CharField(max_length=300)
    quantity_milli = fields.IntField(default=1000)
    unit_price_minor = fields.BigIntField()
    amount_minor = fields.BigIntField()
    position = fields.IntField(default=0)

    class Meta:
        app = "core"
        table = "invoice_line"
        ordering = ["position", "id"]
        indexes = (Index(fields=("tenant_id", "invoice_id", "position"), name="invoice_line_invoice"),)


class Payment(TenantModel):
    """Money received from a customer, by any method.

    Card payments made through a payments plugin become rows here too, so
    the payments list, statement and CSV export show every payment alike.
    """

    public_id_prefix = "pay"

    account = fields.ForeignKeyField("core.CustomerAccount", related_name="payments", on_delete=fields.CASCADE)
    invoice = fields.ForeignKeyField("core.Invoice", related_name="payments", null=True, on_delete=fields.SET_NULL)
    amount_minor = fields.BigIntField()
    refunded_minor = fields.BigIntField(default=0)
    currency = fields.CharField(max_length=3)
    method = fields.CharField(max_length=10)
    status = fields.CharField(max_length=20, default="succeeded")
    received_at = fields.DatetimeField(db_index=True)
    reference = fields.CharField(max_length=120, default="")
    card_brand = fields.CharField(max_length=20, default="")
    card_last4 = fields.CharField(max_length=4, default="")
    external_id = fields.CharField(max_length=120, null=True)
    source = fields.CharField(max_length=40, default="staff")

    class Meta:
        app = "core"
        table = "payment"
        ordering = ["-received_at", "-id"]
        unique_together = (("tenant", "external_id"),)
        # One account's payments by date (list, statement); one invoice's payments.
        indexes = (
            Index(fields=("tenant_id", "account_id", "received_at", "id"), name="payment_account_received"),
            Index(fields=("tenant_id", "invoice_id"), name="payment_invoice"),
        )
