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
from contextlib import asynccontextmanager
from typing import AsyncIterator

import redis.asyncio as aioredis
from saq import Job, Worker
from saq.job import Status
from saq.utils import now as saq_now
from saq.queue.redis import PubSubMultiplexer, RedisQueue

from core.queue.base import JOB_TIMEOUT, KEY_TTL, TaskQueue, cancel_and_wait, cancel_until_done, let_jobs_finish
from core.queue.runner import run_attempt
from core.redis_pool import redis_client


log = logging.getLogger("porchside.queue")

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


# saq's own (saq/queue/redis.py), locked for ARGV[1] milliseconds instead of seconds.
_SCHEDULE_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then
    redis.call('SET', KEYS[1], 1, 'PX', ARGV[1])
    local jobs = redis.call('ZRANGEBYSCORE', KEYS[2], 1, ARGV[2])
    for _, v in ipairs(jobs) do
        redis.call('ZADD', KEYS[2], 0, v)
        redis.call('RPUSH', KEYS[3], v)
    end
    return jobs
end
"""

# saq's own (saq/queue/redis.py): one worker per `lock` seconds reads the active list.
_SWEEP_SCRIPT = """
local id_jobs = {}
if redis.call('EXISTS', KEYS[1]) == 0 then
    redis.call('SETEX', KEYS[1], ARGV[1], 1)
    for i, v in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
        id_jobs[i] = {v, redis.call('GET', v)}
    end
end
return id_jobs
"""


def _sweep_interval(heartbeat: int) -> int:
    """Whole seconds between sweeps (saq's sweep lock is a Redis SETEX)."""
    return max(1, heartbeat // 3)


@asynccontextmanager
async def _beating(job: Job) -> AsyncIterator[None]:
    """Touch ``job`` in Redis every third of its heartbeat while the block runs.

    saq only sweeps a job as stuck when its ``touched`` time is older than
    its heartbeat, and does not touch running jobs itself. So a worker that
    is alive keeps its jobs, and the job of a worker killed mid-attempt is
    retried by another worker within about a heartbeat, not after the whole
    job timeout. The beat stops (and finishes its last write) before the
    block's outcome is stored, so it never overwrites a finished job.
    """
    if not job.heartbeat:
        yield
        return
    interval = job.heartbeat / 3
    stop = asyncio.Event()

    async def beat() -> None:
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), interval)
                return
            except asyncio.TimeoutError:
                pass
            try:
                async with asyncio.timeout(interval):
                    await job.update()
            except Exception as exc:  # Redis away for a moment: the next beat tries again
                log.warning("job %s: heartbeat not stored: %s: %s", job.key, type(exc).__name__, exc)

    task = asyncio.create_task(beat(), name=f"porchside-heartbeat-{job.key}")
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(task, return_exceptions=True)


