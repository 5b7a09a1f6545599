"""A small key-value store: Redis in production, a dict when embedded.

Used for the host -> tenant cache, server-side sessions, rate-limit counters
and per-tenant plugin state. Every key gets the configured prefix; keys of
tenant data go through :func:`tenant_key` so they carry the tenant's id.
"""

from __future__ import annotations

import asyncio
import time
from typing import Callable, Protocol

from core.redis_pool import redis_client
from tenants.context import current_tenant_id


def tenant_key(*parts: object) -> str:
    """A cache key inside the current tenant's namespace."""
    return ":".join(["t", str(current_tenant_id()), *map(str, parts)])


class Cache(Protocol):
    async def get(self, key: str) -> str | None: ...
    async def set(self, key: str, value: str, ttl: int | None = None) -> None: ...
    async def delete(self, *keys: str) -> None: ...
    async def incr(self, key: str, ttl: int) -> int: ...
    async def sadd(self, key: str, member: str, ttl: int | None = None) -> None: ...
    async def srem(self, key: str, member: str) -> None: ...
    async def smembers(self, key: str) -> set[str]: ...
    async def close(self) -> None: ...


def _check_ttl(ttl: int | None) -> None:
    # Redis refuses a zero or negative expiry; the in-process cache does too,
    # so a caller's mistake shows up in the embedded mode as well.
    if ttl is not None and ttl <= 0:
        raise ValueError(f"ttl must be a positive number of seconds, got {ttl}")


class MemoryCache:
    """An in-process cache with expiry, for the embedded default and tests.

    Expired entries are dropped when read and, so that keys nobody reads
    again (old sessions, rate-limit counters) do not pile up, in a sweep
    every ``SWEEP_EVERY`` writes.
    """

    SWEEP_EVERY = 1000

    def __init__(self, prefix: str = "porchside", clock: Callable[[], float] = time.monotonic) -> None:
        self.prefix = prefix
        self._clock = clock
        self._data: dict[str, tuple[object, float | None]] = {}
        self._lock = asyncio.Lock()
        self._writes = 0
        self.closed = False

    def _k(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    def _live(self, key: str):
        item = self._data.get(self._k(key))
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= self._clock():
            self._data.pop(self._k(key), None)
            return None
        return value

    def _expiry(self, ttl: int | None) -> float | None:
        _check_ttl(ttl)
        return None if ttl is None else self._clock() + ttl

    def _store(self, key: str, value: object, expires: float | None) -> None:
        self._data[self._k(key)] = (value, expires)
        self._writes += 1
        if self._writes % self.SWEEP_EVERY == 0:
            now = self._clock()
            for stale in [k for k, (_, exp) in self._data.items() if exp is not None and exp <= now]:
                del self._data[stale]

    async def get(self, key: str) -> str | None:
        value = self._live(key)
        return value if isinstance(value, str) else None

    async def set(self, key: str, value: str, ttl: int | None = None) -> None:
        self._store(key, value, self._expiry(ttl))

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._data.pop(self._k(key), None)

    async def incr(self, key: str, ttl: int) -> int:
        """Add one; the expiry is set when the key has none (like Redis ``EXPIRE NX``)."""
        async with self._lock:
            item = self._live(key)
            expires = self._expiry(ttl)
            if item is None:
                self._store(key, "1", expires)
                return 1
            value = int(item) + 1
            old_expiry = self._data[self._k(key)][1]
            self._store(key, str(value), expires if old_expiry is None else old_expiry)
            return value

    async def sadd(self, key: str, member: str, ttl: int | None = None) -> None:
        members = self._live(key)
        if not isinstance(members, set):
            members = set()
        members.add(member)
        old = self._data.get(self._k(key))
        expires = self._expiry(ttl) if ttl is not None else (old[1] if old else None)
        self._store(key, members, expires)

    async def srem(self, key: str, member: str) -> None:
        members = self._live(key)
        if isinstance(members, set):
            members.discard(member)
            if not members:  # Redis deletes an emptied set, and its expiry with it
                self._data.pop(self._k(key), None)

    async def smembers(self, key: str) -> set[str]:
        members = self._live(key)
        return set(members) if isinstance(members, set) else set()

    async def close(self) -> None:
        self.closed = True
        self._data.clear()


class RedisCache:
    """The same interface on Redis, shared by every app instance."""

    def __init__(self, url: str, prefix: str = "porchside", max_connections: int = 50) -> None:
        self.prefix = prefix
        self.redis = redis_client(url, max_connections=max_connections, decode_responses=True)
        self.closed = False

    def _k(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    async def get(self, key: str) -> str | None:
        return await self.redis.get(self._k(key))

    async def set(self, key: str, value: str, ttl: int | None = None) -> None:
        _check_ttl(ttl)
        await self.redis.set(self._k(key), value, ex=ttl)

    async def delete(self, *keys: str) -> None:
        if keys:
            await self.redis.delete(*(self._k(k) for k in keys))

    async def incr(self, key: str, ttl: int) -> int:
        _check_ttl(ttl)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(self._k(key))
            pipe.expire(self._k(key), ttl, nx=True)
            value, _ = await pipe.execute()
        return int(value)

    async def sadd(self, key: str, member: str, ttl: int | None = None) -> None:
        _check_ttl(ttl)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(self._k(key), member)
            if ttl is not None:
                pipe.expire(self._k(key), ttl)
            await pipe.execute()

    async def srem(self, key: str, member: str) -> None:
        await self.redis.srem(self._k(key), member)

    async def smembers(self, key: str) -> set[str]:
        return set(await self.redis.smembers(self._k(key)))

    async def close(self) -> None:
        self.closed = True
        await self.redis.aclose()


def build_cache(redis_url: str | None, prefix: str) -> Cache:
    return RedisCache(redis_url, prefix) if redis_url else MemoryCache(prefix)
