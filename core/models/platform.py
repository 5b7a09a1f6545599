"""Per-tenant plugin configuration, staff notifications and the audit log."""

from __future__ import annotations

from tortoise import fields

from core.models.base import TenantModel


class PluginConfig(TenantModel):
    """Whether a plugin is on for a tenant, and its settings.

    Secret settings are kept encrypted in ``secrets`` and never shown back.
    """

    public_id_prefix = "plg"

    plugin = fields.CharField(max_length=100)
    enabled = fields.BooleanField(default=False)
    settings = fields.JSONField(default=dict)
    secrets = fields.JSONField(default=dict)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = "core"
        table = "plugin_config"
        unique_together = (("tenant", "plugin"),)


class Notification(TenantModel):
    """Something staff should know about: a decided quote, a payment, a message."""

    public_id_prefix = "ntf"

    staff = fields.ForeignKeyField("core.StaffUser", related_name="notifications", null=True, on_delete=fields.CASCADE)
    kind = fields.CharField(max_length=60)
    title = fields.CharField(max_length=200)
    body = fields.TextField(default="")
    link = fields.CharField(max_length=300, default="")
    read_at = fields.DatetimeField(null=True)

    class Meta:
        app = "core"
        table = "notification"
        ordering = ["-created_at", "-id"]


class AuditEvent(TenantModel):
    public_id_prefix = "aud"

    actor_type = fields.CharField(max_length=12)  # customer | staff | system
    actor = fields.CharField(max_length=254, default="")
    action = fields.CharField(max_length=60, db_index=True)
    target = fields.CharField(max_length=120, default="")
    ip = fields.CharField(max_length=64, default="")
    detail = fields.JSONField(default=dict)

    class Meta:
        app = "core"
        table = "audit_event"
        ordering = ["-created_at", "-id"]
