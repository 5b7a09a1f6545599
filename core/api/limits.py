"""Per-client rate limits for the API, counted in the shared cache (Redis in production).

Fixed windows aligned on the clock, so ``Retry-After`` is exact: the
seconds until the current window ends. The limit is the setting
``api_per_client`` in ``PORCHSIDE_RATE_LIMITS`` (``"<count>/<seconds>"``,
default :data:`DEFAULT`), parsed like the sign-in limits.
"""

from __future__ import annotations

import math
import time

from core.api.errors import ApiError
from core.auth.rate_limit import Limit
from core.cache import Cache, tenant_key

LIMIT_NAME = "api_per_client"
DEFAULT = "600/60"


async def count_request(cache: Cache, settings, client_id: str) -> dict[str, str]:
    """Count one request of ``client_id``; the rate headers, or 429 :class:`ApiError` over the limit."""
    limit = Limit.parse((getattr(settings, "rate_limits", None) or {}).get(LIMIT_NAME, DEFAULT))
    now = time.time()
    window = int(now // limit.seconds)
    count = await cache.incr(tenant_key("rl", LIMIT_NAME, client_id, window), ttl=limit.seconds)
    retry_after = max(1, math.ceil((window + 1) * limit.seconds - now))
    headers = {
        "X-RateLimit-Limit": str(limit.count),
        "X-RateLimit-Remaining": str(max(limit.count - count, 0)),
        "X-RateLimit-Reset": str(retry_after),
    }
    if count > limit.count:
        raise ApiError(
            429,
            "rate_limited",
            f"This client sent more than {limit.count} requests in {limit.seconds} seconds. Retry after {retry_after} seconds.",
            headers={**headers, "Retry-After": str(retry_after)},
        )
    return headers
