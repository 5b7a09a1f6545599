"""Marketing and booking links (M4): in the portal's top bar only when enabled, published and set."""

from __future__ import annotations

import re

import pytest

from core.console.testing import sign_in_staff
from core.plugin_state import SettingsError, save_plugin_settings, set_enabled
from plugins.marketing.tests.requests.helpers import page

HEADER = re.compile(r'<nav aria-label="[^"]* links" class="header-links">.*?</nav>', re.DOTALL)
SITE = "https://www.acme-pools.example"
BOOKING = "https://book.acme-pools.example/now"


def header_links(html: str) -> str:
    match = HEADER.search(html)
    return match.group(0) if match else ""


async def save(app, tenant, in_tenant, **values):
    services = app.extensions["porchside"]
    with in_tenant(tenant):
        return await save_plugin_settings("marketing", values, services.plugins, services.settings.secret_key)


async def test_links_show_only_when_enabled_published_and_set(app, tenant, pat_client, client_for, in_tenant):
    signed_out = client_for(tenant)
    assert header_links(await page(pat_client, "/")) == ""

    # Set but not published: hidden.
    await save(app, tenant, in_tenant, marketing_url=SITE, booking_url=BOOKING)
    assert header_links(await page(pat_client, "/")) == ""

    await save(app, tenant, in_tenant, marketing_url=SITE, booking_url=BOOKING, published="on")
    for client, path in ((pat_client, "/"), (pat_client, "/jobs"), (signed_out, "/sign-in")):
        links = header_links(await page(client, path))
        assert f'<a href="{SITE}" rel="noopener">Our website</a>' in links, path
        assert f'<a href="{BOOKING}" rel="noopener">Book online</a>' in links, path
        assert links.index("Our website") < links.index("Book online")

    # Published with only the site: only the site.
    await save(app, tenant, in_tenant, marketing_url=SITE, published="on")
    links = header_links(await page(pat_client, "/"))
    assert "Our website" in links and "Book online" not in links

    # The plugin off: no links, whatever the settings.
    services = app.extensions["porchside"]
    await save(app, tenant, in_tenant, marketing_url=SITE, booking_url=BOOKING, published="on")
    with in_tenant(tenant):
        await set_enabled("marketing", False, services.plugins, services.cache)
    assert header_links(await page(pat_client, "/")) == ""


async def test_only_web_addresses_are_accepted(app, tenant, pat_client, in_tenant):
    for bad in ("javascript:alert(1)", "ftp://files.example", "www.example.com", "https://"):
        with pytest.raises(SettingsError) as refused:
            await save(app, tenant, in_tenant, marketing_url=bad, published="on")
        assert "must be a web address" in refused.value.errors["marketing_url"]
    assert header_links(await page(pat_client, "/")) == ""


async def test_staff_set_the_links_on_the_plugins_page(app, tenant, pat_client, client_for, in_tenant):
    admin = client_for(tenant)
    await sign_in_staff(admin, "ann@acme.test", role="admin")
    form = await page(admin, "/console/plugins/marketing/settings")
    assert "Marketing site" in form and "Online booking page" in form and "Show these links in the portal" in form
    response = await admin.submit("/console/plugins/marketing/settings", {"marketing_url": "javascript:alert(1)", "published": "on"})
    assert response.status_code == 400 and "must be a web address" in await response.get_data(as_text=True)
    assert header_links(await page(pat_client, "/")) == ""
    response = await admin.submit("/console/plugins/marketing/settings", {"marketing_url": SITE, "booking_url": BOOKING, "published": "on"})
    assert response.status_code == 302
    assert "Book online" in header_links(await page(pat_client, "/"))
