"""Every navigation item fits the screen, or its menu does (issue 18, item 2).

Sunny Pools in the demo has every built-in plugin on (quotes, payments,
marketing), so its portal has the most tabs (11) and its console the most
entries (19). At 360, 768 and 1280 px, every link, button and menu of the
header (the portal's tabs and "More", the business's links, the account
controls; the console's links and menus) must be reachable: shown inside
the viewport and not covered, or inside a closed menu whose button is
inside the viewport and which, once opened, shows it inside the viewport.
Items are told apart by what they are (text and address), so a copy that
CSS hides does not count, and one hidden everywhere fails. The current
tab is in the portal's bar itself at every width; in the console it, or
its menu, is marked. The menus work from the keyboard.

Each page is loaded once, at 360 px, and resized to the wider widths (the
header's layout is media queries only, no script measures the width); the
module's tests share one tab per signed-in person.
"""

from __future__ import annotations

import pytest

from tests.browser.page_checks import PageWatch
from tests.browser.portal_pages import DEMO_TENANTS

pytestmark = pytest.mark.browser

SUNNY = DEMO_TENANTS[0]
OWNER = "maria@sunny-pools.example"
WIDTHS = {
    360: {"width": 360, "height": 740},
    768: {"width": 768, "height": 1024},
    1280: {"width": 1280, "height": 800},
}
# Pages whose current tab is first, last, or long (and a plugin's).
PORTAL_PAGES = {"/": "Home", "/contact": "Contact us", "/payment-methods": "Payment methods"}
CONSOLE_PAGES = {"/console/": "Home", "/console/audit/": "Audit log", "/console/quotes/": "Quotes"}
# Each built-in plugin's entries: proof that every plugin is on where this runs.
PLUGIN_TABS = {"Quotes", "Messages", "Payment methods"}
PLUGIN_CONSOLE_LINKS = {"Quotes", "Messages", "Service requests", "Card payments", "Stripe connection"}

# Every control of the header as it is drawn now: what it is, whether a
# person sees it (inside the viewport, not covered), and the menu it is in.
_SNAPSHOT = """() => {
  const header = document.querySelector("header.site-header");
  const menus = [...header.querySelectorAll("details[data-menu]")];
  const width = document.documentElement.clientWidth, height = document.documentElement.clientHeight;
  const seen = el => {
    if (!el.checkVisibility({visibilityProperty: true, opacityProperty: true})) return false;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1 || r.left < -0.5 || r.top < -0.5 || r.right > width + 0.5 || r.bottom > height + 0.5) return false;
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return !!hit && (hit === el || el.contains(hit));
  };
  const name = el => (el.textContent || el.getAttribute("aria-label") || "").replace(/\\s+/g, " ").trim();
  const key = el => {
    if (el.tagName === "A") return `link "${name(el)}" to ${el.getAttribute("href")}`;
    if (el.tagName === "SUMMARY") return `menu "${name(el)}"`;
    if (el.tagName === "SELECT") return `choice "${el.labels.length ? name(el.labels[0]) : el.name}"`;
    return `button "${name(el)}" of ${el.form ? el.form.getAttribute("action") : "?"}`;
  };
  return [...header.querySelectorAll("a[href], button, select, summary")].map(el => {
    const menu = el.closest("details[data-menu]");
    const own = el.tagName === "SUMMARY" ? menu.parentElement.closest("details[data-menu]") : menu;
    return {key: key(el), seen: seen(el), menu: own ? menus.indexOf(own) : -1,
            current: el.getAttribute("aria-current") === "page"};
  });
}"""


def unreachable(page) -> tuple[list[str], list[dict]]:
    """The header's items no person can reach as the page is drawn, and its controls (all menus closed)."""
    closed = page.evaluate(_SNAPSHOT)
    reached = {c["key"] for c in closed if c["seen"]}
    summaries = page.locator("header.site-header details[data-menu] > summary")
    problems = []
    for index in sorted({c["menu"] for c in closed if c["menu"] >= 0}):
        button = summaries.nth(index)
        menu_key = f"menu #{index}"
        if not button.is_visible():
            continue  # a menu CSS hides at this width: its items must be reachable elsewhere
        button.click()
        opened = page.evaluate(_SNAPSHOT)
        shown = [c for c in opened if c["menu"] == index]
        reached.update(c["key"] for c in shown if c["seen"])
        if not any(c["seen"] for c in shown):
            problems.append(f"{menu_key} opens with nothing inside the viewport")
        button.click()  # closed again
        assert not page.evaluate("() => [...document.querySelectorAll('details[data-menu]')].some(d => d.open)")
    # A menu's button is only a way to its items: one CSS hides at this width need not be reached.
    items = {c["key"] for c in closed if not c["key"].startswith("menu ")}
    problems += [f"{key} is outside the viewport, covered or hidden" for key in sorted(items - reached)]
    return problems, closed


@pytest.fixture(scope="module")
def portal_tab(portal_browser):
    """One tab of Pat's portal context, reused by the module's tests (each loads its page)."""
    page = portal_browser.context(SUNNY).new_page()
    yield page, PageWatch(page)
    page.close()


@pytest.fixture(scope="module")
def console_tab(portal_browser):
    """One tab of the owner's console context, reused by the module's tests."""
    page = portal_browser.console_context(SUNNY, OWNER).new_page()
    yield page, PageWatch(page)
    page.close()


