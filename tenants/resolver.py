"""Host header -> tenant.

The resolver strips the port, validates the host name, and then, in order:
the bare base domain is the platform; ``<label>.<base domain>`` is looked up
as a subdomain; anything else must be a registered custom domain. A host that
matches nothing is unknown: it never falls back to some tenant.

Hits are cached (host -> tenant id) and dropped whenever a tenant's domains
change. Misses are not cached: the Host header is chosen by the visitor, so
caching misses would let anyone fill the cache, and a tenant created a moment
later would stay unknown until the entry expired.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal

from core.cache import Cache
from tenants.hosts import clean_host
from tenants.models import Domain, Tenant

CACHE_TTL = 300


@dataclass(frozen=True)
class Resolution:
    """What a Host header leads to.

    ``tenant``: that tenant's portal; ``redirect``: an old address of the
    tenant, to be sent to its primary host; ``platform``: the bare base
    domain; ``unknown``: no tenant (404); ``invalid``: a malformed Host (400).
    """

    kind: Literal["platform", "tenant", "redirect", "unknown", "invalid"]
    tenant_id: int | None = None


class TenantResolver:
    def __init__(self, base_domain: str, cache: Cache) -> None:
        self.base_domain = base_domain
        self.cache = cache

    def _key(self, host: str) -> str:
        return f"host:{host}"

    def lookup_of(self, host: str) -> tuple[str, str] | None:
        """``(kind, host-or-label)`` to look up in Domain, or None for the platform.

        ``kind`` is ``subdomain``, ``custom``, or ``invalid`` for a name under
        the base domain that can never be a tenant (``a.b.<base domain>``).
        """
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
            return Resolution(data["kind"], data["tenant_id"])
        resolution, ttl = await self._resolve_uncached(*lookup)
        if ttl:
            await self.cache.set(
                self._key(host),
                json.dumps({"kind": resolution.kind, "tenant_id": resolution.tenant_id}),
                ttl=ttl,
            )
        return resolution

    async def _resolve_uncached(self, kind: str, host: str) -> tuple[Resolution, int]:
        """The resolution and how many seconds it may be cached (0: not at all)."""
        domain = await Domain.get_or_none(kind=kind, host=host)
        if domain is None:
            return Resolution("unknown"), 0
        if not domain.redirect:
            return Resolution("tenant", domain.tenant_id), CACHE_TTL
        now = datetime.now(timezone.utc)
        if domain.expired(now):
            return Resolution("unknown"), 0
        left = CACHE_TTL if domain.expires_at is None else int((domain.expires_at - now).total_seconds())
        return Resolution("redirect", domain.tenant_id), max(0, min(CACHE_TTL, left))

    def host_of(self, domain: Domain) -> str:
        return f"{domain.host}.{self.base_domain}" if domain.kind == "subdomain" else domain.host

    async def forget(self, *hosts: str) -> None:
        """Drop cached lookups of these full host names."""
        await self.cache.delete(*(self._key(h) for h in hosts))

    async def invalidate(self, tenant: Tenant) -> None:
        """Forget cached lookups of every host of ``tenant``, and its snapshot (:mod:`core.tenant_state`).

        Writers call it after their transaction commits, so no instance keeps
        a snapshot read before the change under the version made after it.
        """
        from core.tenant_state import tenant_changed

        domains = await Domain.filter(tenant_id=tenant.id)
        await self.forget(*(self.host_of(d) for d in domains))
        await tenant_changed(tenant.id)

    async def primary_host(self, tenant: Tenant) -> str:
        domain = await Domain.filter(tenant_id=tenant.id, is_primary=True, redirect=False).first()
        if domain is None:
            return f"{tenant.slug}.{self.base_domain}"
        return self.host_of(domain)
