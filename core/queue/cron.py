"""Scheduled tasks: ``Task(cron="*/5 * * * *")`` runs once per tenant at those times.

Every worker runs :func:`run_schedule`. At each time a task is due (UTC), it
enqueues one dispatch job keyed by the task and that time, so with several
workers sharing Redis the dispatch still happens once. The dispatch job
(:func:`dispatch_cron`) enqueues the task for every active tenant that has
the task's plugin enabled (core's tasks count as always enabled), again
keyed by the time, so a retried dispatch never runs a tenant's task twice.
Times missed while no worker ran are not caught up.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from croniter import croniter

from core.queue.registry import CRON_DISPATCH
from core.queue.runner import task_enabled
from tenants.context import use_tenant
from tenants.models import Tenant

if TYPE_CHECKING:
    from core.queue.base import TaskQueue
    from core.services import Services

log = logging.getLogger("porchside.queue")


def _next_time(cron: str, after: datetime) -> datetime:
    return croniter(cron, after).get_next(datetime)


async def run_schedule(queue: "TaskQueue") -> None:
    """Enqueue the dispatch of each scheduled task when it is due, until cancelled."""
    tasks = queue.registry.scheduled()
    start = datetime.now(timezone.utc)
    due = {item.record.name: _next_time(item.record.cron, start) for item in tasks}
    while True:
        now = datetime.now(timezone.utc)
        for item in tasks:
            name = item.record.name
            if due[name] > now:
                continue
            slot = due[name].isoformat()
            due[name] = _next_time(item.record.cron, max(due[name], now))
            try:
                await queue.enqueue(CRON_DISPATCH, key=f"{name}@{slot}", task=name, slot=slot)
            except Exception:
                log.exception("could not enqueue the scheduled run of %s at %s", name, slot)
        wait = (min(due.values()) - datetime.now(timezone.utc)).total_seconds()
        await asyncio.sleep(max(wait, 0.01))


async def dispatch_cron(task: str, slot: str, services: "Services") -> int:
    """Enqueue scheduled task ``task`` for each tenant where it is enabled.

    :param slot: the scheduled time (ISO 8601), part of each job's key.
    :return: how many tenants it was enqueued for.
    """
    queue = services.queue
    declared = queue.registry.get(task)
    count = 0
    for tenant in await Tenant.filter(disabled_at__isnull=True).order_by("id"):
        with use_tenant(tenant):
            if not await task_enabled(services, declared.plugin):
                continue
        if await queue.enqueue(task, tenant=tenant, key=f"cron@{slot}") is not None:
            count += 1
    return count
