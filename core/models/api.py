"""Integration API credentials and replay records.

An ``ApiClient`` is one of the business's own systems (an accounting
package, a field-service tool). It proves who it is with OAuth 2.0 client
credentials and receives short-lived bearer tokens (``ApiToken``). Secrets
and tokens are stored only as SHA-256 digests. ``IdempotencyRecord`` keeps
the first response to a POST sent with an ``Idempotency-Key`` for a day.
"""

from __future__ import annotations

from datetime import datetime

from tortoise import fields

from core.models.base import TenantModel


class ApiClient(TenantModel):
    """An API client of the business: its public client id, hashed secret and allowed scopes."""

    public_id_prefix = "apic"

    name = fields.CharField(max_length=200)
    # Public half of the credentials, sent by the client with every token request.
    client_id = fields.CharField(max_length=64, unique=True)
    secret_hash = fields.CharField(max_length=64)
    scopes = fields.JSONField(default=list)
    created_by = fields.CharField(max_length=254, default="")
    revoked_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)

    tokens: fields.ReverseRelation["ApiToken"]

    class Meta:
        app = "core"
        table = "api_client"
        ordering = ["name", "id"]

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiToken(TenantModel):
    """A bearer token issued to a client: its digest, scopes and expiry."""

    public_id_prefix = "tok"

    client: fields.ForeignKeyRelation[ApiClient] = fields.ForeignKeyField(
        "core.ApiClient", related_name="tokens", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    scopes = fields.JSONField(default=list)
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        app = "core"
        table = "api_token"

    def expired(self, now: datetime) -> bool:
        return self.expires_at <= now


class IdempotencyRecord(TenantModel):
    """The first response to a POST with an Idempotency-Key, replayed for a repeat of it.

    ``status`` stays null while the first request is still running.
    """

    public_id_prefix = "idem"

    client: fields.ForeignKeyRelation[ApiClient] = fields.ForeignKeyField(
        "core.ApiClient", related_name=False, on_delete=fields.CASCADE
    )
    key = fields.CharField(max_length=255)
    request_hash = fields.CharField(max_length=64)
    status = fields.IntField(null=True)
    body = fields.TextField(default="")
    headers = fields.JSONField(default=dict)

    class Meta:
        app = "core"
        table = "api_idempotency"
        unique_together = (("client", "key"),)
