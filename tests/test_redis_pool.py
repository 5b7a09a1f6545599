"""The Redis client every part of Porchside opens (core.redis_pool)."""

from __future__ import annotations

import secrets
import warnings

import pytest

from core.redis_pool import redis_client
from core.testing import REDIS_TEST_URL, _redis_reachable, _unavailable


@pytest.mark.redis
async def test_setex_sets_with_a_ttl_and_warns_nothing():
    """saq calls ``setex`` (deprecated in redis-py 8); our client sends SET ... EX instead."""
    reason = await _redis_reachable()
    if reason:
        _unavailable(reason)
    client = redis_client(REDIS_TEST_URL, max_connections=2)
    key = f"test:setex:{secrets.token_hex(4)}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            await client.setex(key, 30, "one")
            async with client.pipeline(transaction=True) as pipe:
                await pipe.setex(key + ":p", 30, "two").execute()
        assert await client.get(key) == b"one" and await client.get(key + ":p") == b"two"
        assert 0 < await client.ttl(key) <= 30 and 0 < await client.ttl(key + ":p") <= 30
    finally:
        await client.delete(key, key + ":p")
        await client.aclose()
