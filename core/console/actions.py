"""Plugins' buttons on the console's customer, job and invoice pages (``porchside_console_actions``).

A button shows when its plugin is enabled for the tenant, the signed-in
staff member's role has its permission, and its ``is_shown(obj, staff)``
agrees. Its URL comes from the plugin (``href(obj)``); a plugin whose
``href`` or ``is_shown`` raises loses its button, never the page. The
route behind the button checks the permission again: hiding a button is a
courtesy, not the guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quart import g

from core.console.access import can
from core.plugins import run_isolated
from core.services import current_services


@dataclass(frozen=True)
class ConsoleButton:
    id: str
    label: str
    url: str
    method: str
    style: str


async def console_buttons(target: str, obj: Any) -> list[ConsoleButton]:
    """The buttons of ``target`` (``account``, ``job``, ``invoice``) for ``obj``, for the signed-in staff member."""
    host = current_services().plugins
    declared = [d for d in host.declared.console_actions if d.record.target == target and can(d.record.permission)]
    buttons = []
    for item in await host.shown(declared, g.get("enabled_plugins", frozenset()), obj, g.get("staff")):
        action = item.record
        ok, url = await run_isolated(item.plugin, f"href of console action {action.id!r}", action.href, obj)
        if ok and url:
            buttons.append(ConsoleButton(action.id, action.label, url, action.method, action.style))
    return buttons
