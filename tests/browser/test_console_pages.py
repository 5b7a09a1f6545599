"""Every page of the staff console in Chromium (issue 18: axe on every page).

Sunny Pools' owner (every built-in plugin on) opens each page of
:data:`~tests.browser.console_pages.CONSOLE_PAGES`; each must answer 200
with its heading and pass :func:`~tests.browser.page_checks.page_problems`:
no console error, no axe-core violation at 1280 and at 360 px, no sideways
scrolling on a phone. One signed-in context serves the whole module, and
its one tab loads the pages one after another.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.console_pages import CONSOLE_PAGES, SUNNY, ConsoleWalk
from tests.browser.page_checks import page_problems
from tests.browser.portal_pages import PortalPage

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def console_walk(portal_browser) -> ConsoleWalk:
    return ConsoleWalk(portal_browser)


@pytest.mark.parametrize("console_page", CONSOLE_PAGES, ids=[p.name for p in CONSOLE_PAGES])
def test_console_page(console_walk, portal_browser, console_page: PortalPage):
    context = console_walk.context if console_page.signed_in else portal_browser.context(SUNNY, None)
    path = console_walk.path_of(console_page)
    page, watch = portal_browser.tab(context)
    response = page.goto(portal_browser.server.url(SUNNY.slug, path))
    assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
    heading = page.get_by_role("heading", level=1).first.inner_text()
    assert re.search(console_page.heading, heading), f"{path}: unexpected h1 {heading!r} (at {page.url})"
    problems = page_problems(page, watch, f"console {path}")
    assert not problems, "\n".join(problems)

