"""The tasks a queue can run: those of the ``porchside_tasks`` hook, plus the cron dispatcher."""

from __future__ import annotations

from croniter import croniter

from core.plugins import CORE, Declared, PluginError
from core.queue.errors import QueueError
from core.records import Task

# The internal task that fans a scheduled task out to every tenant.
CRON_DISPATCH = "porchside.cron_dispatch"


class TaskRegistry:
    """Declared tasks by name. Bad cron expressions stop start-up."""

    def __init__(self, declared: dict[str, Declared]) -> None:
        from core.queue.cron import dispatch_cron

        for name, item in declared.items():
            if item.record.cron is not None and not croniter.is_valid(item.record.cron):
                raise PluginError(
                    f"plugin {item.plugin!r}: task {name!r} has cron {item.record.cron!r}, "
                    "which is not a crontab expression (e.g. '*/5 * * * *')"
                )
            if item.record.retries < 0:
                raise PluginError(f"plugin {item.plugin!r}: task {name!r} has a negative number of retries")
        if CRON_DISPATCH in declared:
            raise PluginError(f"plugin {declared[CRON_DISPATCH].plugin!r}: the task name {CRON_DISPATCH!r} is reserved")
        self._tasks = dict(declared)
        self._tasks[CRON_DISPATCH] = Declared(CORE, Task(name=CRON_DISPATCH, func=dispatch_cron, retries=3))

    def get(self, name: str) -> Declared:
        try:
            return self._tasks[name]
        except KeyError:
            raise QueueError(f"no task named {name!r}; tasks are declared with the porchside_tasks hook") from None

    def scheduled(self) -> list[Declared]:
        """The tasks with a cron expression, in name order."""
        return sorted((d for d in self._tasks.values() if d.record.cron), key=lambda d: d.record.name)
