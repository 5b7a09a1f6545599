"""Exceptions of the task queue."""

from __future__ import annotations


class QueueError(RuntimeError):
    """A job cannot be enqueued: unknown task or arguments that are not JSON."""


class NoRetry(Exception):
    """Raise from a task when trying again cannot help (an address was refused).

    The job fails at once: logged, and never retried.
    """
