"""Staff of a business: who may use its console and with which role."""

from __future__ import annotations

from tortoise import fields

from core.models.base import TenantModel

ROLES = ("owner", "admin", "staff")


class StaffUser(TenantModel):
    public_id_prefix = "stf"

    email = fields.CharField(max_length=254)
    name = fields.CharField(max_length=200)
    role = fields.CharField(max_length=10, default="staff")
    password_hash = fields.CharField(max_length=200, null=True)
    active = fields.BooleanField(default=True)
    # Which notification kinds are also sent by email, e.g. {"quote.decided": true}.
    email_preferences = fields.JSONField(default=dict)
    last_sign_in_at = fields.DatetimeField(null=True)
    language = fields.CharField(max_length=8, null=True)

    class Meta:
        app = "core"
        table = "staff_user"
        unique_together = (("tenant", "email"),)
        ordering = ["name"]
