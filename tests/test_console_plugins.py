"""The Plugins page (S9): installed plugins, per-tenant on/off, settings forms with write-only secrets."""

from __future__ import annotations

import pytest
from markupsafe import escape

from core.console.testing import sign_in_staff
from core.models.platform import AuditEvent, PluginConfig
from core.plugin_state import plugin_secret, plugin_settings
from tenants.service import create_tenant
from tests.plugins import reviews

SECRET_VALUE = "tok_live_do_not_show_me_1234"


@pytest.fixture
async def reviews_app(make_app):
    async with make_app(plugins=[("reviews", reviews)]) as started:
        yield started


@pytest.fixture
async def acme(reviews_app):
    return await create_tenant("acme", "Acme Pool Care")


@pytest.fixture
async def admin(reviews_app, acme, client_for):
    client = client_for(acme, reviews_app)
    await sign_in_staff(client, "admin@acme.test", role="admin")
    return client


async def test_every_installed_plugin_is_listed_with_version_and_description(admin, reviews_app):
    page = await (await admin.get("/console/plugins/")).get_data(as_text=True)
    host = reviews_app.extensions["porchside"].plugins
    assert "reviews" in host.plugin_names() and len(host.plugin_names()) >= 2
    for name in host.plugin_names():
        info = host.declared.info[name]
        assert str(escape(info.label)) in page and f"version {escape(info.version)}" in page
        assert str(escape(info.description)) in page
    assert "Ask customers for a review after each visit." in page
    assert 'href="/console/plugins/reviews/settings"' in page


async def test_turning_a_plugin_on_and_off_is_per_business(admin, reviews_app, acme, client_for, make_customer, in_tenant):
    globex = await create_tenant("globex", "Globex Plumbing")
    for tenant in (acme, globex):
        await make_customer(tenant, "Pat's House", emails=["pat@example.com"])
    acme_customer, globex_customer = client_for(acme, reviews_app), client_for(globex, reviews_app)
    await acme_customer.sign_in_as("pat@example.com")
    await globex_customer.sign_in_as("pat@example.com")
    assert (await acme_customer.get("/reviews")).status_code == 404
    r = await admin.submit("/console/plugins/reviews/switch", {"enabled": "on"})
    assert r.status_code == 302 and r.headers["Location"] == "/console/plugins/?done=enabled"
    assert (await acme_customer.get("/reviews")).status_code == 200
    assert (await globex_customer.get("/reviews")).status_code == 404
    page = await (await admin.get("/console/plugins/")).get_data(as_text=True)
    assert "Turn off<span class=\"visually-hidden\"> Reviews" in page
    await admin.submit("/console/plugins/reviews/switch", {"enabled": "off"})
    assert (await acme_customer.get("/reviews")).status_code == 404
    with in_tenant(acme):
        actions = [e.action for e in await AuditEvent.filter(target="reviews").order_by("id")]
    assert actions == ["plugins.enabled", "plugins.disabled"]


async def test_unknown_plugins_are_404(admin):
    assert (await admin.get("/console/plugins/nope/settings")).status_code == 404
    assert (await admin.submit("/console/plugins/nope/switch", {"enabled": "on"})).status_code == 404
    assert (await admin.submit("/console/plugins/nope/settings", {})).status_code == 404


async def test_the_settings_form_follows_the_declared_fields(admin):
    page = await (await admin.get("/console/plugins/reviews/settings")).get_data(as_text=True)
    assert 'name="greeting" type="text" value="Tell us how we did"' in page
    assert 'name="per_month" type="number" value="4"' in page
    assert 'type="checkbox" id="setting-publish" name="publish"' in page
    assert '<option value="google" selected>Google</option>' in page and '<option value="yelp">Yelp</option>' in page
    assert 'name="profile_url" type="url"' in page
    assert 'name="api_token" type="password" value=""' in page and "Not set." in page


async def test_settings_are_saved_and_secrets_are_write_only(admin, reviews_app, acme, in_tenant):
    host = reviews_app.extensions["porchside"].plugins
    key = reviews_app.extensions["porchside"].settings.secret_key
    form = {"greeting": "How was your visit?", "per_month": "2", "publish": "on", "site": "yelp",
            "profile_url": "https://yelp.example/acme", "api_token": SECRET_VALUE}
    r = await admin.submit("/console/plugins/reviews/settings", form)
    assert r.status_code == 302 and r.headers["Location"] == "/console/plugins/reviews/settings?done=saved"
    with in_tenant(acme):
        assert await plugin_settings("reviews", host) == {
            "greeting": "How was your visit?", "per_month": 2, "publish": True, "site": "yelp",
            "profile_url": "https://yelp.example/acme",
        }
        assert await plugin_secret("reviews", "api_token", host, key) == SECRET_VALUE
        row = await PluginConfig.get(plugin="reviews")
        assert SECRET_VALUE not in str(row.secrets)  # stored encrypted
    page = await (await admin.get("/console/plugins/reviews/settings?done=saved")).get_data(as_text=True)
    assert SECRET_VALUE not in page and "A value is saved; it is never shown." in page
    assert "Plugin settings saved." in page
    # An empty secret keeps the saved one; a missing checkbox turns a bool off.
    without_publish = {name: value for name, value in form.items() if name != "publish"}
    await admin.submit("/console/plugins/reviews/settings", {**without_publish, "api_token": ""})
    with in_tenant(acme):
        assert await plugin_secret("reviews", "api_token", host, key) == SECRET_VALUE
        assert (await plugin_settings("reviews", host))["publish"] is False
    await admin.submit("/console/plugins/reviews/settings", {**form, "api_token": "", "clear_api_token": "on"})
    with in_tenant(acme):
        assert await plugin_secret("reviews", "api_token", host, key) is None


async def test_refused_settings_say_why_and_never_echo_a_secret(admin, reviews_app, acme, in_tenant):
    form = {"greeting": "Hi", "per_month": "lots", "site": "myspace", "profile_url": "ftp://files.example",
            "api_token": SECRET_VALUE}
    r = await admin.submit("/console/plugins/reviews/settings", form)
    assert r.status_code == 400
    page = await r.get_data(as_text=True)
    assert "Requests per month must be a whole number." in page
    assert "Review site must be one of: Google, Yelp." in page
    assert "Profile page must be a web address" in page
    assert 'value="lots"' in page  # what was typed comes back, to correct it
    assert SECRET_VALUE not in page
    with in_tenant(acme):
        row = await PluginConfig.get_or_none(plugin="reviews")
        assert row is None or (row.settings == {} and row.secrets == {})
