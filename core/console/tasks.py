"""The console's background task, declared through the same hook as plugins' tasks."""

from __future__ import annotations

from core.console.staff_links import TASK_SEND_RESET, send_reset_task
from core.hookspecs import hookimpl
from core.records import Task


@hookimpl
def porchside_tasks():
    return [Task(name=TASK_SEND_RESET, func=send_reset_task, retries=3)]
