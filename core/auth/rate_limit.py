"""Fixed-window rate limits kept in the shared cache.

Counters live in Redis in production, so every app instance counts against
the same limit. A limit is named in settings as ``"<count>/<seconds>"``; the
defaults below are deliberately generous for people and tight for scripts.

Most counters live in the current tenant's namespace (:func:`hit`). The
emails that carry sign-in links are also counted per address across every
business of the deployment (:func:`hit_platform`), so one mailbox cannot be
flooded by asking many businesses' portals for links.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from core.cache import Cache, tenant_key

DEFAULT_LIMITS: dict[str, str] = {
    # sign-in links and password-reset emails per address
    "link_per_email": "5/900",
    # sign-in link, reset and password attempts per client address
    "signin_per_ip": "30/900",
    # wrong passwords per address before a pause
    "password_per_email": "10/900",
    # emails with a sign-in, reset or invite link per address, all businesses together
    "link_per_email_platform": "10/3600",
}


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Limit":
        count, _, seconds = text.partition("/")
        return cls(int(count), int(seconds))


def limit_named(settings, name: str) -> Limit:
    configured = getattr(settings, "rate_limits", None) or {}
    return Limit.parse(configured.get(name, DEFAULT_LIMITS[name]))


def _digest(identifier: str) -> str:
    # Hash the identifier: cache keys should not carry email addresses.
    return hashlib.sha256(identifier.lower().encode()).hexdigest()[:32]


async def hit(cache: Cache, settings, name: str, identifier: str) -> bool:
    """Count one attempt in the current tenant; True while the caller is within the limit."""
    limit = limit_named(settings, name)
    count = await cache.incr(tenant_key("rl", name, _digest(identifier)), ttl=limit.seconds)
    return count <= limit.count


async def hit_platform(cache: Cache, settings, name: str, identifier: str) -> bool:
    """Count one attempt for every tenant together; True while within the limit.

    The key has no tenant id (``p:rl:<name>:<digest>``, beside the tenants'
    ``t:<id>:...`` keys), so every business of the deployment adds to one count.
    """
    limit = limit_named(settings, name)
    count = await cache.incr(f"p:rl:{name}:{_digest(identifier)}", ttl=limit.seconds)
    return count <= limit.count
