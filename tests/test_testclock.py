"""The moved test clock (``PORCHSIDE_TEST_NOW``) reaches child processes, in step."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest
import time_machine

from core.testclock import ANCHOR_VARIABLE, NOW_VARIABLE, requested_instant

PRINT_NOW = "import datetime, time; print(datetime.datetime.now(datetime.timezone.utc).isoformat(), time.time())"


def test_the_instant_needs_a_zone():
    assert requested_instant({NOW_VARIABLE: "2028-02-29T06:30:00Z"}) == datetime(2028, 2, 29, 6, 30, tzinfo=timezone.utc)
    assert requested_instant({NOW_VARIABLE: "2027-03-14T01:30:00-05:00"}) == datetime(2027, 3, 14, 6, 30, tzinfo=timezone.utc)
    assert requested_instant({}) is None
    with pytest.raises(ValueError, match="has no time zone"):
        requested_instant({NOW_VARIABLE: "2028-02-29T06:30:00"})
    with pytest.raises(ValueError, match="not an ISO 8601 instant"):
        requested_instant({NOW_VARIABLE: "next tuesday"})


def test_a_child_python_starts_on_the_moved_clock_where_the_run_is_now():
    """A child started 100 s into a run at 2028-02-29 06:30 UTC reads 06:31:40, not 06:30 or today."""
    script = (
        "import os, subprocess, sys; from core.testclock import share_with_children; site = share_with_children(); "
        f"print(subprocess.run([sys.executable, '-c', {PRINT_NOW!r}], capture_output=True, text=True).stdout)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORCHSIDE_TEST_NOW") and k != "PYTHONPATH"}
    env[NOW_VARIABLE] = "2028-02-29T06:30:00Z"
    # The run started 100 s ago, in real time (this test may itself run on a moved clock).
    hatch = time_machine.escape_hatch
    real_now = hatch.time.time() if hatch.is_travelling() else time.time()
    env[ANCHOR_VARIABLE] = repr(real_now - 100)
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    moment, _ = out.stdout.split()
    seen = datetime.fromisoformat(moment)
    started = datetime(2028, 2, 29, 6, 31, 40, tzinfo=timezone.utc)
    assert started <= seen, seen
    assert (seen - started).total_seconds() < 30, seen  # it ticks from there, in step with the run
