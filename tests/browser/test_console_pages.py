"""Every page of the staff console in Chromium (issue 18: axe on every page).

Sunny Pools' owner (every built-in plugin on) opens each page of
:data:`~tests.browser.console_pages.CONSOLE_PAGES`; each must answer 200
with its heading and pass :func:`~tests.browser.page_checks.page_problems`:
no console error, no axe-core violation at 1280 and at 360 px, no sideways
scrolling on a phone. One signed-in context serves the whole module.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.console_pages import CONSOLE_PAGES, OWNER
from tests.browser.page_checks import PageWatch, page_problems
from tests.browser.portal_pages import DEMO_TENANTS, PortalPage, first_link

pytestmark = pytest.mark.browser

SUNNY = DEMO_TENANTS[0]
BY_NAME = {p.name: p for p in CONSOLE_PAGES}


class ConsoleWalk:
    """Addresses of the console's pages, following links as staff would (cached for the module)."""

    def __init__(self, portal_browser) -> None:
        self.browser = portal_browser
        self.context = portal_browser.console_context(SUNNY, OWNER)
        self.paths: dict[str, str] = {}

    def path_of(self, page: PortalPage) -> str:
        if page.path is not None:
            return page.path
        if page.name not in self.paths:
            where = page.found_on if page.found_on.startswith("/") else self.path_of(BY_NAME[page.found_on])
            tab = self.context.new_page()
            try:
                tab.goto(self.browser.server.url(SUNNY.slug, where))
                self.paths[page.name] = first_link(tab, page.link, page.link_text)
            finally:
                tab.close()
        return self.paths[page.name]


@pytest.fixture(scope="module")
def console_walk(portal_browser) -> ConsoleWalk:
    return ConsoleWalk(portal_browser)


@pytest.mark.parametrize("console_page", CONSOLE_PAGES, ids=[p.name for p in CONSOLE_PAGES])
def test_console_page(console_walk, portal_browser, console_page: PortalPage):
    context = console_walk.context if console_page.signed_in else portal_browser.context(SUNNY, None)
    path = console_walk.path_of(console_page)
    page = context.new_page()
    watch = PageWatch(page)
    try:
        response = page.goto(portal_browser.server.url(SUNNY.slug, path))
        assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
        heading = page.get_by_role("heading", level=1).first.inner_text()
        assert re.search(console_page.heading, heading), f"{path}: unexpected h1 {heading!r} (at {page.url})"
        problems = page_problems(page, watch, f"console {path}")
        assert not problems, "\n".join(problems)
    finally:
        page.close()

