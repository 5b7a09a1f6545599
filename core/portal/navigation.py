"""Builds the portal's navigation and header links for the current viewer.

Tabs and links come from core and the plugins enabled for the tenant
(:func:`~core.portal.access.shown_in_portal`); a plugin whose tab or link fails
to build is logged by name and left out, so the page still renders.

The tab bar shows as many tabs as the screen holds and gathers the rest in
a "More" menu (a ``<details>`` disclosure, so no JavaScript is needed). The
server cannot measure the screen: it gives each tab the narrowest width
class at which it stays in the bar (:attr:`NavItem.in_bar_from`) and the
stylesheet shows it in the bar or in the menu by that class. The current
tab counts first, so it is always in the bar.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from quart import g, request, url_for

from core.plugins import run_isolated
from core.portal.access import shown_in_portal
from core.portal.context import Portal
from core.services import current_services


# How many tabs the bar holds at each width class of porchside.css
# (``.tabs .from-N``): below 36rem, from 36rem, 48rem, 64rem and 80rem.
# Measured with the longest built-in labels ("Payment methods", "Service
# history") so that every tab and the More button fit (tests/browser/test_navigation_fits.py).
TABS_IN_BAR = (2, 3, 5, 7, 8)


@dataclass(frozen=True)
class NavItem:
    id: str
    label: str
    url: str
    icon: str
    current: bool
    #: the width class from which the tab is in the bar: 0 always, 1-4 from
    #: the n-th width of :data:`TABS_IN_BAR`, 5 never (only in "More").
    in_bar_from: int = 0


def _bar_places(items: list[NavItem]) -> list[NavItem]:
    """Give each tab its :attr:`NavItem.in_bar_from`: the current tab first, then the others in order."""
    ranked = sorted(items, key=lambda item: not item.current)  # stable: the rest keep their order
    rank = {item.id: n for n, item in enumerate(ranked, start=1)}
    out = []
    for item in items:
        level = next((n for n, room in enumerate(TABS_IN_BAR) if rank[item.id] <= room), len(TABS_IN_BAR))
        out.append(replace(item, in_bar_from=level))
    return out


def show_as_current(tab_id: str) -> None:
    """Mark the tab this page belongs to when its address says otherwise.

    A plugin's page under another tab's path (the payments plugin's
    ``/payments/pay`` pays an invoice) calls this before rendering.
    """
    g.portal_current_tab = tab_id


def _is_current(tab_id: str, url: str) -> bool:
    chosen = g.get("portal_current_tab")
    if chosen is not None:
        return tab_id == chosen
    path = request.path
    return path == url or (url != "/" and path.startswith(url.rstrip("/") + "/"))


async def nav_items(portal: Portal) -> list[NavItem]:
    """The main navigation: visible tabs whose section the tenant includes.

    A plugin's tab without an explicit ``section`` follows the section named
    after its plugin, so "Included in portal" can hide it.
    """
    items = []
    for item in await shown_in_portal(current_services().plugins.declared.nav_tabs, portal):
        tab = item.record
        ok, url = await run_isolated(item.plugin, f"nav tab {tab.id!r} ({tab.endpoint})", url_for, tab.endpoint)
        if ok:
            items.append(NavItem(tab.id, tab.label, url, tab.icon, _is_current(tab.id, url)))
    return _bar_places(items)


async def header_links(portal: Portal) -> list[tuple[str, str]]:
    """``(label, url)`` of the visible header links that have an address."""
    host = current_services().plugins
    out = []
    for item in await host.shown(host.declared.header_links, portal.enabled_plugins, portal):
        ok, url = await run_isolated(item.plugin, f"header link {item.record.id!r}", item.record.url, portal)
        if ok and url:
            out.append((item.record.label, url))
    return out
