"""Plugins' buttons on the console's customer, job and invoice pages (``porchside_console_actions``).

A button shows when its plugin is enabled for the tenant, the signed-in
staff member's role has its permission, and its ``is_shown(obj, staff)``
agrees. Its URL comes from the plugin (``href(obj)``); a plugin whose
``href`` or ``is_shown`` raises loses its button, never the page. The
route behind the button checks the permission again: hiding a button is a
courtesy, not the guard.
"""

from __future__ import annotations

from typing import Any

from quart import g

from core.console.access import can
from core.portal.contributions import ActionButton, buttons_of
from core.services import current_services


async def console_buttons(target: str, obj: Any) -> list[ActionButton]:
    """The buttons of ``target`` (``account``, ``job``, ``invoice``) for ``obj``, for the signed-in staff member.

    Rendered like the portal's actions (``portal/invoices/_actions.html``).
    """
    host = current_services().plugins
    declared = [d for d in host.declared.console_actions if d.record.target == target and can(d.record.permission)]
    return await buttons_of(await host.shown(declared, g.get("enabled_plugins", frozenset()), obj, g.get("staff")), obj)
