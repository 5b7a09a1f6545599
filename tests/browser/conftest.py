"""Fixtures of the browser suite: the demo served for real, Chromium, signed-in contexts.

* ``demo_server`` (session): ``porchside demo`` on a free port, seeded with
  both demo businesses (:mod:`tests.browser.demo_server`).
* ``chromium_browser`` (session): Debian's Chromium through Playwright's
  sync API, one per worker. Between its calls the sync API would leave its
  event loop marked as running in this thread, and the asyncio tests of
  later modules would trip over that; the loop is marked only while a call
  waits (:func:`tests.browser.chromium.loop_marked_only_during_calls`).
  Should a Playwright release change what that relies on, the browser is
  closed at the end of each module instead, as it was (1-2 s of CPU a module
  for the Playwright driver and Chromium to start).
* ``portal_browser`` (module): a :class:`~tests.browser.portal_browser.PortalBrowser`,
  browser contexts of the demo signed in once per tenant and person by the
  real link flow (the cookies are kept for the session).

Without Chromium, axe-core or Playwright every test here is skipped with
the reason, unless ``PORCHSIDE_REQUIRE_SERVICES=1`` (CI) makes it a failure.
Browser test modules mark themselves ``pytestmark = pytest.mark.browser``,
so ``-m "not browser"`` leaves them out.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from core.testing import _unavailable
from tests.browser.chromium import loop_marked_only_during_calls, missing_tools, session_chromium
from tests.browser.demo_server import DemoServer
from tests.browser.portal_browser import PortalBrowser


def _require_browser_tools() -> None:
    reason = missing_tools()
    if reason:
        _unavailable(reason)


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory, porchside_backends) -> Iterator[DemoServer]:
    """The demo businesses served by ``porchside demo`` for this session, from the
    suite's migrated SQLite template (tests/test_cli.py::test_demo_serves_each_business_at_its_own_address starts one from nothing)."""
    _require_browser_tools()
    server = DemoServer(tmp_path_factory.mktemp("demo-server"), migrated=porchside_backends.get("sqlite").template)
    server.start()
    yield server
    server.stop()


def _chromium_scope(fixture_name: str, config) -> str:
    return "session" if missing_tools() is None and loop_marked_only_during_calls() else "module"


@pytest.fixture(scope=_chromium_scope)
def chromium_browser():
    """A headless Chromium for this worker's session (for each module if it cannot be, see module doc)."""
    _require_browser_tools()
    with session_chromium() as browser:
        yield browser


@pytest.fixture(scope="session")
def signed_in_states() -> dict:
    """Storage states (cookies) of signed-in people, kept across modules."""
    return {}


@pytest.fixture(scope="module")
def portal_browser(chromium_browser, demo_server, signed_in_states) -> Iterator[PortalBrowser]:
    portal = PortalBrowser(chromium_browser, demo_server, signed_in_states)
    yield portal
    portal.close()
