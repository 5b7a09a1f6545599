"""Every portal and console page in the pseudo-language, at phone width (issue 17).

The demo runs with ``PORCHSIDE_PSEUDO_LANGUAGE`` on, so a browser asking for
``xx`` gets every marked text accented and lengthened by a third
(:mod:`core.i18n_pseudo`). Each page the browser suite walks
(:data:`~tests.browser.portal_pages.PAGES`, once per page,
:data:`~tests.browser.console_pages.CONSOLE_PAGES`) is opened that way at
360 px and must show no plain English word and not scroll sideways.

What may stay in plain letters is the business's own data (names, job
titles, notes: every word stored in the demo's database), month and day
names (dates are written by Babel in the business's locale), product names
and addresses. Anything else is a text nobody marked for translation, or a
text built from pieces outside the catalogs.
"""

from __future__ import annotations

import pytest

from core.i18n_pseudo import PSEUDO_LANGUAGE
from tests.browser.chromium import PHONE
from tests.browser.console_pages import CONSOLE_PAGES, SUNNY, ConsoleWalk
from tests.browser.page_checks import calendar_words, plain_words, sideways_overflow
from tests.browser.portal_pages import DEMO_EMAIL, PAGES, DemoTenant, PortalPage, walk

pytestmark = pytest.mark.browser

NAMES = {"Porchside", "AutoPay", "Stripe", "PDF", "CSV", "API", "OpenAPI", "JSON", "URL", "PaymentIntent",
         "Visa", "Mastercard", "Amex", "AM", "PM", "US", "USD", "EUR", "CAD", "GBP", "MXN", "UTC", "SMTP",
         "HTTPS", "HTTP", "OAuth", "ISO", "IANA", "Español", "English", "Français", "whsec", "sk", "pk", "localhost",
         # A signed-in device is named by its browser and system (core.auth.user_agents).
         "HeadlessChrome", "Chrome", "Chromium", "Linux"}
# Every text of the page, shown or not yet (a closed menu, an error message JavaScript reveals),
# and the attributes people read; code and what is marked translate="no" are left out.
_PAGE_TEXT = """() => {
  const skip = "script, style, noscript, template, code, pre, kbd, samp, [translate=no]";
  const parts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement && !node.parentElement.closest(skip)) parts.push(node.nodeValue);
  }
  for (const el of document.querySelectorAll("[title],[alt],[placeholder],[aria-label],input[type=submit],input[type=button]")) {
    if (el.closest(skip)) continue;
    for (const name of ["title", "alt", "placeholder", "aria-label"]) if (el.getAttribute(name)) parts.push(el.getAttribute(name));
    if (el.matches("input[type=submit],input[type=button]")) parts.push(el.value);
  }
  return parts.join("\\n");
}"""


@pytest.fixture(scope="module")
def allowed_words(demo_server) -> frozenset[str]:
    """Every word of the demo's stored data, of Babel's English month and day names, and product names."""
    return frozenset(set(NAMES) | demo_server.stored_words() | calendar_words())


def english_left(page, allowed: frozenset[str]) -> list[str]:
    return plain_words(page.evaluate(_PAGE_TEXT), allowed)


class PseudoContexts:
    """One browser tab reading the pseudo-language per signed-in English context, for the module.

    Each test loads its page in that tab: a new tab per page would start a renderer each time.
    """

    def __init__(self, portal_browser) -> None:
        self.browser = portal_browser.browser
        self.contexts: dict[int, object] = {}
        self.tabs: dict[int, object] = {}

    def tab_like(self, english):
        """A tab at 360 px asking for ``xx``, with the cookies of the English context ``english``."""
        if id(english) not in self.contexts:
            context = self.browser.new_context(
                viewport=PHONE, storage_state=english.storage_state(), extra_http_headers={"Accept-Language": PSEUDO_LANGUAGE}
            )
            context.set_default_timeout(15_000)
            self.contexts[id(english)] = context
        if id(english) not in self.tabs or self.tabs[id(english)].is_closed():
            self.tabs[id(english)] = self.contexts[id(english)].new_page()
        return self.tabs[id(english)]

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


@pytest.fixture(scope="module")
def pseudo(portal_browser):
    contexts = PseudoContexts(portal_browser)
    yield contexts
    contexts.close()


def problems_in_pseudo(page, url: str, allowed: frozenset[str], label: str) -> list[str]:
    """Load ``url`` in the pseudo-language tab ``page`` and say what is wrong."""
    response = page.goto(url)
    if response is None or response.status != 200:
        return [f"{label}: answered {response and response.status}"]
    problems = []
    if page.evaluate("() => document.documentElement.lang") != PSEUDO_LANGUAGE:
        problems.append(f"{label}: <html lang> is not {PSEUDO_LANGUAGE!r}")
    words = english_left(page, allowed)
    if words:
        problems.append(f"{label}: English left on the page: {' '.join(words)}")
    extra, culprits = sideways_overflow(page)
    if extra > 1:
        problems.append(f"{label}: at {PHONE['width']} px scrolls sideways by {extra} px; sticking out: " + "; ".join(culprits))
    return problems


# The templates are the same for both demo businesses: each page once, in Sunny Pools (every
# plugin on) unless only Pipeworks' data has it.
WALK = [(t, p) for t, p in walk(PAGES) if t == SUNNY or p.only_in == t.slug]


@pytest.mark.parametrize(("tenant", "portal_page"), WALK, ids=[f"{t.slug}-{p.name}" for t, p in WALK])
def test_portal_page_in_the_pseudo_language(portal_browser, pseudo, allowed_words, tenant: DemoTenant, portal_page: PortalPage):
    path = portal_browser.path_of(tenant, portal_page)
    english = portal_browser.context(tenant, DEMO_EMAIL if portal_page.signed_in else None)
    problems = problems_in_pseudo(pseudo.tab_like(english), portal_browser.server.url(tenant.slug, path), allowed_words, f"{tenant.slug} {path}")
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def console_walk(portal_browser) -> ConsoleWalk:
    return ConsoleWalk(portal_browser)


@pytest.mark.parametrize("console_page", CONSOLE_PAGES, ids=[p.name for p in CONSOLE_PAGES])
def test_console_page_in_the_pseudo_language(portal_browser, pseudo, console_walk, allowed_words, console_page: PortalPage):
    path = console_walk.path_of(console_page)
    english = console_walk.context if console_page.signed_in else portal_browser.context(SUNNY, None)
    problems = problems_in_pseudo(pseudo.tab_like(english), portal_browser.server.url(SUNNY.slug, path), allowed_words, f"console {path}")
    assert not problems, "\n".join(problems)
