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
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff

# Retries of one command after a connection error (the first one opens a
# fresh connection, which is all a finished restart needs).
RETRIES = 2
RETRY_BASE = 0.1
RETRY_CAP = 0.5


def redis_client(url: str, *, max_connections: int, timeout: float = 5, **options: Any) -> aioredis.Redis:
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
    return aioredis.Redis.from_pool(pool)
