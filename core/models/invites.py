"""Bulk portal invites sent from the console (S5): one batch, one row per address.

A batch is created once per confirm form (its ``idempotency_key`` is the
form's one-time token, unique per tenant), so a double submit makes one
batch. Its recipients are claimed one by one with a conditional update
(``pending`` -> ``sending``), so a retried job never emails anyone twice.
The subject and body the staff member reviewed are kept on the batch and
are what every recipient gets, even if the invite email is edited meanwhile.
"""

from __future__ import annotations

from tortoise import fields

from core.models.base import TenantModel

BATCH_STATUSES = ("queued", "running", "done")
RECIPIENT_STATUSES = ("pending", "sending", "sent", "skipped", "failed")


class InviteBatch(TenantModel):
    public_id_prefix = "invb"

    created_by = fields.CharField(max_length=254)
    status = fields.CharField(max_length=10, default="queued")
    total = fields.IntField(default=0)
    sent = fields.IntField(default=0)
    skipped = fields.IntField(default=0)
    failed = fields.IntField(default=0)
    idempotency_key = fields.CharField(max_length=64)
    subject = fields.CharField(max_length=300)
    body = fields.TextField()
    finished_at = fields.DatetimeField(null=True)

    recipients: fields.ReverseRelation["InviteRecipient"]

    class Meta:
        app = "core"
        table = "invite_batch"
        unique_together = (("tenant", "idempotency_key"),)
        ordering = ["-created_at", "-id"]

    @property
    def finished(self) -> bool:
        return self.status == "done"


class InviteRecipient(TenantModel):
    """One address of a batch and what happened to it.

    ``email`` is empty for a contact without an address (``skipped``);
    ``reason`` says why a row was skipped or failed.
    """

    public_id_prefix = "invr"

    batch: fields.ForeignKeyRelation[InviteBatch] = fields.ForeignKeyField(
        "core.InviteBatch", related_name="recipients", on_delete=fields.CASCADE
    )
    email = fields.CharField(max_length=254, default="")
    contact = fields.ForeignKeyField("core.Contact", related_name=False, null=True, on_delete=fields.SET_NULL)
    name = fields.CharField(max_length=200, default="")
    status = fields.CharField(max_length=10, default="pending", db_index=True)
    reason = fields.CharField(max_length=300, default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = "core"
        table = "invite_recipient"
        ordering = ["id"]
