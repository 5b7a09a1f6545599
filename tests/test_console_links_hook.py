"""The ``porchside_console_links`` hook: plugins' entries in the staff console's navigation."""

from __future__ import annotations

import re
import types

import pytest

from core import hookimpl
from core.console.testing import sign_in_staff
from core.plugin_state import set_enabled
from core.plugins import PluginError, PluginHost
from core.records import ConsoleLink
from tenants.context import use_tenant
from tenants.service import create_tenant
from tests.plugins import bad_console_link, warranty

NAV = re.compile(r'<nav aria-label="Console".*?</nav>', re.DOTALL)


@pytest.fixture
async def warranty_app(make_app):
    async with make_app(plugins=[("warranty", warranty)]) as started:
        yield started


def console_nav(html: str) -> str:
    match = NAV.search(html)
    assert match, "the console page has no navigation"
    return match.group(0)


async def test_console_link_shows_to_roles_with_its_permission_where_enabled(warranty_app, client_for):
    """porchside_console_links: an entry per enabled plugin, filtered by the role's permissions."""
    acme = await create_tenant("acme", "Acme Pool Care")
    globex = await create_tenant("globex", "Globex Plumbing")
    services = warranty_app.extensions["porchside"]
    with use_tenant(globex):
        await set_enabled("warranty", False, services.plugins, services.cache)

    admin = client_for(acme, warranty_app)
    await sign_in_staff(admin, "ann@acme.test", role="admin")
    nav = console_nav(await (await admin.get("/console/")).get_data(as_text=True))
    assert '<a href="/console/warranty/">Warranty claims</a>' in nav
    # Without a group, a link with the "settings" permission is in the Settings menu,
    # sorted among core's entries by order: before Customer portal (50).
    settings = re.search(r"<summary>Settings</summary>\s*<ul class=\"menu-panel\">(.*?)</ul>", nav, re.DOTALL)
    assert settings and settings.group(1).index("Warranty claims") < settings.group(1).index("Customer portal")
    assert (await admin.get("/console/warranty/")).status_code == 200

    staff = client_for(acme, warranty_app)
    await sign_in_staff(staff, "tyler@acme.test", role="staff")
    assert "Warranty claims" not in console_nav(await (await staff.get("/console/")).get_data(as_text=True))

    # Disabled in a tenant: no entry, and the route answers 404.
    other = client_for(globex, warranty_app)
    await sign_in_staff(other, "owen@globex.test", role="owner")
    assert "Warranty claims" not in console_nav(await (await other.get("/console/")).get_data(as_text=True))
    assert (await other.get("/console/warranty/")).status_code == 404


def test_console_link_with_an_unknown_permission_or_a_duplicate_id_stops_start_up():
    """porchside_console_links: records are checked when the app is built."""
    with pytest.raises(PluginError, match="permission 'superuser'.*does not exist"):
        PluginHost().load(extra=[("bad", bad_console_link)], load_entry_points=False)
    twin = types.SimpleNamespace(porchside_console_links=warranty.porchside_console_links)
    with pytest.raises(PluginError, match="duplicate console link id 'warranty'"):
        PluginHost().load(extra=[("warranty", warranty), ("twin", twin)], load_entry_points=False)


@hookimpl
def _billing_link():
    return [ConsoleLink(id="warranty", label="Warranty claims", endpoint="console.audit.index", permission="settings", group="billing")]


async def test_a_console_link_joins_the_menu_it_names(make_app, client_for):
    """ConsoleLink.group puts the entry in that menu of the console's navigation, whatever its permission."""
    grouped = types.SimpleNamespace(porchside_plugin_info=warranty.porchside_plugin_info, porchside_console_links=_billing_link)
    async with make_app(plugins=[("warranty", grouped)]) as app:
        acme = await create_tenant("acme", "Acme Pool Care")
        admin = client_for(acme, app)
        await sign_in_staff(admin, "ann@acme.test", role="admin")
        nav = console_nav(await (await admin.get("/console/")).get_data(as_text=True))
    billing = re.search(r"<summary>Billing</summary>\s*<ul class=\"menu-panel\">(.*?)</ul>", nav, re.DOTALL)
    assert billing and "Warranty claims" in billing.group(1) and "Invoices" in billing.group(1), nav


@hookimpl
def _link_in_an_unknown_group():
    return [ConsoleLink(id="sales", label="Sales", endpoint="console.home.index", group="sales")]


def test_console_link_with_an_unknown_group_stops_start_up():
    bad = types.SimpleNamespace(porchside_console_links=_link_in_an_unknown_group)
    with pytest.raises(PluginError, match="console link 'sales' has group 'sales'; use one of customers, work, billing, settings"):
        PluginHost().load(extra=[("bad", bad)], load_entry_points=False)
