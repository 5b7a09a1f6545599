"""Every email the platform sends, kept for delivery retries and the dev outbox."""

from __future__ import annotations

from tortoise import fields

from core.models.base import TenantModel

EMAIL_STATUSES = ("queued", "sent", "failed")


class OutboundEmail(TenantModel):
    public_id_prefix = "mail"

    kind = fields.CharField(max_length=60)
    to = fields.CharField(max_length=254, db_index=True)
    subject = fields.CharField(max_length=300)
    text = fields.TextField()
    html = fields.TextField(default="")
    status = fields.CharField(max_length=10, default="queued", db_index=True)
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(default="")
    sent_at = fields.DatetimeField(null=True)
    # Attachments as [{"filename", "content_type", "storage_key"}].
    attachments = fields.JSONField(default=list)

    class Meta:
        app = "core"
        table = "outbound_email"
        ordering = ["-created_at", "-id"]
