"""What plugins add to a page of one object: job tabs and action buttons, as links.

Records come from the plugin host (only enabled plugins, ``is_shown``
awaited); their URLs are built here, and a plugin whose URL fails to build
is logged by name and left out, so the page still renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quart import url_for

from core.plugins import run_isolated
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


async def action_buttons(target: str, obj: Any, portal: Portal) -> list[ActionButton]:
    """The actions of ``target`` (``job``, ``invoice``, ``invoices``, ``quote``) shown for ``obj``.

    Staff viewing the portal read-only see no actions: every action changes
    something or starts a payment.
    """
    if portal.read_only:
        return []
    host = current_services().plugins
    buttons = []
    for item in await host.shown(host.actions_for(target), portal.enabled_plugins, obj, portal):
        action = item.record
        ok, url = await run_isolated(item.plugin, f"href of action {action.id!r}", action.href, obj)
        if ok and url:
            buttons.append(ActionButton(action.id, action.label, url, action.method, action.style))
    return buttons
