"""Fixed-window rate limits kept in the shared cache.

Counters live in Redis in production, so every app instance counts against
the same limit. A limit is named in settings as ``"<count>/<seconds>"``; the
defaults below are deliberately generous for people and tight for scripts.
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


async def hit(cache: Cache, settings, name: str, identifier: str) -> bool:
    """Count one attempt; True while the caller is within the limit."""
    limit = limit_named(settings, name)
    # Hash the identifier: cache keys should not carry email addresses.
    digest = hashlib.sha256(identifier.lower().encode()).hexdigest()[:32]
    count = await cache.incr(tenant_key("rl", name, digest), ttl=limit.seconds)
    return count <= limit.count
