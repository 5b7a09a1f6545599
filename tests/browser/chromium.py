"""Debian's Chromium driven by Playwright, and axe-core from npm.

Playwright never downloads a browser here: it launches the system's
``/usr/bin/chromium`` (``apt-get install chromium``, done by ``.ci/run``).
axe-core comes from ``npm install`` (``package.json`` at the repository
root). ``missing_tools()`` says what is not there, so the suite can skip
with a reason, or fail in CI.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

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