class _PrefixedRedisQueue(RedisQueue):
    """saq's Redis queue with every key (and job channel) under ``name``, not ``saq:``."""

    def __init__(self, redis: aioredis.Redis, name: str) -> None:
        super().__init__(redis, name=name)
        self._pubsub = PubSubMultiplexer(redis.pubsub(), prefix=self.job_id(""))
        # Jobs of the active list not marked active yet: id -> (first seen, record's state then).
        self._suspects: dict[bytes, tuple[int, tuple[int, int]]] = {}

    def _abandoned(self, job_id: bytes, job: Job) -> bool:
        """Whether a job of the active list belongs to no live worker any more.

        An active job is abandoned once its heartbeat (or time limit) ran
        out. One not marked active yet was taken a moment ago (saq marks it
        next), or by a worker that died at once: only the same record seen
        again by a later sweep, a heartbeat after the first, tells which.
        """
        if job.status in (Status.ACTIVE, Status.ABORTING):
            return job.stuck
        state = (job.attempts, job.touched)
        first = self._suspects.get(job_id)
        if first is None or first[1] != state:
            self._suspects[job_id] = (saq_now(), state)
            return False
        return saq_now() - first[0] > (job.heartbeat or job.timeout or JOB_TIMEOUT) * 1000

    def namespace(self, key: str) -> str:
        return f"{self.name}:{key}"

    async def schedule(self, lock: float = 1) -> list[str]:
        """Move the due scheduled jobs and retries to the queue; saq's own, with a lock in milliseconds.

        saq's script locks with SETEX, whole seconds only; a worker whose
        schedule tick (``queue_schedule_every``) is shorter would find its
        own lock still held. One worker at a time still does the move.
        """
        if not self._schedule_script:
            self._schedule_script = self.redis.register_script(_SCHEDULE_SCRIPT)
        job_ids = await self._schedule_script(
            keys=[self._schedule, self._incomplete, self._queued], args=[max(1, int(lock * 1000)), time.time()], client=self.redis
        )
        return [job_id.decode() for job_id in job_ids or []]

    async def sweep(self, lock: int = 60, abort: float = 1.0) -> list[str]:
        """Take back the jobs of workers that died; saq's own sweep, without its two races.

        saq sweeps every job of the active list whose record does not say
        ``active``, but a worker moves a job to that list a moment *before*
        marking it active: a sweep in between aborted and re-ran a job that
        had just started (seen in tests/test_multi_instance.py, with a sweep
        every second). Here such a job is swept only when a later sweep
        finds it unchanged a heartbeat on (see :meth:`_abandoned`). And saq
        re-queues a swept job even when it finished while the sweep waited;
        here a job that completed or failed for good stays so. ``abort`` is
        1 s, not saq's 5 s: a job is swept once its heartbeat ran out, so
        its worker is gone (or frozen) and will hardly confirm the abort.
        """
        if not self._cleanup_script:
            self._cleanup_script = self.redis.register_script(_SWEEP_SCRIPT)
        id_jobs = await self._cleanup_script(keys=[self._sweep, self._active], args=[lock], client=self.redis)
        if id_jobs:  # this worker read the list: forget suspects no longer on it
            listed = {job_id for job_id, _ in id_jobs}
            self._suspects = {k: v for k, v in self._suspects.items() if k in listed}
        swept = []
        for job_id, job_bytes in id_jobs:
            job = self.deserialize(job_bytes)
            if job is None:  # its record expired: drop the id
                swept.append(job_id)
                async with self.redis.pipeline(transaction=True) as pipe:
                    await pipe.lrem(self._active, 0, job_id).zrem(self._incomplete, job_id).execute()
                continue
            if not self._abandoned(job_id, job):
                continue
            self._suspects.pop(job_id, None)
            swept.append(job_id)
            log.warning("job %s: its worker stopped touching it; taking it back", job.key)
            await self.abort(job, error=self.swept_error_message)
            try:
                await job.refresh(abort)
            except asyncio.TimeoutError:
                pass
            if job.status in (Status.COMPLETE, Status.FAILED):
                continue
            if job.retryable:
                await self.retry(job, error=self.swept_error_message)
            else:
                await self.finish(job, Status.ABORTED, error=self.swept_error_message)
        return [job_id.decode() for job_id in swept]

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
        self.redis = redis_client(settings.redis_url, max_connections=settings.queue_concurrency + 10, timeout=10)
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
            # A job whose worker stops touching it (killed, machine gone) is
            # swept and run again by another worker (see _beating).
            heartbeat=self.services.settings.queue_heartbeat,
        )
        return job is not None

    async def idle(self) -> bool:
        # saq keeps every unfinished job in one sorted set, scored 0 once
        # queued (or running) and by due time while scheduled.
        return not await self.redis.zcount(self.saq.namespace("incomplete"), 0, time.time())

    async def depth(self) -> tuple[int, int]:
        incomplete = self.saq.namespace("incomplete")
        now = time.time()
        due = await self.redis.zcount(incomplete, 0, now)
        return due, await self.redis.zcount(incomplete, f"({now}", "+inf")

    async def _run(self, ctx: dict, *, payload: dict) -> None:
        job = ctx["job"]
        async with _beating(job):
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
            # Scheduled jobs and retries are moved to the queue every
            # queue_schedule_every seconds (1 s by default);
            # the sweep that takes back the jobs of a dead worker runs three
            # times per heartbeat (one worker at a time: saq locks it).
            timers={"schedule": self.services.settings.queue_schedule_every, "sweep": _sweep_interval(self.services.settings.queue_heartbeat), "worker_info": 10, "abort": 1},
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
        # once, and a job still running is put back for another worker. saq's
        # stop() cancels each loop once and then waits for all of them; a loop
        # whose Redis call swallowed that cancel would sleep out its timer
        # first, so the loops are cancelled here until they have ended.
        worker.event.set()
        await cancel_until_done(worker.tasks)
        await worker.stop()
        await cancel_and_wait(self._worker_task)
        self._worker_task = None

    async def close(self) -> None:
        await self.saq.disconnect()
