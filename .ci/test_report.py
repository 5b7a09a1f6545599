"""Read the JUnit report of a CI test run: skips, totals and the time budget.

    python .ci/test_report.py junit.xml --wall SECONDS --budget SECONDS [--speed FACTOR]
    python .ci/test_report.py junit.xml --file-seconds tests/file_seconds.json

Prints one line per skipped test and the test times on stderr, and the
summary (``N passed, F failed, S skipped``) on stdout for the closing line
of ``.ci/run``. Exits non-zero, with the reason, when no test passed, when a
real-service test was skipped (the PostgreSQL/Redis half, a browser test, or
a skip because a service or tool is missing), or when the run took longer
than the budget: the suite must stay fast as features land (issue 19).
The second form writes the seconds each test file took, which
``tests/longest_first.py`` uses to hand the longest files out first.
The budget is in seconds of the reference machine; ``--speed`` (from
``.ci/machine_speed.py``) says how much slower this one is, and scales it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

MISSING = re.compile(r"not reachable|not installed|not available|not found|is missing|cannot start|start it", re.I)
POSTGRES_HALF = re.compile(r"\[(.*-)?postgres(-.*)?\]")


@dataclass
class Report:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    test_seconds: float = 0.0  # sum of the tests' own durations (setup, call, teardown)
    pytest_seconds: float = 0.0  # pytest's figure for the whole session
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return f"{self.passed} passed, {self.failed} failed, {self.skipped} skipped"


def read_report(path: str, wall: float, budget: float, speed: float = 1.0) -> Report:
    """What the JUnit file at ``path`` says, checked against CI's rules.

    ``budget`` is in seconds of the reference machine; this one is ``speed``
    times slower, so the run may take ``budget * speed`` seconds here.
    """
    root = ET.parse(path).getroot()
    report = Report()
    for suite in root.iter("testsuite"):
        report.pytest_seconds += float(suite.get("time") or 0)
    bad = 0
    for case in root.iter("testcase"):
        report.test_seconds += float(case.get("time") or 0)
        skip = case.find("skipped")
        if skip is None:
            ok = case.find("failure") is None and case.find("error") is None
            report.passed += ok
            report.failed += not ok
            continue
        report.skipped += 1
        name = f"{case.get('classname')}::{case.get('name')}"
        reason = skip.get("message", "")
        real_service = (
            POSTGRES_HALF.search(case.get("name", ""))
            or case.get("classname", "").startswith("tests.browser")
            or MISSING.search(reason)
        )
        report.notes.append(f"{'NOT ALLOWED' if real_service else 'allowed'}: skipped {name}: {reason}")
        bad += bool(real_service)
    allowed = budget * speed
    scaled = f" = {budget:.0f} s x machine speed factor {speed:.2f}" if speed != 1 else ""
    report.notes.append(
        f"test time: {wall:.0f} s for the test step (budget {allowed:.0f} s{scaled}); pytest: {report.pytest_seconds:.0f} s;"
        f" sum of {report.passed + report.failed + report.skipped} tests' durations: {report.test_seconds:.0f} s"
    )
    if speed != 1:
        report.notes.append(f"test time at the reference machine's speed: {wall / speed:.0f} s")
    if not report.passed:
        report.problems.append("no test passed")
    if bad:
        report.problems.append(f"{bad} real-service test(s) skipped; CI skips none of them")
    if wall > allowed:
        report.problems.append(
            f"the test run took {wall:.0f} s, over its budget of {allowed:.0f} s{scaled} (issue 19):"
            " make the slowest tests listed above cheaper before adding more"
        )
    return report


def file_seconds(path: str) -> dict[str, float]:
    """Seconds per test file (``tests/test_x.py``) summed from the JUnit file at ``path``."""
    seconds: dict[str, float] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        parts = (case.get("classname") or "").split(".")
        if parts[-1][:1].isupper():  # a test class: tests.test_x.TestY
            parts = parts[:-1]
        name = "/".join(parts) + ".py"
        seconds[name] = seconds.get(name, 0.0) + float(case.get("time") or 0)
    return {name: round(value, 1) for name, value in sorted(seconds.items())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("junit")
    parser.add_argument("--file-seconds", metavar="PATH",
                        help="write the seconds each test file took to PATH (JSON) and stop")
    parser.add_argument("--wall", type=float, help="seconds the test step took")
    parser.add_argument("--budget", type=float,
                        help="most seconds the test step may take on the reference machine")
    parser.add_argument("--speed", type=float, default=1.0,
                        help="how many times slower this machine is (.ci/machine_speed.py); scales the budget")
    arguments = parser.parse_args(argv)
    if arguments.file_seconds:
        Path(arguments.file_seconds).write_text(json.dumps(file_seconds(arguments.junit), indent=1) + "\n")
        return 0
    if arguments.wall is None or arguments.budget is None:
        parser.error("--wall and --budget are required to check a run")
    if arguments.speed <= 0:
        parser.error("--speed must be positive")
    report = read_report(arguments.junit, arguments.wall, arguments.budget, arguments.speed)
    for note in report.notes:
        print(note, file=sys.stderr)
    for problem in report.problems:
        print(f".ci/run: {problem}", file=sys.stderr)
    if report.problems:
        return 1
    print(report.summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
