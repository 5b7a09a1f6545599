"""The cache behaves the same in-process (SQLite run) and on Redis (PostgreSQL run)."""

from __future__ import annotations

import asyncio
import secrets
import time

import pytest

from core.cache import MemoryCache, RedisCache, build_cache, tenant_key
from core.testing import eventually
from tenants.context import NoTenantError, use_tenant


@pytest.fixture
async def caches(porchside_backend):
    """``make(prefix)`` -> a cache of this run's kind; all are closed and emptied after."""
    made = []

    def make(prefix: str | None = None):
        cache = build_cache(porchside_backend.redis_url, prefix or f"pstest:{secrets.token_hex(4)}")
        made.append(cache)
        return cache

    yield make
    for cache in made:
        if isinstance(cache, RedisCache):
            keys = [k async for k in cache.redis.scan_iter(f"{cache.prefix}:*")]
            if keys:
                await cache.redis.delete(*keys)
        await cache.close()


@pytest.fixture
def cache(caches):
    return caches()


async def test_backend_kind_matches_the_run(cache, porchside_backend) -> None:
    expected = RedisCache if porchside_backend.redis_url else MemoryCache
    assert isinstance(cache, expected)


async def test_get_set_delete(cache) -> None:
    assert await cache.get("a") is None
    await cache.set("a", "1")
    await cache.set("b", "2")
    assert await cache.get("a") == "1"
    await cache.set("a", "changed")
    assert await cache.get("a") == "changed"
    await cache.delete("a", "b", "never-set")
    assert await cache.get("a") is None and await cache.get("b") is None
    await cache.delete()  # nothing to delete is fine


async def test_expiry_rules_are_the_same_on_both_backends(cache) -> None:
    """Every expiry rule set up at once, so the run waits for one second only.

    Redis expires keys in real time; the in-process cache reads its own
    clock, moved on here by two seconds instead of waiting for them.
    """
    now = [time.monotonic()]
    if isinstance(cache, MemoryCache):
        cache = MemoryCache(cache.prefix, clock=lambda: now[0])
    await cache.set("short", "x", ttl=1)
    await cache.set("long", "y", ttl=60)
    await cache.set("forever", "z")
    await cache.set("reset", "1", ttl=1)
    await cache.set("reset", "2")  # setting again without ttl clears the expiry
    assert await cache.incr("window", ttl=1) == 1
    assert await cache.incr("window", ttl=60) == 2  # a later ttl does not extend the window
    await cache.set("counter", "5")
    assert await cache.incr("counter", ttl=1) == 6  # an unexpiring key gets the ttl
    await cache.sadd("kept-expiry", "a", ttl=1)
    await cache.sadd("kept-expiry", "b")  # no ttl: the existing expiry stays
    await cache.sadd("renewed", "a", ttl=1)
    await cache.sadd("renewed", "b", ttl=60)
    await cache.sadd("emptied", "a", ttl=1)
    await cache.srem("emptied", "a")  # an emptied set is gone, expiry and all
    await cache.sadd("emptied", "b")
    assert await cache.get("short") == "x"

    async def expired() -> bool:
        # "kept-expiry" got the last one-second ttl: once it is gone, so is every earlier one.
        return await cache.get("short") is None and await cache.smembers("kept-expiry") == set()

    if isinstance(cache, MemoryCache):
        assert not await expired()
        now[0] += 2
        assert await expired()
    else:
        await eventually(expired, timeout=10)

    assert await cache.get("short") is None
    assert await cache.get("long") == "y"
    assert await cache.get("forever") == "z"
    assert await cache.get("reset") == "2"
    assert await cache.incr("window", ttl=60) == 1
    assert await cache.get("counter") is None
    assert await cache.smembers("kept-expiry") == set()
    assert await cache.smembers("renewed") == {"a", "b"}
    assert await cache.smembers("emptied") == {"b"}


@pytest.mark.parametrize("ttl", [0, -5])
async def test_a_non_positive_ttl_is_refused(cache, ttl: int) -> None:
    with pytest.raises(ValueError):
        await cache.set("k", "v", ttl=ttl)
    with pytest.raises(ValueError):
        await cache.incr("n", ttl=ttl)


async def test_incr_is_atomic_under_concurrency(cache) -> None:
    results = await asyncio.gather(*(cache.incr("hits", ttl=60) for _ in range(50)))
    assert sorted(results) == list(range(1, 51))


async def test_sets(cache) -> None:
    assert await cache.smembers("s") == set()
    await cache.sadd("s", "a")
    await cache.sadd("s", "b")
    await cache.sadd("s", "a")
    assert await cache.smembers("s") == {"a", "b"}
    await cache.srem("s", "a")
    await cache.srem("s", "missing")
    assert await cache.smembers("s") == {"b"}
    await cache.delete("s")
    assert await cache.smembers("s") == set()


async def test_prefixes_isolate_caches(caches) -> None:
    one, two = caches(), caches()
    await one.set("k", "one")
    await one.sadd("s", "one")
    await one.incr("n", ttl=60)
    assert await two.get("k") is None
    assert await two.smembers("s") == set()
    assert await two.incr("n", ttl=60) == 1
    await two.delete("k")
    assert await one.get("k") == "one"


async def test_same_prefix_shares_entries(caches, porchside_backend) -> None:
    """Two app instances with one prefix see each other's entries (Redis only)."""
    if not porchside_backend.redis_url:
        pytest.skip("the in-process cache is private to one process by design")
    prefix = f"pstest:{secrets.token_hex(4)}"
    one, two = caches(prefix), caches(prefix)
    await one.set("k", "shared")
    assert await two.get("k") == "shared"


async def test_memory_cache_sweeps_expired_entries() -> None:
    now = [1000.0]
    cache = MemoryCache("sweep", clock=lambda: now[0])
    for i in range(10):
        await cache.set(f"old{i}", "x", ttl=1)
    now[0] += 2
    for i in range(MemoryCache.SWEEP_EVERY):
        await cache.set(f"new{i}", "x", ttl=60)
    # The expired keys were never read again, yet they are gone.
    assert not any(key.startswith("sweep:old") for key in cache._data)
    assert len(cache._data) == MemoryCache.SWEEP_EVERY


async def test_tenant_key_carries_the_tenant_id(tenant, other_tenant, cache) -> None:
    with use_tenant(tenant):
        key_a = tenant_key("sess", "abc")
        await cache.set(key_a, "a's session")
    with use_tenant(other_tenant):
        key_b = tenant_key("sess", "abc")
        assert await cache.get(tenant_key("sess", "abc")) is None
    assert key_a == f"t:{tenant.id}:sess:abc"
    assert key_b == f"t:{other_tenant.id}:sess:abc"
    assert key_a != key_b


def test_tenant_key_needs_a_tenant() -> None:
    with pytest.raises(NoTenantError):
        tenant_key("sess", "abc")
