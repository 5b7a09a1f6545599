""".ci/test_report.py: the checks .ci/run makes on a finished test run (skips, time budget)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / ".ci" / "test_report.py"


def _junit(tmp_path: Path, cases: str, total: float = 300.0) -> Path:
    path = tmp_path / "junit.xml"
    path.write_text(
        f'<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" time="{total}">{cases}</testsuite></testsuites>'
    )
    return path


PASSING = (
    '<testcase classname="tests.test_a" name="test_one[sqlite]" time="1.5"/>'
    '<testcase classname="tests.test_a" name="test_one[postgres]" time="2.5"/>'
    '<testcase classname="tests.test_queue" name="test_shared[sqlite]" time="0.1">'
    '<skipped message="the in-process queue is one process by design; sharing jobs needs Redis"/></testcase>'
)


def _run(junit: Path, wall: int, budget: int = 720, *speed: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(junit), "--wall", str(wall), "--budget", str(budget), *speed],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_run_within_the_budget_gives_the_summary_and_the_times(tmp_path):
    result = _run(_junit(tmp_path, PASSING), wall=400)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2 passed, 0 failed, 1 skipped"
    assert "allowed: skipped tests.test_queue::test_shared[sqlite]" in result.stderr
    assert "test time: 400 s for the test step (budget 720 s); pytest: 300 s; sum of 3 tests' durations: 4 s" in result.stderr


def test_a_run_over_twelve_minutes_fails_with_the_reason(tmp_path):
    result = _run(_junit(tmp_path, PASSING), wall=721)

    assert result.returncode == 1
    assert result.stdout == ""
    assert ".ci/run: the test run took 721 s, over its budget of 720 s (issue 19)" in result.stderr


def test_a_skipped_postgres_half_or_browser_test_fails(tmp_path):
    cases = PASSING + (
        '<testcase classname="tests.test_b" name="test_two[postgres]" time="0"><skipped message="whatever"/></testcase>'
        '<testcase classname="tests.browser.test_walk" name="test_page" time="0"><skipped message="later"/></testcase>'
        '<testcase classname="tests.test_c" name="test_three" time="0"><skipped message="Redis at x is not reachable"/></testcase>'
    )
    result = _run(_junit(tmp_path, cases), wall=100)

    assert result.returncode == 1
    assert ".ci/run: 3 real-service test(s) skipped; CI skips none of them" in result.stderr
    assert "NOT ALLOWED: skipped tests.test_b::test_two[postgres]: whatever" in result.stderr


def test_a_run_where_nothing_passed_fails(tmp_path):
    result = _run(_junit(tmp_path, '<testcase classname="tests.test_a" name="test_x" time="1"><failure message="no"/></testcase>'), wall=10)

    assert result.returncode == 1
    assert ".ci/run: no test passed" in result.stderr


def test_a_slower_machine_gets_a_budget_scaled_by_its_speed(tmp_path):
    junit = _junit(tmp_path, PASSING)

    within = _run(junit, 1400, 720, "--speed", "2.0")
    over = _run(junit, 1441, 720, "--speed", "2.0")

    assert within.returncode == 0, within.stderr
    assert "test time: 1400 s for the test step (budget 1440 s = 720 s x machine speed factor 2.00)" in within.stderr
    assert "test time at the reference machine's speed: 700 s" in within.stderr
    assert over.returncode == 1
    assert ".ci/run: the test run took 1441 s, over its budget of 1440 s = 720 s x machine speed factor 2.00 (issue 19)" in over.stderr


def test_the_machine_speed_probe_prints_a_factor_between_one_and_three():
    result = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "machine_speed.py"), "--verbose", "--tries", "1"], capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert 1.0 <= float(result.stdout) <= 3.0
    assert "s on the reference machine" in result.stderr
