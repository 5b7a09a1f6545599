"""What plugins add to a page of one object: job tabs and action buttons, as links;
sections at the end of a visit's page and Service history; and the tab bar of
the Work history page, core's tabs and plugins' work tabs.

Records come from the plugin host (only enabled plugins, ``is_shown``
awaited); their URLs are built here, and a plugin whose URL fails to build
is logged by name and left out, so the page still renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quart import url_for

from core.page_sections import RenderedSection, declared_for, render_sections
from core.plugins import Declared, run_isolated
from core.portal.access import shown_in_portal
from core.portal.context import Portal
from core.services import current_services


@dataclass(frozen=True)
class TabLink:
    id: str
    label: str
    url: str


@dataclass(frozen=True)
class ActionButton:
    """An action ready to render: a link (``get``) or a form button with CSRF (``post``)."""

    id: str
    label: str
    url: str
    method: str
    style: str


async def job_tab_links(job: Any, portal: Portal) -> list[TabLink]:
    """Plugin tabs of a job page, in order; each opens ``endpoint(job_id=...)``."""
    host = current_services().plugins
    links = []
    for item in await host.shown(host.declared.job_tabs, portal.enabled_plugins, job, portal):
        tab = item.record
        ok, url = await run_isolated(item.plugin, f"job tab {tab.id!r} ({tab.endpoint})", url_for, tab.endpoint, job_id=job.public_id)
        if ok:
            links.append(TabLink(tab.id, tab.label, url))
    return links


@dataclass(frozen=True)
class WorkTabLink:
    """A tab of the Work history page, ready for ``portal/_work_tabs.html``.

    :param count: the badge (None: no badge).
    :param current: the page being shown (``aria-current="page"``).
    """

    id: str
    label: str
    url: str
    count: int | None
    current: bool


async def work_tab_links(portal: Portal, current: str = "", counts: dict[str, int] | None = None) -> list[WorkTabLink]:
    """The Work history tab bar: core's Upcoming, Past and All, then plugins' work tabs.

    A plugin's page that is one of these tabs draws the same bar with
    ``{% from "portal/_work_tabs.html" import work_tabs %}{{ work_tabs(tabs) }}``
    and ``tabs=await work_tab_links(g.portal, current="<its tab id>")``.
    Plugin tabs show while the plugin is enabled, the portal includes the
    "work_history" section and ``is_shown(portal)`` agrees; a tab whose URL
    or count fails is logged with its plugin's name and left out.

    :param current: the id of the tab being shown (``upcoming``, ``past``,
        ``all`` or a work tab's id).
    :param counts: core's job counts per tab, when the caller has them already.
    """
    from core.portal.work import SHOW_LABELS, job_counts  # work.py imports this module

    if counts is None:
        counts = await job_counts(portal.account.id)
    links = [
        WorkTabLink(key, label, url_for("work.list", show=key) if key != "upcoming" else url_for("work.list"), counts.get(key, 0), key == current)
        for key, label in SHOW_LABELS.items()
    ]
    if not portal.tenant.section_enabled("work_history"):
        return links
    host = current_services().plugins
    for item in await host.shown(host.declared.work_tabs, portal.enabled_plugins, portal):
        tab = item.record
        ok, url = await run_isolated(item.plugin, f"work tab {tab.id!r} ({tab.endpoint})", url_for, tab.endpoint)
        if not ok:
            continue
        count = None
        if tab.count is not None:
            ok, count = await run_isolated(item.plugin, f"count of work tab {tab.id!r}", tab.count, portal)
            if not ok:
                continue
        links.append(WorkTabLink(tab.id, tab.label, url, count, tab.id == current))
    return links


async def portal_sections(page: str, obj: Any, portal: Portal) -> list[RenderedSection]:
    """Plugins' sections of a portal page (``portal_visit``, ``portal_service_history``) for ``obj``.

    A section shows while its plugin is enabled, its ``section`` is included
    in the portal and its ``load(obj, portal)`` returns a context; nothing is
    called (no query) when no plugin declares a section for ``page``.
    """
    declared = declared_for(page)
    if not declared:
        return []
    return await render_sections(await shown_in_portal(declared, portal), obj, portal)


async def action_buttons(target: str, obj: Any, portal: Portal) -> list[ActionButton]:
    """The actions of ``target`` (``job``, ``invoice``, ``invoices``, ``quote``) shown for ``obj``.

    Staff viewing the portal read-only see no actions: every action changes
    something or starts a payment.
    """
    if portal.read_only:
        return []
    host = current_services().plugins
    return await buttons_of(await host.shown(host.actions_for(target), portal.enabled_plugins, obj, portal), obj)


async def buttons_of(shown: list[Declared], obj: Any) -> list[ActionButton]:
    """Buttons of action records (portal or console) already checked for ``obj``, with their URLs.

    An ``href`` that raises or gives nothing leaves its button out (logged with the plugin's name).
    """
    buttons = []
    for item in shown:
        action = item.record
        ok, url = await run_isolated(item.plugin, f"href of action {action.id!r}", action.href, obj)
        if ok and url:
            buttons.append(ActionButton(action.id, action.label, url, action.method, action.style))
    return buttons
