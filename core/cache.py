"""A small key-value store: Redis in production, a dict when embedded.

Used for the host -> tenant cache, server-side sessions, rate-limit counters
and per-tenant plugin state. Every key gets the configured prefix; keys of
tenant data go through :func:`tenant_key` so they carry the tenant's id.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

import redis.asyncio as aioredis

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


class MemoryCache:
    """An in-process cache with expiry, for the embedded default and tests."""

    def __init__(self, prefix: str = "porchside") -> None:
        self.prefix = prefix
        self._data: dict[str, tuple[object, float | None]] = {}
        self._lock = asyncio.Lock()

    def _k(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    def _live(self, key: str):
        item = self._data.get(self._k(key))
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= time.monotonic():
            self._data.pop(self._k(key), None)
            return None
        return value

    @staticmethod
    def _expiry(ttl: int | None) -> float | None:
        return None if ttl is None else time.monotonic() + ttl

    async def get(self, key: str) -> str | None:
        value = self._live(key)
        return value if isinstance(value, str) else None

    async def set(self, key: str, value: str, ttl: int | None = None) -> None:
        self._data[self._k(key)] = (value, self._expiry(ttl))

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._data.pop(self._k(key), None)

    async def incr(self, key: str, ttl: int) -> int:
        async with self._lock:
            item = self._live(key)
            if item is None:
                self._data[self._k(key)] = ("1", self._expiry(ttl))
                return 1
            value = int(item) + 1
            self._data[self._k(key)] = (str(value), self._data[self._k(key)][1])
            return value

    async def sadd(self, key: str, member: str, ttl: int | None = None) -> None:
        members = self._live(key)
        if not isinstance(members, set):
            members = set()
        members.add(member)
        old = self._data.get(self._k(key))
        expires = self._expiry(ttl) if ttl is not None else (old[1] if old else None)
        self._data[self._k(key)] = (members, expires)

    async def srem(self, key: str, member: str) -> None:
        members = self._live(key)
        if isinstance(members, set):
            members.discard(member)

    async def smembers(self, key: str) -> set[str]:
        members = self._live(key)
        return set(members) if isinstance(members, set) else set()

    async def close(self) -> None:
        self._data.clear()


class RedisCache:
    """The same interface on Redis, shared by every app instance."""

    def __init__(self, url: str, prefix: str = "porchside", max_connections: int = 50) -> None:
        self.prefix = prefix
        # A blocking pool waits for a free connection instead of raising
        # MaxConnectionsError under load.
        pool = aioredis.BlockingConnectionPool.from_url(
            url, max_connections=max_connections, timeout=5, decode_responses=True
        )
        self.redis = aioredis.Redis(connection_pool=pool)

    def _k(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    async def get(self, key: str) -> str | None:
        return await self.redis.get(self._k(key))

    async def set(self, key: str, value: str, ttl: int | None = None) -> None:
        await self.redis.set(self._k(key), value, ex=ttl)

    async def delete(self, *keys: str) -> None:
        if keys:
            await self.redis.delete(*(self._k(k) for k in keys))

    async def incr(self, key: str, ttl: int) -> int:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(self._k(key))
            pipe.expire(self._k(key), ttl, nx=True)
            value, _ = await pipe.execute()
        return int(value)

    async def sadd(self, key: str, member: str, ttl: int | None = None) -> None:
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
        await self.redis.aclose()


def build_cache(redis_url: str | None, prefix: str) -> Cache:
    return RedisCache(redis_url, prefix) if redis_url else MemoryCache(prefix)
