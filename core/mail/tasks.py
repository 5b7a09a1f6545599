"""Core's background tasks, declared through the same hook as plugins' tasks.

Registered as part of plugin ``core`` (``CORE_IMPLEMENTATIONS``), so they
run for every tenant.
"""

from __future__ import annotations

from core.hookspecs import hookimpl
from core.mail.delivery import DELIVER_TASK, DELIVERY_RETRIES, deliver_email, requeue_waiting
from core.records import Task


@hookimpl
def porchside_tasks():
    return [Task(name=DELIVER_TASK, func=deliver_email, retries=DELIVERY_RETRIES)]


@hookimpl
async def porchside_startup(app):
    """With the in-process queue, deliver what the last run left unsent."""
    services = app.extensions["porchside"]
    if services.settings.embedded:
        await requeue_waiting(services)
