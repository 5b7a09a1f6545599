"""Send the test files that take longest to the xdist workers first.

``--dist loadfile`` hands each worker a whole file at a time, in the order
of its queue; by default xdist orders that queue by the number of tests in a
file, so files with one or two long tests (a browser walk in Spanish, the
demo process, the migration round trip) came last and one worker sat idle
while the other finished them. Longest first (LPT) leaves only short files
for the end.

The seconds per file come from ``tests/file_seconds.json``, written from a
CI run's JUnit report by ``python .ci/test_report.py junit.xml
--file-seconds tests/file_seconds.json``; a file not in it counts as its
number of tests times :data:`SECONDS_PER_TEST`. The figures only order the
queue: a stale file makes the run less even, never wrong. Tests within a
file keep pytest-randomly's order.
"""

from __future__ import annotations

import json
from pathlib import Path

from xdist.scheduler import LoadFileScheduling

FILE_SECONDS = Path(__file__).with_name("file_seconds.json")
#: What a test of a file missing from ``file_seconds.json`` is taken to cost.
SECONDS_PER_TEST = 0.4


def file_seconds() -> dict[str, float]:
    """Seconds per test file (path from the root, with ``/``), or nothing if unreadable."""
    try:
        return {str(path): float(seconds) for path, seconds in json.loads(FILE_SECONDS.read_text()).items()}
    except (OSError, ValueError, AttributeError):
        return {}


def longest_first(queue: dict[str, dict], seconds: dict[str, float]) -> list[str]:
    """The files of ``queue`` (file -> its tests) ordered by expected seconds, longest first."""
    def expected(path: str) -> float:
        return seconds.get(path, len(queue[path]) * SECONDS_PER_TEST)

    return sorted(queue, key=expected, reverse=True)


class LongestFirstScheduling(LoadFileScheduling):
    """:class:`LoadFileScheduling` whose queue is ordered longest file first."""

    def __init__(self, config, log=None) -> None:
        super().__init__(config, log)
        self._ordered = False

    def _assign_work_unit(self, node) -> None:
        if not self._ordered:  # the queue is complete at the first assignment
            self._ordered = True
            units = dict(self.workqueue)
            self.workqueue.clear()
            for path in longest_first(units, file_seconds()):
                self.workqueue[path] = units[path]
        super()._assign_work_unit(node)
