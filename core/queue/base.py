"""The task queue interface that both backends implement.

``enqueue(name, tenant=..., key=..., delay=..., **kwargs)`` stores a job and
returns at once; a worker runs it later, inside the tenant's scope, and
retries a failed attempt with exponential back-off. What differs between the
backends is only where jobs wait (:meth:`TaskQueue._push`) and who takes
them (:meth:`TaskQueue._start_consumer`): memory and this process, or Redis
and any worker sharing it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from core.characters import storable
from core.queue.errors import QueueError
from core.queue.registry import TaskRegistry

if TYPE_CHECKING:
    from core.services import Services
    from tenants.models import Tenant

log = logging.getLogger("porchside.queue")

# How long one attempt may run before it counts as failed.
JOB_TIMEOUT = 300
# How long a job key is remembered: the same key again within this time is
# ignored, even when the first job has long finished.
KEY_TTL = 24 * 3600
# Arguments the worker passes itself when a task function asks for them.
INJECTED = ("services", "job")
# Seconds a job running at shutdown may take to finish before it is stopped.
SHUTDOWN_GRACE = 10


@dataclass(frozen=True)
class JobInfo:
    """What a task may ask about the attempt it runs in (parameter ``job``)."""

    name: str
    key: str
    attempt: int
    max_attempts: int
    tenant: "Tenant | None"

    @property
    def final(self) -> bool:
        """True on the last attempt: a failure now is for good."""
        return self.attempt >= self.max_attempts


def backoff(attempt: int, base: float, maximum: float) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based).

    The delay doubles from ``base`` up to ``maximum``; the second half of it
    is random so that jobs failing together (an SMTP outage) do not all come
    back at the same moment.
    """
    delay = min(maximum, base * 2 ** (attempt - 1))
    return delay / 2 + random.random() * delay / 2


async def cancel_and_wait(task: asyncio.Task | None) -> None:
    """Cancel ``task`` and wait until it has stopped."""
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def cancel_until_done(tasks: Iterable[asyncio.Task], limit: float = 5.0, every: float = 0.05) -> set[asyncio.Task]:
    """Cancel ``tasks`` again and again until each has ended (at most ``limit`` seconds).

    One cancel is not always enough: saq's idle loops call Redis, and a call
    that swallows the cancellation returns normally, after which the loop
    sleeps out its timer (up to a minute) before it looks again. Returns
    (and logs) the tasks still running after ``limit``.
    """
    pending = {task for task in tasks if not task.done()}
    deadline = asyncio.get_running_loop().time() + limit
    while pending and asyncio.get_running_loop().time() < deadline:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=every)
    if pending:
        log.warning("%d task(s) still running %g s after being cancelled", len(pending), limit)
    return pending


async def let_jobs_finish(running: Iterable[asyncio.Task]) -> set[asyncio.Task]:
    """Give running jobs ``SHUTDOWN_GRACE`` seconds; return (and log) those still running."""
    running = set(running)
    if not running:
        return set()
    _, pending = await asyncio.wait(running, timeout=SHUTDOWN_GRACE)
    if pending:
        log.warning("%d job(s) still running after %d s are stopped", len(pending), SHUTDOWN_GRACE)
    return pending


def job_key(name: str, tenant: "Tenant | None", key: str | None) -> str:
    """The stored key of a job: per task and tenant, so keys never clash."""
    return f"{name}:{tenant.public_id if tenant is not None else '-'}:{key or uuid.uuid4().hex}"


class TaskQueue(ABC):
    """Enqueue declared tasks; run them in a worker started with the app.

    Task functions receive the keyword arguments given to :meth:`enqueue`
    (JSON values, the same on both backends), plus ``services`` and ``job``
    (:class:`JobInfo`) when their signature names them.
    """

    def __init__(self, services: "Services") -> None:
        self.services = services
        self.registry = TaskRegistry(services.plugins.declared.tasks)
        self._cron: asyncio.Task | None = None
        self._consuming = False

    async def enqueue(
        self,
        name: str,
        *,
        tenant: "Tenant | None" = None,
        key: str | None = None,
        delay: float = 0,
        **kwargs: Any,
    ) -> str | None:
        """Queue task ``name`` to run with ``kwargs``, in ``tenant``'s scope if given.

        :param key: makes the job unique: the same task, tenant and key
            enqueued again (within a day) is ignored, so a double click or a
            retried request never runs a job twice.
        :param delay: seconds to wait before the first attempt.
        :return: the job's key, or None when ``key`` was already used.
        :raises QueueError: unknown task, or arguments that are not JSON.
        """
        task = self.registry.get(name).record
        if delay < 0:
            raise QueueError(f"task {name!r}: delay must not be negative")
        reserved = sorted(set(kwargs) & set(INJECTED))
        if reserved:
            raise QueueError(f"task {name!r}: {', '.join(reserved)} is passed by the worker, not by enqueue")
        try:
            # A round trip through JSON, so both backends hand tasks the same values.
            arguments = json.loads(json.dumps(kwargs))
        except (TypeError, ValueError) as exc:
            raise QueueError(f"task {name!r}: arguments must be JSON values (str, numbers, lists, dicts): {exc}") from None
        if not storable(arguments):
            # Requests are refused at the door (core.web.input_guard); this keeps
            # any other path from queueing a job that would fail on every retry.
            raise QueueError(f"task {name!r}: arguments hold a NUL byte or a lone surrogate, which the database cannot store")
        payload = {"task": name, "tenant_id": tenant.id if tenant is not None else None, "kwargs": arguments}
        stored_key = job_key(name, tenant, key)
        queued = await self._push(stored_key, payload, float(delay), task.retries + 1, unique=key is not None)
        if not queued:
            log.info("task %s: job %s is already queued or done; ignored", name, stored_key)
            return None
        return stored_key

    async def start_worker(self) -> None:
        """Start taking jobs in this process, and the scheduler of cron tasks."""
        if self._consuming:
            return
        from core.queue.cron import run_schedule

        await self._start_consumer()
        self._consuming = True
        if self.registry.scheduled():
            self._cron = asyncio.create_task(run_schedule(self), name="porchside-cron")

    async def stop_worker(self) -> None:
        """Stop taking jobs; a running job gets a short grace period to finish."""
        await cancel_and_wait(self._cron)
        self._cron = None
        if self._consuming:
            self._consuming = False
            await self._stop_consumer()

    @property
    def working(self) -> bool:
        """True while this process takes jobs."""
        return self._consuming

    @abstractmethod
    async def idle(self) -> bool:
        """True when no job is running or due now; jobs and retries scheduled for later do not count.

        What "everything queued so far has been done" looks like from
        outside, e.g. for a test that checks nothing more was sent.
        """

    @abstractmethod
    async def depth(self) -> tuple[int, int]:
        """``(due, scheduled)``: jobs waiting or running now, and jobs (and retries) due later.

        Read by ``/metrics``; for the Redis queue it is the whole queue,
        whichever process asks.
        """

    @abstractmethod
    async def _push(self, key: str, payload: dict, delay: float, max_attempts: int, unique: bool) -> bool:
        """Store a job; False when ``unique`` and the key was seen before."""

    @abstractmethod
    async def _start_consumer(self) -> None: ...

    @abstractmethod
    async def _stop_consumer(self) -> None: ...

    async def close(self) -> None:
        """Release connections (after :meth:`stop_worker`)."""
