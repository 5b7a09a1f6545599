"""Builds the portal's navigation and header links for the current viewer.

Tabs and links come from core and the plugins enabled for the tenant
(:func:`~core.portal.access.shown_in_portal`); a plugin whose tab or link fails
to build is logged by name and left out, so the page still renders.
"""

from __future__ import annotations

from dataclasses import dataclass

from quart import g, request, url_for

from core.plugins import run_isolated
from core.portal.access import shown_in_portal
from core.portal.context import Portal
from core.services import current_services


@dataclass(frozen=True)
class NavItem:
    id: str
    label: str
    url: str
    icon: str
    current: bool


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
    return items


async def header_links(portal: Portal) -> list[tuple[str, str]]:
    """``(label, url)`` of the visible header links that have an address."""
    host = current_services().plugins
    out = []
    for item in await host.shown(host.declared.header_links, portal.enabled_plugins, portal):
        ok, url = await run_isolated(item.plugin, f"header link {item.record.id!r}", item.record.url, portal)
        if ok and url:
            out.append((item.record.label, url))
    return out
