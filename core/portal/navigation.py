"""Builds the portal's navigation and header links for the current viewer."""

from __future__ import annotations

from dataclasses import dataclass

from quart import request, url_for

from core.plugins import await_me_maybe
from core.portal.context import Portal
from core.services import current_services


@dataclass(frozen=True)
class NavItem:
    id: str
    label: str
    url: str
    icon: str
    current: bool


async def nav_items(portal: Portal) -> list[NavItem]:
    host = current_services().plugins
    tabs = await host.visible(host.declared.nav_tabs, portal.enabled_plugins, portal)
    items = []
    for tab in tabs:
        section = tab.section
        if section is not None and not portal.tenant.section_enabled(section):
            continue
        url = url_for(tab.endpoint)
        current = request.path == url or (url != "/" and request.path.startswith(url))
        items.append(NavItem(tab.id, tab.label, url, tab.icon, current))
    return items


async def header_links(portal: Portal) -> list[tuple[str, str]]:
    host = current_services().plugins
    links = await host.visible(host.declared.header_links, portal.enabled_plugins, portal)
    out = []
    for link in links:
        try:
            url = await await_me_maybe(link.url(portal))
        except Exception:
            import logging

            logging.getLogger("porchside.plugins").exception("header link %s failed", link.id)
            continue
        if url:
            out.append((link.label, url))
    return out
