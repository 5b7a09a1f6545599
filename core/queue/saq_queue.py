"""The Redis queue, on saq: jobs survive restarts and any worker sharing Redis runs them.

Why saq and not arq (the issue named arq): arq 0.28 pins ``redis<6``, which
would downgrade redis-py 8 that the cache, sessions and live updates use.
saq 0.26 works with redis-py 8, is asyncio-native, and gives us what we need
from a Redis queue: atomic enqueue that ignores a key already queued,
scheduled jobs, retries with a per-attempt delay, and a sweep that puts back
jobs of a worker that died. Its own cron is not used: our scheduler (see
:mod:`core.queue.cron`) fans scheduled tasks out per tenant.

All keys live under ``<PORCHSIDE_REDIS_PREFIX>:queue``, so deployments and
parallel test sessions sharing a Redis never take each other's jobs.
"""

from __future__ import annotations

import asyncio
import logging
import time

import redis.asyncio as aioredis
from saq import Worker
from saq.queue.redis import PubSubMultiplexer, RedisQueue

from core.queue.base import JOB_TIMEOUT, KEY_TTL, TaskQueue, cancel_and_wait, let_jobs_finish
from core.queue.runner import run_attempt


# saq's name for the one function every job calls; the payload names our task.
RUN = "porchside.run"


class _Settled(Exception):
    """An attempt failed and the runner has logged it; saq only retries or fails the job."""


class _QuietSaq(logging.Filter):
    """Drop saq's reports of what we did on purpose and have logged ourselves.

    Its traceback for a failure the runner has logged, and its warning at
    shutdown when we cancel its idle loops (running jobs were given their
    grace period by :meth:`SaqQueue._stop_consumer`).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], _Settled):
            return False
        return "did not finish within the shutdown grace period" not in record.getMessage()


logging.getLogger("saq").addFilter(_QuietSaq())


class _PrefixedRedisQueue(RedisQueue):
    """saq's Redis queue with every key (and job channel) under ``name``, not ``saq:``."""

    def __init__(self, redis: aioredis.Redis, name: str) -> None:
        super().__init__(redis, name=name)
        self._pubsub = PubSubMultiplexer(redis.pubsub(), prefix=self.job_id(""))

    def namespace(self, key: str) -> str:
        return f"{self.name}:{key}"

    def job_id(self, job_key: str) -> str:
        return f"{self.name}:job:{job_key}"

    def job_key_from_id(self, job_id: str) -> str:
        return job_id[len(self.job_id("")) :]


class SaqQueue(TaskQueue):
    """Jobs in Redis; ``start_worker`` runs a saq worker on this event loop."""

    def __init__(self, services) -> None:
        super().__init__(services)
        settings = services.settings
        # saq blocks one connection per concurrent job slot while it waits
        # for work; a blocking pool waits instead of raising when it is full.
        pool = aioredis.BlockingConnectionPool.from_url(
            settings.redis_url, max_connections=settings.queue_concurrency + 10, timeout=10
        )
        self.redis = aioredis.Redis.from_pool(pool)
        self.saq = _PrefixedRedisQueue(self.redis, name=f"{settings.redis_prefix}:queue")
        self._worker: Worker | None = None
        self._worker_task: asyncio.Task | None = None

    async def _push(self, key: str, payload: dict, delay: float, max_attempts: int, unique: bool) -> bool:
        if unique and not await self.redis.set(self.saq.namespace(f"key:{key}"), 1, nx=True, ex=KEY_TTL):
            return False
        job = await self.saq.enqueue(
            RUN,
            key=key,
            payload=payload,
            scheduled=time.time() + delay if delay else 0,
            retries=max_attempts,
            # saq's own limit only backs up the runner's JOB_TIMEOUT.
            timeout=JOB_TIMEOUT + 30,
        )
        return job is not None

    async def _run(self, ctx: dict, *, payload: dict) -> None:
        job = ctx["job"]
        outcome = await run_attempt(self, payload, job.key, job.attempts, job.retries)
        if outcome.retry_in is not None:
            job.retry_delay = outcome.retry_in
            job.retry_backoff = False
            raise _Settled(f"retry in {outcome.retry_in:.1f} s")
        if outcome.failed:
            job.retries = job.attempts  # not retryable: saq marks it failed
            raise _Settled("failed")

    async def _start_consumer(self) -> None:
        await self.saq.connect()
        worker = Worker(
            self.saq,
            functions=[(RUN, self._run)],
            concurrency=self.services.settings.queue_concurrency,
            # Scheduled jobs and retries are moved to the queue every second.
            timers={"schedule": 1, "sweep": 60, "worker_info": 10, "abort": 1},
        )
        # The app server and `porchside worker` own the signals, not saq.
        worker.SIGNALS = []
        self._worker = worker
        self._worker_task = asyncio.create_task(worker.start(), name="porchside-saq-worker")

    async def _stop_consumer(self) -> None:
        worker, self._worker = self._worker, None
        if worker is None:
            return
        await let_jobs_finish(context["task"] for context in worker.job_task_contexts.values())
        # No grace period left in saq itself: its idle loops are cancelled at
        # once, and a job still running is put back for another worker.
        await worker.stop()
        await cancel_and_wait(self._worker_task)
        self._worker_task = None

    async def close(self) -> None:
        await self.saq.disconnect()
