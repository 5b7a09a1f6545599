"""A moved clock for test runs: ``PORCHSIDE_TEST_NOW=2028-02-29T06:30:00Z pytest``.

Dates that tests build from "now" break at some hour or on some day of the
year (a payment counted in UTC days lands on the business's previous
calendar day before 07:00 UTC in Phoenix). Running the suite at chosen
instants finds those bugs on purpose instead of by the calendar.

:func:`start_from_env` moves this process's clock (``time``, ``datetime``,
asyncio's wall-clock uses; not the monotonic clock, so timeouts still work)
to the instant with ``time-machine``; the clock keeps ticking from there.
The pytest plugin in :mod:`core.testing` calls it in every process, and
:func:`share_with_children` makes child Python processes (localstripe, CLI and
worker subprocesses, xdist workers) start on the same ticking clock: their
``sitecustomize`` calls :func:`start_from_env` too, and the real instant at
which the run started (``PORCHSIDE_TEST_NOW_ANCHOR``) keeps them in step, so
webhook signatures and expiry times agree across processes.

PostgreSQL, Redis and Chromium keep the real clock: product code takes
"now" from Python, never from the database (``now()``) or from Redis.
Test-only: nothing in the app reads these variables.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import datetime, timedelta, timezone

NOW_VARIABLE = "PORCHSIDE_TEST_NOW"
ANCHOR_VARIABLE = "PORCHSIDE_TEST_NOW_ANCHOR"
SITE_VARIABLE = "PORCHSIDE_TEST_NOW_SITE"

_traveller = None

_SITECUSTOMIZE = '''"""Written by core.testclock: start child processes on the test run's clock."""
import os as _os

if _os.environ.get("{now}"):
    try:
        from core.testclock import start_from_env as _start
    except ImportError:  # a Python without porchside installed keeps the real clock
        pass
    else:
        _start()
'''


def requested_instant(environ=None) -> datetime | None:
    """The instant in ``PORCHSIDE_TEST_NOW`` (ISO 8601, with a zone), or None.

    A value without a zone is refused: "06:30" means a different instant on
    every machine, which is the kind of bug this clock exists to find.
    """
    value = (environ if environ is not None else os.environ).get(NOW_VARIABLE, "").strip()
    if not value:
        return None
    try:
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{NOW_VARIABLE}={value!r} is not an ISO 8601 instant (e.g. 2028-02-29T06:30:00Z)") from None
    if instant.tzinfo is None:
        raise ValueError(f"{NOW_VARIABLE}={value!r} has no time zone: add Z or an offset (e.g. 2028-02-29T06:30:00Z)")
    return instant.astimezone(timezone.utc)


def start_from_env() -> datetime | None:
    """Move this process's clock to the requested instant (once); return the start instant.

    The first process records the real time it started at; every process
    then starts at ``instant + (real now - that start)``, so all of them
    read the same ticking clock.
    """
    global _traveller
    instant = requested_instant()
    if instant is None or _traveller is not None:
        return None
    import time_machine

    anchor = os.environ.setdefault(ANCHOR_VARIABLE, repr(time.time()))
    start = instant + timedelta(seconds=max(0.0, time.time() - float(anchor)))
    _traveller = time_machine.travel(start, tick=True)
    _traveller.start()
    return start


def share_with_children() -> str | None:
    """Put a ``sitecustomize`` first on ``PYTHONPATH`` so child Pythons share the clock.

    Returns the folder made for it (the caller removes it at the end), or
    None when the clock is not moved or a parent process already shared it.
    """
    if requested_instant() is None or os.environ.get(SITE_VARIABLE):
        return None
    folder = tempfile.mkdtemp(prefix="porchside-clock-")
    with open(os.path.join(folder, "sitecustomize.py"), "w") as f:
        f.write(_SITECUSTOMIZE.format(now=NOW_VARIABLE))
    os.environ[SITE_VARIABLE] = folder
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (folder, os.environ.get("PYTHONPATH", "")) if p)
    return folder