def open_at(tab, server, path: str, width: int):
    """Load ``path`` at ``width`` in the module's tab (its watch holds this load's errors only)."""
    page, watch = tab
    watch.take()
    page.set_viewport_size(WIDTHS[width])
    response = page.goto(server.url(SUNNY.slug, path))
    assert response is not None and response.status == 200, f"{path}: {response and response.status}"
    return page, watch


def at_every_width(page):
    """Resize the loaded page to each width in turn (the header's layout is CSS only: media
    queries, no script measuring the width), yielding the width."""
    for width, size in WIDTHS.items():
        page.set_viewport_size(size)
        yield width


@pytest.mark.parametrize("path", PORTAL_PAGES)
def test_every_portal_tab_is_reachable_and_the_current_one_shows(portal_tab, portal_browser, path):
    """At 360, 768 and 1280 px, one load of the page resized."""
    page, watch = open_at(portal_tab, portal_browser.server, path, 360)
    failures = []
    for width in at_every_width(page):
        problems, controls = unreachable(page)
        failures += [f"{path} at {width} px: {problem}" for problem in problems]
        tabs = page.locator("nav.tabs .tab-bar > li > a").evaluate_all("links => links.map(a => a.textContent.trim())")
        if not (len(tabs) == 11 and PLUGIN_TABS <= set(tabs)):
            failures.append(f"{path} at {width} px: not every built-in plugin's tab is there: {tabs}")
        current = [c for c in controls if c["current"] and c["seen"]]
        if [c["key"].split('"')[1] for c in current] != [PORTAL_PAGES[path]]:
            failures.append(f"{path} at {width} px: the current tab shows as {current}")
        elif current[0]["menu"] != -1:
            failures.append(f"{path} at {width} px: the current tab is in a menu, not in the bar")
    failures += [f"{path}: {error}" for error in watch.take()]
    assert not failures, "\n".join(failures)


def test_the_phone_header_is_short(portal_tab, portal_browser):
    """Name, Menu and the tab bar: about half of the 261 px the header took before."""
    page, _ = open_at(portal_tab, portal_browser.server, "/", 360)
    height = page.evaluate("() => document.querySelector('header.site-header').getBoundingClientRect().height")
    assert height <= 120, f"the header is {height} px tall on a phone"


@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_every_console_entry_is_reachable(console_tab, portal_browser, path):
    """At 360, 768 and 1280 px, one load of the page resized."""
    page, watch = open_at(console_tab, portal_browser.server, path, 360)
    nav = page.get_by_role("navigation", name="Console")
    current = nav.locator("a[aria-current=page]")
    failures = []
    for width in at_every_width(page):
        problems, controls = unreachable(page)
        failures += [f"{path} at {width} px: {problem}" for problem in problems]
        links = {c["key"].split('"')[1] for c in controls if c["key"].startswith("link")}
        if not PLUGIN_CONSOLE_LINKS <= links:
            failures.append(f"{path} at {width} px: a built-in plugin's entry is missing: {PLUGIN_CONSOLE_LINKS - links}")
        if not (current.count() == 1 and current.text_content() == CONSOLE_PAGES[path]):
            failures.append(f"{path} at {width} px: the current entry is not {CONSOLE_PAGES[path]!r} alone")
        # The current entry shows, or the menu holding it is marked as the current section.
        elif not current.is_visible():
            group = nav.locator(".nav-group.current > details > summary")
            if not (group.is_visible() and "current section" in group.inner_text()):
                failures.append(f"{path} at {width} px: neither the current entry nor its menu, marked, shows")
    failures += [f"{path}: {error}" for error in watch.take()]
    assert not failures, "\n".join(failures)


def tab_to(page, element, most: int, what: str) -> None:
    """Press Tab until ``element`` has focus, at most ``most`` times."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if element.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {what}")


@pytest.mark.parametrize(("where", "menu", "item"), [("portal", "More", "Documents"), ("console", "Settings", "Audit log")])
def test_menus_work_from_the_keyboard(portal_tab, console_tab, portal_browser, where, menu, item):
    """Tab to the menu's button, Enter opens it, Tab reaches its links, Escape closes it and returns focus."""
    tab = portal_tab if where == "portal" else console_tab
    page, watch = open_at(tab, portal_browser.server, "/" if where == "portal" else "/console/", 360)
    summary = page.locator("header.site-header summary", has_text=menu)
    tab_to(page, summary, 40, f"the {menu} button")
    page.keyboard.press("Enter")
    link = page.locator("header.site-header details[open] a", has_text=item)
    assert link.is_visible()
    tab_to(page, link, 15, f"{item!r} in the open {menu} menu")
    # The focused link shows where focus is.
    assert link.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
    page.keyboard.press("Escape")
    assert not page.locator("header.site-header details[open]").count()
    assert summary.evaluate("el => el === document.activeElement")
    assert not watch.take()


def test_built_in_plugins_console_entries_are_in_their_menus(console_tab, portal_browser):
    """ConsoleLink.group: each built-in plugin's entry sits in the menu it names."""
    expected = {"Messages": "Customers", "Service requests": "Work", "Quotes": "Work",
                "Card payments": "Billing", "Stripe connection": "Settings"}
    page, _ = open_at(console_tab, portal_browser.server, "/console/", 1280)
    menus = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll("nav.console-nav details")]
      .flatMap(d => [...d.querySelectorAll("a")].map(a => [a.textContent.trim(), d.querySelector("summary").firstChild.textContent.trim()])))""")
    assert {label: menus.get(label) for label in expected} == expected
