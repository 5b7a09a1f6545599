"""The embedded queue: jobs wait in memory and run on the app's event loop.

Used when no Redis is configured (``porchside demo``, small installs): no
other process can take these jobs, so the app always runs this worker.
Jobs still waiting when the process stops are lost; core's email delivery
queues stored-but-unsent emails again at the next start for that reason.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from dataclasses import dataclass, field, replace

from core.queue.base import KEY_TTL, TaskQueue, cancel_and_wait, let_jobs_finish
from core.queue.runner import run_attempt

log = logging.getLogger("porchside.queue")


@dataclass(order=True)
class _Entry:
    run_at: float
    seq: int
    key: str = field(compare=False)
    payload: dict = field(compare=False)
    attempt: int = field(compare=False)
    max_attempts: int = field(compare=False)


class InProcessQueue(TaskQueue):
    """A heap of jobs by due time, taken by one loop that runs up to ``queue_concurrency`` at once."""

    def __init__(self, services) -> None:
        super().__init__(services)
        self._heap: list[_Entry] = []
        self._seq = itertools.count()
        self._keys: dict[str, float] = {}
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(services.settings.queue_concurrency)
        self._loop_task: asyncio.Task | None = None
        self._running: set[asyncio.Task] = set()

    async def _push(self, key: str, payload: dict, delay: float, max_attempts: int, unique: bool) -> bool:
        now = time.monotonic()
        if unique:
            for old in [k for k, expires in self._keys.items() if expires <= now]:
                del self._keys[old]
            if key in self._keys:
                return False
            self._keys[key] = now + KEY_TTL
        self._schedule(_Entry(now + delay, next(self._seq), key, payload, 1, max_attempts))
        return True

    async def idle(self) -> bool:
        due = bool(self._heap) and self._heap[0].run_at <= time.monotonic()
        return not due and not self._running

    async def depth(self) -> tuple[int, int]:
        now = time.monotonic()
        due = sum(1 for entry in self._heap if entry.run_at <= now)
        return due + len(self._running), len(self._heap) - due

    def _schedule(self, entry: _Entry) -> None:
        heapq.heappush(self._heap, entry)
        self._wake.set()

    async def _start_consumer(self) -> None:
        self._loop_task = asyncio.create_task(self._take_jobs(), name="porchside-queue")

    async def _take_jobs(self) -> None:
        while True:
            self._wake.clear()
            while self._heap and self._heap[0].run_at <= time.monotonic():
                await self._slots.acquire()
                entry = heapq.heappop(self._heap)
                task = asyncio.create_task(self._run(entry))
                self._running.add(task)
                task.add_done_callback(self._running.discard)
            timeout = self._heap[0].run_at - time.monotonic() if self._heap else None
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except TimeoutError:
                pass

    async def _run(self, entry: _Entry) -> None:
        try:
            outcome = await run_attempt(self, entry.payload, entry.key, entry.attempt, entry.max_attempts)
        finally:
            self._slots.release()
        if outcome.retry_in is not None:
            self._schedule(
                replace(entry, run_at=time.monotonic() + outcome.retry_in, seq=next(self._seq), attempt=entry.attempt + 1)
            )

    async def _stop_consumer(self) -> None:
        await cancel_and_wait(self._loop_task)
        self._loop_task = None
        for task in await let_jobs_finish(self._running):
            await cancel_and_wait(task)  # lost, like every job in memory at shutdown

    async def close(self) -> None:
        if self._heap:
            log.warning("%d job(s) still waiting in memory are dropped at shutdown", len(self._heap))
            self._heap.clear()
