"""Debian's Chromium driven by Playwright, and axe-core from npm.

Playwright never downloads a browser here: it launches the system's
``/usr/bin/chromium`` (``apt-get install chromium``, done by ``.ci/run``).
axe-core comes from ``npm install`` (``package.json`` at the repository
root). ``missing_tools()`` says what is not there, so the suite can skip
with a reason, or fail in CI.

``session_chromium()`` keeps one Chromium open in a thread that also runs
asyncio code between its calls (a pytest worker runs the asyncio tests of
other modules), see :func:`loop_marked_only_during_calls`.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from asyncio import events
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tests.browser.demo_server import ROOT

CHROMIUM = Path(os.environ.get("PORCHSIDE_CHROMIUM", "/usr/bin/chromium"))
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Headless on a shared, offline machine: no GPU, no sandbox (CI runs as
# root), no calls home, /tmp instead of a small /dev/shm.
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


def missing_tools() -> str | None:
    """Why the browser suite cannot run here, or None."""
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; never `playwright install`)"
    if not AXE_JS.is_file():
        return f"axe-core is missing at {AXE_JS.relative_to(ROOT)} (run `npm install` in the repository root)"
    return None


def launch(playwright):
    """A headless Chromium browser from the system's package."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)


def loop_marked_only_during_calls() -> bool:
    """Make Playwright's sync API mark its event loop as running in this thread only during its calls.

    The sync API runs its event loop in a greenlet (the dispatcher fiber) of
    the caller's thread, and runs its own code in the caller's greenlet up to
    the first wait, which needs the loop as this thread's running loop
    (``asyncio.get_running_loop()``). So after each call it leaves the loop
    marked as running in this thread (``wait_for_future``), and until the
    next call nothing in the thread can run another loop: ``asyncio.run()``
    and ``loop.run_until_complete()``, hence every asyncio test, fail with
    "Cannot run the event loop while another loop is running".

    With this, every method and property of the sync API's objects (pages,
    locators, ``expect()``'s assertions, the ``expect_*()`` blocks, ...)
    marks the loop while it runs, and puts back what was marked before: none
    in a test, Playwright's own loop in an event handler. The loop itself is
    untouched: between calls it is suspended in the dispatcher fiber, as
    before, and the next call resumes it.

    Installed once per process; False (nothing changed) if this Playwright's
    sync API is not built the way this relies on.
    """
    global _MARKED_DURING_CALLS
    if _MARKED_DURING_CALLS is None:
        _MARKED_DURING_CALLS = _mark_loop_during_calls()
    return _MARKED_DURING_CALLS


_MARKED_DURING_CALLS: bool | None = None


def _mark_loop_during_calls() -> bool:
    try:
        from playwright._impl._sync_base import EventContextManager, EventInfo, SyncBase, SyncContextManager
        from playwright.sync_api import _generated
    except ImportError:
        return False
    loop_of = {
        EventContextManager: lambda manager: manager._event._sync_base._loop,
        EventInfo: lambda info: info._sync_base._loop,
    }
    classes = [SyncBase, SyncContextManager, EventContextManager, EventInfo]
    classes += [c for c in vars(_generated).values() if isinstance(c, type) and issubclass(c, SyncBase) and c.__module__ == _generated.__name__]
    if len(classes) < 30 or not {"goto", "evaluate"} <= vars(_generated.Page).keys():
        return False
    wrapped = []
    for cls in classes:
        this_loop = loop_of.get(cls, lambda api_object: api_object._loop)
        for name, value in vars(cls).items():
            if name.startswith("_") and name not in ("__enter__", "__exit__", "__getitem__"):
                continue
            if isinstance(value, property):
                wrapped.append((cls, name, property(
                    _marking(value.fget, this_loop) if value.fget else None,
                    _marking(value.fset, this_loop) if value.fset else None,
                    _marking(value.fdel, this_loop) if value.fdel else None,
                    value.__doc__,
                )))
            elif callable(value) and not isinstance(value, (type, staticmethod, classmethod)):
                wrapped.append((cls, name, _marking(value, this_loop)))
    for cls, name, value in wrapped:
        setattr(cls, name, value)
    return True


def _marking(function, loop_of):
    """``function`` (a method of the sync API), run with its object's loop marked as running in this thread."""

    @functools.wraps(function)
    def marked(self, *args, **kwargs):
        __tracebackhide__ = True
        loop = loop_of(self)
        outer = events._get_running_loop()
        if outer is loop:
            return function(self, *args, **kwargs)
        events._set_running_loop(loop)
        try:
            return function(self, *args, **kwargs)
        finally:
            events._set_running_loop(outer)

    return marked


@contextmanager
def session_chromium() -> Iterator[object]:
    """Playwright's sync API and a Chromium (:func:`launch`), for as long as the block runs.

    With :func:`loop_marked_only_during_calls` installed, this thread can run
    asyncio code between Playwright's calls, so the browser may stay open
    across test modules. Without it this is ``sync_playwright()`` as usual,
    which keeps the loop marked until the end of the block.
    """
    from playwright.sync_api import sync_playwright

    separate = loop_marked_only_during_calls()
    playwright = sync_playwright().start()
    # start() resumes this thread from inside the loop it started: still marked.
    loop = events._get_running_loop()
    if separate:
        events._set_running_loop(None)
    try:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        # stop() resumes the loop directly, and the loop unmarks itself when it ends.
        events._set_running_loop(loop)
        playwright.stop()
        events._set_running_loop(None)
