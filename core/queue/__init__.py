"""Background jobs: emails, AutoPay, webhooks, bulk invites, scheduled tasks.

``services.queue.enqueue("mail.deliver", tenant=tenant, key=..., email_id=...)``
stores a job and returns at once. Two backends implement
:class:`~core.queue.base.TaskQueue`:

* :class:`~core.queue.memory.InProcessQueue` when no Redis is configured:
  jobs run on the app's own event loop (the embedded default);
* :class:`~core.queue.saq_queue.SaqQueue` on Redis (saq, not arq: see that
  module), where any app instance or ``porchside worker`` takes the jobs.

Tasks come from the ``porchside_tasks`` hook (:class:`~core.records.Task`).
A failed attempt is retried after ``queue_retry_delay`` seconds, doubling up
to ``queue_retry_max_delay``, ``Task.retries`` times; the last failure is
logged as an error. A task raises :class:`NoRetry` to fail at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.queue.base import JobInfo, TaskQueue
from core.queue.errors import NoRetry, QueueError

if TYPE_CHECKING:
    from core.services import Services

__all__ = ["JobInfo", "NoRetry", "QueueError", "TaskQueue", "build_queue"]


def build_queue(services: "Services") -> TaskQueue:
    """The Redis queue when ``settings.redis_url`` is set, else the in-process one."""
    if services.settings.redis_url:
        from core.queue.saq_queue import SaqQueue

        return SaqQueue(services)
    from core.queue.memory import InProcessQueue

    return InProcessQueue(services)
