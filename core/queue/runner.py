"""One attempt of one job, the same for both backends.

The runner loads the job's tenant and runs the task inside
``use_tenant(tenant)``; it skips the job when the task's plugin is no longer
enabled there. Every failure is logged: a retry at warning level with the
delay, a final failure at error level with the traceback, so nothing fails
silently.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.logs import log_context
from core.metrics import count_job
from core.plugin_state import enabled_plugins
from core.plugins import CORE
from core.queue.base import JOB_TIMEOUT, JobInfo, backoff
from core.queue.errors import NoRetry
from tenants.context import use_tenant
from tenants.models import Tenant

if TYPE_CHECKING:
    from core.queue.base import TaskQueue
    from core.services import Services

log = logging.getLogger("porchside.queue")


@dataclass(frozen=True)
class Outcome:
    """How an attempt ended: done, retry after ``retry_in`` seconds, or ``failed`` for good."""

    retry_in: float | None = None
    failed: bool = False
    skipped: bool = False

    @property
    def name(self) -> str:
        """The outcome as counted in ``porchside_jobs_total``."""
        if self.failed:
            return "failed"
        if self.retry_in is not None:
            return "retry"
        return "skipped" if self.skipped else "done"


async def task_enabled(services: "Services", plugin: str) -> bool:
    """Whether ``plugin``'s tasks may run for the current tenant (core's always may)."""
    return plugin == CORE or plugin in await enabled_plugins(services.plugins, services.cache)


async def run_attempt(queue: "TaskQueue", payload: dict, key: str, attempt: int, max_attempts: int) -> Outcome:
    """Run attempt number ``attempt`` of a job and say what should happen next."""
    name = payload["task"]
    with log_context(task=name, job=key):
        outcome = await _attempt(queue, payload, key, attempt, max_attempts)
    count_job(name, outcome.name)
    return outcome


async def _attempt(queue: "TaskQueue", payload: dict, key: str, attempt: int, max_attempts: int) -> Outcome:
    name = payload["task"]
    try:
        async with asyncio.timeout(JOB_TIMEOUT):
            ran = await _execute(queue, payload, key, attempt, max_attempts)
    except NoRetry as exc:
        log.error("task %s (job %s) failed and will not be retried: %s", name, key, exc)
        return Outcome(failed=True)
    except Exception as exc:
        if attempt >= max_attempts:
            log.error("task %s (job %s) failed for good after %d attempts", name, key, attempt, exc_info=exc)
            return Outcome(failed=True)
        settings = queue.services.settings
        delay = backoff(attempt, settings.queue_retry_delay, settings.queue_retry_max_delay)
        log.warning(
            "task %s (job %s) failed on attempt %d of %d, retrying in %.1f s: %s: %s",
            name, key, attempt, max_attempts, delay, type(exc).__name__, exc,
        )
        return Outcome(retry_in=delay)
    return Outcome(skipped=not ran)


async def _execute(queue: "TaskQueue", payload: dict, key: str, attempt: int, max_attempts: int) -> bool:
    """Run the task; False when it was skipped (tenant gone, plugin off)."""
    from core.services import use_services  # core.services builds the queue: imported late

    declared = queue.registry.get(payload["task"])
    tenant = None
    if payload.get("tenant_id") is not None:
        tenant = await Tenant.get_or_none(id=payload["tenant_id"])
        if tenant is None:
            log.warning("task %s (job %s) skipped: its tenant no longer exists", declared.record.name, key)
            return False
    plugin = declared.plugin if declared.plugin != CORE else None
    with use_tenant(tenant), use_services(queue.services), log_context(plugin=plugin):
        if tenant is not None and not await task_enabled(queue.services, declared.plugin):
            log.info("task %s (job %s) skipped: plugin %s is off for %s", declared.record.name, key, declared.plugin, tenant.slug)
            return False
        job = JobInfo(name=declared.record.name, key=key, attempt=attempt, max_attempts=max_attempts, tenant=tenant)
        func = declared.record.func
        await func(**_arguments(func, payload.get("kwargs") or {}, {"services": queue.services, "job": job}))
    return True


def _arguments(func: Any, kwargs: dict, injected: dict) -> dict:
    """``kwargs`` plus the injected values the function names as parameters."""
    parameters = inspect.signature(func).parameters
    return {**kwargs, **{name: value for name, value in injected.items() if name in parameters}}
