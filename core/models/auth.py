"""Single-use sign-in tokens: magic links, deep links, invites, resets.

Only a SHA-256 hash of each token is stored; the token itself exists only
in the email that carries it.
"""

from __future__ import annotations

from tortoise import fields

from core.models.base import TenantModel

TOKEN_PURPOSES = ("magic", "deep", "invite", "reset", "staff_invite", "staff_reset")


class LoginToken(TenantModel):
    public_id_prefix = "lt"

    purpose = fields.CharField(max_length=16)
    token_hash = fields.CharField(max_length=64, unique=True)
    email = fields.CharField(max_length=254, db_index=True)
    # Deep links land on one document of one account.
    account = fields.ForeignKeyField("core.CustomerAccount", related_name=False, null=True, on_delete=fields.CASCADE)
    target = fields.CharField(max_length=300, default="")
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    created_ip = fields.CharField(max_length=64, default="")
    created_by = fields.CharField(max_length=254, default="")

    class Meta:
        app = "core"
        table = "login_token"
        ordering = ["-created_at"]
