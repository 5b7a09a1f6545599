"""Host header -> tenant.

The resolver strips the port, validates the host name, and then, in order:
the bare base domain is the platform; ``<label>.<base domain>`` is looked up
as a subdomain; anything else must be a registered custom domain. A host that
matches nothing is unknown: it never falls back to some tenant. Results are
cached (host -> tenant id) and dropped whenever a tenant's domains change.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal

from core.cache import Cache
from tenants.models import Domain, Tenant

HOST_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
CACHE_TTL = 300


@dataclass(frozen=True)
class Resolution:
    kind: Literal["platform", "tenant", "redirect", "unknown", "invalid"]
    tenant_id: int | None = None


def clean_host(raw: str | None) -> str | None:
    """The host name of a Host header without port, lower-cased; None if malformed."""
    if not raw:
        return None
    host = raw.strip().lower()
    if host.startswith("["):
        return None  # IPv6 literals never name a tenant
    if host.count(":") > 1:
        return None
    host = host.split(":", 1)[0].rstrip(".")
    if len(host) > 253 or not HOST_RE.match(host):
        return None
    return host


class TenantResolver:
    def __init__(self, base_domain: str, cache: Cache) -> None:
        self.base_domain = base_domain
        self.cache = cache

    def _key(self, host: str) -> str:
        return f"host:{host}"

    def lookup_of(self, host: str) -> tuple[str, str] | None:
        """``(kind, host-or-label)`` to look up in Domain, or None for the platform."""
        if host == self.base_domain:
            return None
        suffix = "." + self.base_domain
        if host.endswith(suffix):
            label = host[: -len(suffix)]
            return ("subdomain", label) if "." not in label else ("invalid", host)
        return ("custom", host)

    async def resolve(self, raw_host: str | None) -> Resolution:
        host = clean_host(raw_host)
        if host is None:
            return Resolution("invalid")
        lookup = self.lookup_of(host)
        if lookup is None:
            return Resolution("platform")
        if lookup[0] == "invalid":
            return Resolution("unknown")
        cached = await self.cache.get(self._key(host))
        if cached is not None:
            data = json.loads(cached)
            return Resolution(data["kind"], data.get("tenant_id"))
        resolution = await self._resolve_uncached(*lookup)
        await self.cache.set(
            self._key(host),
            json.dumps({"kind": resolution.kind, "tenant_id": resolution.tenant_id}),
            ttl=CACHE_TTL,
        )
        return resolution

    async def _resolve_uncached(self, kind: str, host: str) -> Resolution:
        domain = await Domain.get_or_none(kind=kind, host=host)
        if domain is None:
            return Resolution("unknown")
        if domain.redirect:
            if domain.expired(datetime.now(timezone.utc)):
                return Resolution("unknown")
            return Resolution("redirect", domain.tenant_id)
        return Resolution("tenant", domain.tenant_id)

    def host_of(self, domain: Domain) -> str:
        return f"{domain.host}.{self.base_domain}" if domain.kind == "subdomain" else domain.host

    async def invalidate(self, tenant: Tenant) -> None:
        """Forget cached lookups of every host of ``tenant``."""
        domains = await Domain.filter(tenant_id=tenant.id)
        await self.cache.delete(*(self._key(self.host_of(d)) for d in domains))

    async def primary_host(self, tenant: Tenant) -> str:
        domain = await Domain.filter(tenant_id=tenant.id, is_primary=True, redirect=False).first()
        if domain is None:
            return f"{tenant.slug}.{self.base_domain}"
        return self.host_of(domain)
