"""Tenant and Domain: a business and the host names its portal answers on."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from tortoise import fields
from tortoise.models import Model

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
RESERVED_SLUGS = frozenset(
    {
        "www", "api", "admin", "app", "console", "mail", "smtp", "static", "assets",
        "status", "help", "support", "docs", "blog", "portal", "porchside", "root",
        "localhost", "test", "dev", "staging", "billing", "webhooks", "auth", "login",
    }
)

SIGN_IN_METHODS = ("link", "password", "both")
PORTAL_SECTIONS = (
    "work_history",
    "service_history",
    "invoices",
    "payments",
    "statement",
    "documents",
)


def validate_slug(slug: str) -> str | None:
    """Return why ``slug`` cannot be a tenant's web address, or None if it can."""
    if not SLUG_RE.match(slug or ""):
        return "Use 1-40 lowercase letters, digits and hyphens, starting and ending with a letter or digit."
    if slug in RESERVED_SLUGS:
        return f"“{slug}” is reserved."
    return None


def default_portal_settings() -> dict:
    return {
        "sign_in_methods": "both",
        "magic_link_minutes": 15,
        "deep_link_days": 7,
        "sections": {name: True for name in PORTAL_SECTIONS},
        # Staff (not only owners and admins) may view the portal as a customer.
        "staff_may_view_as": False,
    }


class Tenant(Model):
    """A business using Porchside. Not tenant-scoped itself: it is the scope."""

    id = fields.IntField(primary_key=True)
    public_id = fields.CharField(max_length=32, unique=True)
    slug = fields.CharField(max_length=40, unique=True)
    name = fields.CharField(max_length=200)
    portal_enabled = fields.BooleanField(default=True)
    disabled_at = fields.DatetimeField(null=True)
    locale = fields.CharField(max_length=16, default="en_US")
    currency = fields.CharField(max_length=3, default="USD")
    timezone = fields.CharField(max_length=64, default="America/New_York")
    brand_colour = fields.CharField(max_length=7, default="#0b6e99")
    logo_path = fields.CharField(max_length=300, null=True)
    contact_email = fields.CharField(max_length=254, default="")
    contact_phone = fields.CharField(max_length=40, default="")
    contact_address = fields.TextField(default="")
    contact_hours = fields.CharField(max_length=200, default="")
    website = fields.CharField(max_length=300, default="")
    portal_settings = fields.JSONField(default=default_portal_settings)
    created_at = fields.DatetimeField(auto_now_add=True)

    domains: fields.ReverseRelation["Domain"]
    domain_claims: fields.ReverseRelation["DomainClaim"]

    class Meta:
        app = "core"
        table = "tenant"

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None

    def portal_setting(self, key: str):
        merged = default_portal_settings()
        merged.update(self.portal_settings or {})
        return merged[key]

    def section_enabled(self, section: str) -> bool:
        sections = self.portal_setting("sections")
        return bool(sections.get(section, True))


class Domain(Model):
    """A host name that leads to a tenant.

    ``kind="subdomain"`` rows hold just the label (``acme`` for
    ``acme.<BASE_DOMAIN>``), so changing the platform's base domain moves
    every tenant with it; ``kind="custom"`` rows hold a full host name.
    A row with ``redirect=True`` is an old address that sends visitors to the
    tenant's primary address until ``expires_at``. A custom row exists only
    once its owner proved control of the name (``verified_at``): unproved
    names are :class:`DomainClaim` rows, so the unique (kind, host) pair is
    the one-verified-owner-per-domain rule.
    """

    id = fields.IntField(primary_key=True)
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "core.Tenant", related_name="domains", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=10, default="subdomain")
    host = fields.CharField(max_length=253)
    is_primary = fields.BooleanField(default=False)
    redirect = fields.BooleanField(default=False)
    expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # Custom domains: when the DNS record was found or an operator vouched for it.
    verified_at = fields.DatetimeField(null=True)

    class Meta:
        app = "core"
        table = "tenant_domain"
        unique_together = (("kind", "host"),)

    def expired(self, now: datetime | None = None) -> bool:
        now = now or datetime.now(timezone.utc)
        return self.expires_at is not None and self.expires_at <= now


class DomainClaim(Model):
    """A custom domain a business asked for but has not proved it controls yet.

    Proof is a TXT record ``porchside-verify=<token>`` at ``_porchside.<host>``.
    Several businesses may claim one host at once, each with its own token:
    the first to prove it gets a Domain row and every other claim of that
    host is deleted. Claims older than seven days expire.
    """

    id = fields.IntField(primary_key=True)
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "core.Tenant", related_name="domain_claims", on_delete=fields.CASCADE
    )
    host = fields.CharField(max_length=253, db_index=True)
    token = fields.CharField(max_length=64)
    make_primary = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    checked_at = fields.DatetimeField(null=True)

    class Meta:
        app = "core"
        table = "tenant_domain_claim"
        unique_together = (("tenant", "host"),)
