"""Outgoing webhooks: where the business wants its events sent, and each delivery.

A ``WebhookEndpoint`` is an HTTPS address of the business's own system that
subscribed to some event types. Its signing secret is kept encrypted (the
same Fernet key derivation as plugin secrets) and shown once. A
``WebhookDelivery`` is one event sent to one endpoint: the exact body that
is signed, the attempts made and what the receiver answered. Its public id
(``whmsg_...``) is the ``webhook-id`` header, the same on every retry and
resend, so receivers can drop duplicates.
"""

from __future__ import annotations

from tortoise import fields

from core.models.base import TenantModel

PENDING = "pending"
SUCCEEDED = "succeeded"
FAILED = "failed"
DELIVERY_STATUSES = (PENDING, SUCCEEDED, FAILED)


class WebhookEndpoint(TenantModel):
    """An address that receives the business events it subscribed to, signed with its own secret."""

    public_id_prefix = "we"

    url = fields.CharField(max_length=2000)
    description = fields.CharField(max_length=200, default="")
    event_types = fields.JSONField(default=list)
    # Fernet token of the whsec_ secret (core.webhooks.secrets); never shown again after creation.
    secret_encrypted = fields.TextField()
    # Staff email, or the API client as the audit log names it.
    created_by = fields.CharField(max_length=254, default="")
    enabled = fields.BooleanField(default=True)
    disabled_reason = fields.CharField(max_length=300, default="")
    disabled_at = fields.DatetimeField(null=True)
    # Failed attempts in a row, and when the current run of failures began.
    consecutive_failures = fields.IntField(default=0)
    failing_since = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True, null=True)

    deliveries: fields.ReverseRelation["WebhookDelivery"]

    class Meta:
        app = "core"
        table = "webhook_endpoint"
        ordering = ["created_at", "id"]


class WebhookDelivery(TenantModel):
    """One event sent to one endpoint: the signed body, the attempts and the last answer."""

    public_id_prefix = "whmsg"  # "msg" is the marketing plugin's messages

    endpoint: fields.ForeignKeyRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "core.WebhookEndpoint", related_name="deliveries", on_delete=fields.CASCADE
    )
    event_type = fields.CharField(max_length=100)
    # The JSON body exactly as signed, so a retry or resend sends the same bytes.
    body = fields.TextField()
    status = fields.CharField(max_length=10, default=PENDING, db_index=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True, db_index=True)
    last_attempt_at = fields.DatetimeField(null=True)
    last_status_code = fields.IntField(null=True)
    last_error = fields.CharField(max_length=300, default="")
    # The first few hundred characters of the answer, for the delivery log; never more.
    last_response_excerpt = fields.CharField(max_length=500, default="")
    delivered_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True, null=True)

    class Meta:
        app = "core"
        table = "webhook_delivery"
        ordering = ["-created_at", "-id"]
