"""The one way Porchside opens Redis: a blocking pool whose connections survive a Redis restart.

The cache (sessions, rate limits), live updates and the job queue each keep
a pool of connections. After Redis restarts, every pooled connection is
dead, and redis-py gives connections of a pool made with ``from_url`` no
retry at all: each one fails its next command once, and a page answered 503
or a worker dropped a job's result for no reason but a stale socket. So every
pool here retries a command that failed on a broken or refused connection,
on a fresh connection, twice with a short back-off: a restart that is over
goes unnoticed, an outage that goes on still fails within about a second.

Blocking pools wait for a free connection instead of raising
``MaxConnectionsError`` under load.

The client answers ``setex`` with ``SET ... EX`` (the same command redis-py
recommends): saq 0.26 still calls ``setex``, which redis-py 8 marks
deprecated, and every run with a worker, plugins' test runs included,
printed that warning.
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff

# Retries of one command after a connection error (the first one opens a
# fresh connection, which is all a finished restart needs).
RETRIES = 2
RETRY_BASE = 0.1
RETRY_CAP = 0.5


class _SetexAsSet:
    """``setex(name, time, value)`` as ``set(name, value, ex=time)``: same effect, not deprecated."""

    def setex(self, name: Any, time: Any, value: Any) -> Any:
        return self.set(name, value, ex=time)  # type: ignore[attr-defined]


class PorchsidePipeline(_SetexAsSet, Pipeline):
    """A pipeline of :class:`PorchsideRedis`."""


class PorchsideRedis(_SetexAsSet, aioredis.Redis):
    """redis-py's asyncio client whose pipelines are :class:`PorchsidePipeline`."""

    def pipeline(self, transaction: bool = True, shard_hint: str | None = None) -> PorchsidePipeline:
        return PorchsidePipeline(self.connection_pool, self.response_callbacks, transaction, shard_hint)


def redis_client(url: str, *, max_connections: int, timeout: float = 5, **options: Any) -> PorchsideRedis:
    """A client on a blocking pool of ``max_connections`` that reconnects after a Redis restart.

    :param timeout: seconds to wait for a free connection of the pool.
    :param options: more connection options (``decode_responses=True``).
    """
    pool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=timeout,
        retry=Retry(ExponentialWithJitterBackoff(cap=RETRY_CAP, base=RETRY_BASE), RETRIES),
        **options,
    )
    # from_pool hands the pool to the client, so close() also closes it.
    return PorchsideRedis.from_pool(pool)
