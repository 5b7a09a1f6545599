"""Browser contexts on the demo, signed in the way a person signs in.

Shared by the browser suite (the ``portal_browser`` fixture) and
``docs/screenshots.py``.
"""

from __future__ import annotations

from core.demo.seed import DEMO_PASSWORD
from tests.browser.chromium import DESKTOP
from tests.browser.demo_server import DemoServer
from tests.browser.page_checks import PageWatch
from tests.browser.portal_pages import DEMO_EMAIL, DemoTenant, PortalPage, first_link, page_named, sign_in_by_link


class PortalBrowser:
    """Browser contexts on the demo; one per tenant and person, reused by a module's tests (``close()`` at its end)."""

    def __init__(self, browser, server: DemoServer, states: dict) -> None:
        self.browser = browser
        self.server = server
        self.states = states
        self.contexts: dict[tuple, object] = {}
        self.tabs: dict[object, tuple[object, PageWatch]] = {}
        self.paths: dict[tuple[str, str], str] = {}
        self.contexts_before = list(browser.contexts)

    def new_context(self, storage_state=None):
        """A context at desktop size."""
        context = self.browser.new_context(viewport=DESKTOP, storage_state=storage_state, accept_downloads=True)
        context.set_default_timeout(15_000)
        return context

    def context(self, tenant: DemoTenant, email: str | None = DEMO_EMAIL):
        """The context of ``email`` signed in to ``tenant`` (None: signed out)."""
        key = (tenant.slug, email)
        if key not in self.contexts:
            if email is not None and key not in self.states:
                context = self.new_context()
                page = context.new_page()
                sign_in_by_link(page, self.server, tenant, email)
                self.states[key] = context.storage_state()
                self.contexts[key] = context
                self.keep_as_tab(context, page)
            else:
                self.contexts[key] = self.new_context(self.states.get(key))
        return self.contexts[key]

    def console_context(self, tenant: DemoTenant, email: str):
        """A context of staff member ``email`` signed in to ``tenant``'s console with the demo password."""
        key = ("console", tenant.slug, email)
        if key not in self.contexts:
            context = self.new_context(self.states.get(key))
            if key not in self.states:
                page = context.new_page()
                page.goto(self.server.url(tenant.slug, "/console/sign-in"))
                page.get_by_label("Work email").fill(email)
                page.get_by_label("Password").fill(DEMO_PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url("**/console/")
                self.states[key] = context.storage_state()
                self.keep_as_tab(context, page)
            self.contexts[key] = context
        return self.contexts[key]

    def new_page(self, tenant: DemoTenant, email: str | None = DEMO_EMAIL) -> tuple[object, PageWatch]:
        page = self.context(tenant, email).new_page()
        return page, PageWatch(page)

    def keep_as_tab(self, context, page) -> None:
        """Make the page that signed ``context`` in its tab (:meth:`tab`): a new one would cost a renderer."""
        self.tabs[context] = page, PageWatch(page)

    def tab(self, context) -> tuple[object, PageWatch]:
        """The one tab of ``context`` that tests load their pages in, one after another, and its watch,
        emptied: it holds what happens from here on. Leave it open (a closed one is replaced).

        A new tab costs Chromium about as much CPU as loading a page in it
        (a renderer process starts for it), so a module's walk reuses one.
        """
        page, watch = self.tabs.get(context, (None, None))
        if page is None or page.is_closed():
            page = context.new_page()
            watch = PageWatch(page)
            self.tabs[context] = page, watch
        if page.viewport_size != DESKTOP:  # a failed check can leave it at phone width
            page.set_viewport_size(DESKTOP)
        watch.take()
        return page, watch

    def path_of(self, tenant: DemoTenant, portal_page: PortalPage) -> str:
        """The page's address in this tenant, following a link when it holds an id."""
        if portal_page.path is not None:
            return portal_page.path
        key = (tenant.slug, portal_page.name)
        if key not in self.paths:
            self.paths[key] = self.link_on(tenant, portal_page.found_on, portal_page.link, portal_page.link_text)
        return self.paths[key]

    def address(self, tenant: DemoTenant, where: str) -> str:
        """A path as it is, or the address of the page of that name."""
        return where if where.startswith("/") else self.path_of(tenant, page_named(where))

    def link_on(self, tenant: DemoTenant, where: str, pattern: str, text: str | None = None) -> str:
        """The first link matching ``pattern`` (and ``text``) on the page ``where`` (path or page name)."""
        page, _ = self.tab(self.context(tenant))
        page.goto(self.server.url(tenant.slug, self.address(tenant, where)))
        return first_link(page, pattern, text)

    def close(self) -> None:
        """Close the contexts opened since this was made, ours and any a test left open: the browser
        outlives a test module (``chromium_browser``), what the module opened must not."""
        for context in self.browser.contexts:
            if context not in self.contexts_before:
                context.close()
        self.contexts.clear()
        self.tabs.clear()
