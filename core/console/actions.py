"""Plugins' buttons on the console's customer, job, invoice and visit pages (``porchside_console_actions``),
and their sections at the end of the visit and job pages (``porchside_page_sections``).

A button shows when its plugin is enabled for the tenant, the signed-in
staff member's role has its permission, and its ``is_shown(obj, staff)``
agrees. Its URL comes from the plugin (``href(obj)``); a plugin whose
``href`` or ``is_shown`` raises loses its button, never the page. The
route behind the button checks the permission again: hiding a button is a
courtesy, not the guard. A section shows on the same terms (enabled,
permission) when its ``load(obj, staff)`` returns a context.
"""

from __future__ import annotations

from typing import Any

from quart import g

from core.console.access import can
from core.page_sections import RenderedSection, declared_for, render_sections
from core.plugins import Declared
from core.portal.contributions import ActionButton, buttons_of
from core.services import current_services


async def _shown_to_staff(declared: list[Declared], *args: Any) -> list[Declared]:
    """Records whose permission the staff member's role has, of enabled plugins, whose ``is_shown(*args)`` agrees."""
    allowed = [d for d in declared if can(d.record.permission)]
    if not allowed:
        return []
    return await current_services().plugins.shown(allowed, g.get("enabled_plugins", frozenset()), *args)


async def console_buttons(target: str, obj: Any) -> list[ActionButton]:
    """The buttons of ``target`` (``account``, ``job``, ``invoice``, ``visit``) for ``obj``, for the signed-in staff member.

    Rendered like the portal's actions (``portal/invoices/_actions.html``).
    """
    declared = [d for d in current_services().plugins.declared.console_actions if d.record.target == target]
    return await buttons_of(await _shown_to_staff(declared, obj, g.get("staff")), obj)


async def console_sections(page: str, obj: Any) -> list[RenderedSection]:
    """Plugins' sections of a console page (``console_visit``, ``console_job``) for ``obj``, for the signed-in staff member."""
    staff = g.get("staff")
    return await render_sections(await _shown_to_staff(declared_for(page)), obj, staff)
