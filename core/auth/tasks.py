"""Sign-in's background task, declared through the same hook as plugins' tasks."""

from __future__ import annotations

from core.auth.links import TASK_SEND_LINK, send_link_task
from core.hookspecs import hookimpl
from core.records import Task


@hookimpl
def porchside_tasks():
    return [Task(name=TASK_SEND_LINK, func=send_link_task, retries=3)]
