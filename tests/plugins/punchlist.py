"""Punch list: two tabs of the portal's Work history page (``porchside_work_tabs``).

On by default. "Punch list" counts its items in a badge (async) and hides
from accounts whose name starts with "Hidden"; "Warranty work" has no badge
and comes first by order. The punch list page draws Work history's tab bar
with core's helper and macro, as a plugin's tab page does.
"""

from __future__ import annotations

from quart import Blueprint, g, render_template_string

from core import hookimpl
from core.auth.current import login_required
from core.portal.contributions import work_tab_links
from core.portal.views import render_portal
from core.records import PluginInfo, WorkTab

blueprint = Blueprint("punchlist", __name__)
blueprint.portal_section = "work_history"  # type: ignore[attr-defined]
ITEMS = 3

PAGE = """{% from "portal/_work_tabs.html" import work_tabs %}<h1>Punch list</h1>{{ work_tabs(tabs) }}"""


@blueprint.get("/punch-list")
@login_required
async def index():
    tabs = await work_tab_links(g.portal, current="punchlist")
    return await render_template_string(PAGE, tabs=tabs)


@blueprint.get("/warranty-work")
@login_required
async def warranty():
    return await render_portal("portal/contact.html")


async def not_hidden(portal) -> bool:
    return not portal.account.name.startswith("Hidden")


async def item_count(portal) -> int:
    return ITEMS


@hookimpl
def porchside_plugin_info():
    return PluginInfo(name="punchlist", label="Punch list", default_enabled=True)


@hookimpl
def porchside_blueprints():
    return [blueprint]


@hookimpl
def porchside_work_tabs():
    return [
        WorkTab(id="punchlist", label="Punch list", endpoint="punchlist.index", order=20, is_shown=not_hidden, count=item_count),
        WorkTab(id="warranty_work", label="Warranty work", endpoint="punchlist.warranty", order=10),
    ]
