"""tests/longest_first.py: the longest test files go to the workers first."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests import longest_first
from tests.longest_first import SECONDS_PER_TEST, file_seconds

ROOT = Path(__file__).resolve().parent.parent


def test_files_are_ordered_by_their_seconds_and_unknown_ones_by_their_test_count():
    queue = {"tests/a.py": {f"t{i}": False for i in range(200)}, "tests/walk.py": {"t": False}, "tests/new.py": {"x": False, "y": False}}
    seconds = {"tests/a.py": 40.0, "tests/walk.py": 90.0}

    assert longest_first.longest_first(queue, seconds) == ["tests/walk.py", "tests/a.py", "tests/new.py"]
    assert 2 * SECONDS_PER_TEST < 40


def test_the_seconds_file_lists_existing_test_files():
    seconds = file_seconds()

    assert len(seconds) > 100
    assert all((ROOT / path).is_file() for path in seconds), "refresh tests/file_seconds.json (see tests/longest_first.py)"


def test_ci_report_writes_seconds_per_file_from_junit(tmp_path):
    junit = tmp_path / "junit.xml"
    junit.write_text(
        '<testsuites><testsuite name="pytest" time="9">'
        '<testcase classname="tests.test_a" name="t1[sqlite]" time="1.25"/>'
        '<testcase classname="tests.test_a" name="t1[postgres]" time="2"/>'
        '<testcase classname="plugins.quotes.tests.test_b.TestFlow" name="t2" time="0.5"/>'
        "</testsuite></testsuites>"
    )
    out = tmp_path / "seconds.json"

    subprocess.run([sys.executable, str(ROOT / ".ci" / "test_report.py"), str(junit), "--file-seconds", str(out)], check=True, timeout=60)

    assert json.loads(out.read_text()) == {"plugins/quotes/tests/test_b.py": 0.5, "tests/test_a.py": 3.2}
