"""The ``porchside_work_tabs`` hook: plugins' tabs on the portal's Work history page."""

from __future__ import annotations

import re
import types

import pytest

from core.plugin_state import set_enabled
from core.plugins import PluginError, PluginHost
from tenants.context import use_tenant
from tenants.service import create_tenant
from tests.plugins import punchlist

SUBTABS = re.compile(r'<nav aria-label="Which jobs" class="subtabs">.*?</nav>', re.DOTALL)


@pytest.fixture
async def punch_app(make_app):
    async with make_app(plugins=[("punchlist", punchlist)], load_entry_points=False) as started:
        yield started


async def tab_bar(client, path: str = "/jobs") -> str:
    response = await client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    match = SUBTABS.search(await response.get_data(as_text=True))
    assert match, f"{path} has no Work history tab bar"
    return match.group(0)


async def test_work_tabs_follow_core_tabs_in_order_with_their_badge(punch_app, client_for, make_customer):
    """porchside_work_tabs: shown after Upcoming, Past and All, by order, with the count as a badge."""
    acme = await create_tenant("acme", "Acme Pool Care")
    await make_customer(acme, "Pat Morgan", emails=["pat@example.com"])
    client = client_for(acme, punch_app)
    await client.sign_in_as("pat@example.com")

    bar = await tab_bar(client)
    labels = re.findall(r'<a href="[^"]+"[^>]*>([^<]+?)(?: <span|</a>)', bar)
    assert labels == ["Upcoming", "Past", "All", "Warranty work", "Punch list"]
    assert '<a href="/punch-list">Punch list <span class="count">(3)</span></a>' in bar
    assert '<a href="/warranty-work">Warranty work</a>' in bar  # no count: no badge
    assert '<a href="/jobs" aria-current="page">Upcoming' in bar

    # The plugin's own page draws the same bar, its tab current.
    own = await tab_bar(client, "/punch-list")
    assert '<a href="/punch-list" aria-current="page">Punch list <span class="count">(3)</span></a>' in own
    assert '<a href="/jobs">Upcoming <span class="count">(0)</span></a>' in own


async def test_work_tabs_hide_when_disabled_or_not_shown(punch_app, client_for, make_customer):
    """porchside_work_tabs: the plugin's per-tenant switch and is_shown(portal) each hide a tab."""
    acme = await create_tenant("acme", "Acme Pool Care")
    await make_customer(acme, "Hidden Lake HOA", emails=["board@example.com"])
    await make_customer(acme, "Pat Morgan", emails=["pat@example.com"])
    hidden = client_for(acme, punch_app)
    await hidden.sign_in_as("board@example.com")
    bar = await tab_bar(hidden)
    assert "Warranty work" in bar and "Punch list" not in bar

    pat = client_for(acme, punch_app)
    await pat.sign_in_as("pat@example.com")
    services = punch_app.extensions["porchside"]
    with use_tenant(acme):
        await set_enabled("punchlist", False, services.plugins, services.cache)
    bar = await tab_bar(pat)
    assert "Warranty work" not in bar and "Punch list" not in bar
    assert (await pat.get("/punch-list")).status_code == 404


def test_a_duplicate_work_tab_id_stops_start_up():
    """porchside_work_tabs: ids are unique across plugins."""
    twin = types.SimpleNamespace(porchside_work_tabs=punchlist.porchside_work_tabs)
    with pytest.raises(PluginError, match="duplicate work tab id"):
        PluginHost().load(extra=[("punchlist", punchlist), ("twin", twin)], load_entry_points=False)
    host = PluginHost().load(extra=[("punchlist", punchlist)], load_entry_points=False)
    assert [d.record.id for d in host.declared.work_tabs] == ["warranty_work", "punchlist"]
