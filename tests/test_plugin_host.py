"""The plugin host (K2): loading, start-up checks, per-tenant enablement, isolation.

Every test registers real plugins from ``tests/plugins/`` on an app (or a
host) of its own; pluggy registration is per plugin manager, so nothing
leaks from one test to the next.
"""

from __future__ import annotations

import importlib
import logging
from importlib.metadata import entry_points

import pytest
from click.testing import CliRunner

from core.app import create_app
from core.config import Settings
from core.models.jobs import Job
from core.models.platform import Notification, PluginConfig
from core.plugin_state import (
    SettingsError,
    call_for_tenant,
    enabled_plugins,
    plugin_secret,
    plugin_settings,
    save_plugin_settings,
    set_enabled,
    stored_secrets,
)
from core.plugins import CORE, PluginError, PluginHost
from core.portal.context import Portal
from core.records import Event
from core.services import Services
from core.testing import SECRET, TenantClient
from tenants.context import NoTenantError, use_tenant
from tenants.service import create_tenant
from tests.plugins import bad_hook, broken, faulty, ledger, override, pets, reviews, workorders

TEST_PLUGINS = [("reviews", reviews), ("workorders", workorders), ("ledger", ledger), ("broken", broken)]
BUILT_INS = {"quotes": "plugins.quotes", "payments": "plugins.payments", "marketing": "plugins.marketing"}


@pytest.fixture(autouse=True)
def _forget_what_plugins_saw():
    for seen in (reviews.received, ledger.started, ledger.events, ledger.notified):
        seen.clear()


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Settings for apps that are built but never started (start-up checks)."""
    return Settings.from_env({}, data_dir=tmp_path, secret_key=SECRET, base_domain="localhost")


@pytest.fixture
async def plugin_app(make_app):
    async with make_app(plugins=TEST_PLUGINS) as started:
        yield started


@pytest.fixture
async def acme(plugin_app):
    return await create_tenant("acme", "Acme Pool Care", website="https://acme.example")


@pytest.fixture
async def globex(plugin_app):
    return await create_tenant("globex", "Globex Plumbing")


def services_of(app) -> Services:
    return app.extensions["porchside"]


@pytest.fixture
def signed_in(plugin_app, client_for, make_customer):
    """``await signed_in(tenant)``: a client signed in as a customer, so the portal shows its tabs."""

    async def factory(tenant) -> TenantClient:
        email = f"pat@{tenant.slug}.example"
        await make_customer(tenant, "Pat Customer", emails=[email])
        client = client_for(tenant, plugin_app)
        await client.sign_in_as(email)
        return client

    return factory


async def enable(app, tenant, name: str, on: bool = True) -> None:
    services = services_of(app)
    with use_tenant(tenant):
        await set_enabled(name, on, services.plugins, services.cache)


def log_lines(caplog) -> str:
    return "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)


# -- loading -----------------------------------------------------------------


def test_built_in_plugins_come_from_the_entry_point_group():
    """porchside_plugin_info of quotes, payments and marketing, loaded from their entry points."""
    declared = {ep.name: ep.value for ep in entry_points(group="porchside")}
    assert {name: declared.get(name) for name in BUILT_INS} == BUILT_INS

    host = PluginHost().load()
    for name, module in BUILT_INS.items():
        assert host.pm.get_plugin(name) is importlib.import_module(module)
        assert host.declared.info[name].default_enabled

    assert PluginHost().load(load_entry_points=False).plugin_names() == []


def test_allow_list_loads_only_the_named_plugins(settings):
    app = create_app(settings, allowed_plugins=["quotes"], plugins=[("reviews", reviews)])
    assert services_of(app).plugins.plugin_names() == ["quotes", "reviews"]


def test_allow_list_naming_a_plugin_that_is_not_installed_stops_start_up(settings):
    with pytest.raises(PluginError) as failure:
        create_app(settings, allowed_plugins=["quotes", "invoicely"])
    message = str(failure.value)
    assert "not installed: invoicely" in message
    assert "quotes" in message and "PORCHSIDE_PLUGINS" in message


def test_unknown_hook_name_stops_start_up(settings):
    with pytest.raises(PluginError, match=r"plugin 'bad_hook' implements unknown hook 'porchside_nav_tab'; did you mean 'porchside_nav_tabs'\?"):
        create_app(settings, plugins=[("bad_hook", bad_hook)], load_entry_points=False)


@pytest.mark.parametrize("name, plugin, words", faulty.CASES, ids=[case[0] for case in faulty.CASES])
def test_faulty_plugin_stops_start_up_with_a_clear_message(settings, name, plugin, words):
    with pytest.raises(PluginError) as failure:
        create_app(settings, plugins=[("reviews", reviews), ("workorders", workorders), (name, plugin)], load_entry_points=False)
    for word in words:
        assert word in str(failure.value)


def test_a_plugin_module_changed_between_hosts_is_read_again():
    """What a host found on a plugin module is reused only while the module's names hold the same values."""
    import types

    from core import hookimpl
    from core.records import PluginInfo

    module = types.ModuleType("rebinding_plugin")

    @hookimpl
    def porchside_plugin_info():
        return PluginInfo(name="rebinding", label="Rebinding")

    module.porchside_plugin_info = porchside_plugin_info
    assert PluginHost().load(extra=[("rebinding", module)], load_entry_points=False).declared.info["rebinding"]

    def porchside_nav_tabs():  # unmarked: pluggy would ignore it
        return []

    module.porchside_nav_tabs = porchside_nav_tabs
    with pytest.raises(PluginError, match="porchside_nav_tabs looks like a hook but is not marked"):
        PluginHost().load(extra=[("rebinding", module)], load_entry_points=False)

    module.porchside_nav_tabs = hookimpl(porchside_nav_tabs)
    host = PluginHost().load(extra=[("rebinding", module)], load_entry_points=False)
    assert [impl.plugin_name for impl in host.pm.hook.porchside_nav_tabs.get_hookimpls()].count("rebinding") == 1
    del module.porchside_plugin_info
    host = PluginHost().load(extra=[("rebinding", module)], load_entry_points=False)
    assert "rebinding" not in [impl.plugin_name for impl in host.pm.hook.porchside_plugin_info.get_hookimpls()]


def test_core_names_and_late_registration_are_refused():
    host = PluginHost()
    with pytest.raises(PluginError, match="reserved for core"):
        host.register(reviews, CORE)
    host.load(extra=[("reviews", reviews)], load_entry_points=False)
    with pytest.raises(PluginError, match="registered before the app starts"):
        host.register(ledger, "ledger")
    with pytest.raises(PluginError, match="already loaded"):
        host.load()


def test_declarations_are_collected_with_their_plugin_and_order():
    """What every declaration hook returned, checked and kept with its plugin;
    porchside_cli_commands gives real click commands, porchside_tasks named tasks,
    porchside_plugin_info the Plugins page's entry (or a default).
    """
    host = PluginHost().load(extra=[*TEST_PLUGINS, ("override", override), ("pets", pets)], load_entry_points=False)
    d = host.declared

    assert [(i.plugin, i.record.id) for i in d.nav_tabs] == [
        (CORE, "home"), (CORE, "work_history"), (CORE, "service_history"), (CORE, "invoices"), (CORE, "payments"),
        ("reviews", "reviews"), (CORE, "statement"), (CORE, "documents"), (CORE, "contact"),
        ("broken", "broken_endpoint"), ("broken", "broken_shown"),
    ]
    assert [(i.plugin, i.record.id) for i in d.job_tabs] == [("workorders", "checklist"), ("broken", "broken_job_tab")]
    assert [i.record.id for i in host.actions_for("job")] == ["rebook"]
    assert [i.record.id for i in host.actions_for("invoice")] == ["receipt"]
    assert host.actions_for("quote") == []
    assert [(i.plugin, i.record.id) for i in d.header_links] == [("workorders", "booking"), ("broken", "broken_link")]
    assert {(i.plugin, i.record.name) for i in d.blueprints} == {("reviews", "reviews"), ("workorders", "workorders")}
    assert {i.plugin for i in d.template_dirs} == {"override", "reviews"}
    assert d.static_dirs["reviews"].record.path == reviews.HERE / "static"
    assert [f.name for f in d.settings_fields["reviews"]] == ["greeting", "per_month", "publish", "site", "profile_url", "api_token"]
    assert d.tasks["ledger.rollup"].plugin == "ledger" and d.tasks["ledger.rollup"].record.cron == "0 3 * * *"
    assert host.model_apps() == {"pets": {"models": ["tests.plugins.pets.models"], "migrations": "tests.plugins.pets.migrations"}}

    # A plugin without porchside_plugin_info is listed under its name, off by default.
    assert d.info["reviews"].version == "1.2.0" and not d.info["reviews"].default_enabled
    assert d.info["override"].label == "Override" and not d.info["override"].default_enabled

    # Core declares its own commands through the same hook (api-client); the test plugin's is ledger's.
    [command] = [c for c in d.cli_commands if c.plugin != "core"]
    assert command.plugin == "ledger"
    result = CliRunner().invoke(command.record, ["acme"])
    assert result.exit_code == 0 and result.output == "ledger of acme\n"


async def test_call_refuses_declaration_hooks_unknown_hooks_and_wrong_arguments():
    host = PluginHost().load(extra=TEST_PLUGINS, load_entry_points=False)
    with pytest.raises(PluginError, match="declaration hook"):
        await host.call("porchside_nav_tabs", frozenset())
    with pytest.raises(PluginError, match="no hook named 'porchside_evnt'"):
        await host.call("porchside_evnt", frozenset())
    with pytest.raises(TypeError, match="porchside_event takes event, tenant; got tenant"):
        await host.call("porchside_event", frozenset({"ledger"}), tenant=None)
    assert ledger.events == []


# -- run time ----------------------------------------------------------------


async def test_startup_hook_runs_and_a_failing_one_is_logged_by_plugin(make_app, caplog):
    """porchside_startup: called once with the app; a failure does not stop start-up."""
    caplog.set_level(logging.ERROR, logger="porchside.plugins")
    async with make_app(plugins=[("ledger", ledger), ("broken", broken)]) as app:
        assert ledger.started == [app.name]
        assert "plugin broken failed in porchside_startup" in log_lines(caplog)
        assert "BrokenPluginError" in log_lines(caplog)
        assert (await app.test_client().get("/readyz", headers={"Host": "localhost"})).status_code == 200


async def test_plugin_enabled_in_one_tenant_only(plugin_app, acme, globex, signed_in):
    """porchside_nav_tabs, porchside_blueprints and porchside_event follow the tenant's choice."""
    await enable(plugin_app, acme, "reviews")
    services = services_of(plugin_app)
    with use_tenant(acme):
        assert "reviews" in await enabled_plugins(services.plugins, services.cache)
    with use_tenant(globex):
        assert "reviews" not in await enabled_plugins(services.plugins, services.cache)

    # Its tab shows only where it is enabled.
    acme_client = await signed_in(acme)
    globex_client = await signed_in(globex)
    acme_home = await (await acme_client.get("/")).get_data(as_text=True)
    globex_home = await (await globex_client.get("/")).get_data(as_text=True)
    assert 'href="/reviews"' in acme_home and ">Reviews<" in acme_home
    assert 'href="/contact"' in globex_home
    assert "/reviews" not in globex_home

    # Its routes, nested blueprints included, answer 404 where it is disabled.
    for path, text in (("/reviews", "Tell us how we did"), ("/reviews/admin/", "reviews admin")):
        page = await acme_client.get(path)
        assert page.status_code == 200 and text in await page.get_data(as_text=True)
        missing = await globex_client.get(path)
        assert missing.status_code == 404 and text not in await missing.get_data(as_text=True)

    # Its event hook is called only for the tenant that enabled it; the
    # async result is awaited, not handed back as a coroutine.
    event = Event(name="invoice.issued", subject="inv_1", actor="staff:office@acme.test")
    acme_results = await call_for_tenant(acme, "porchside_event", services.plugins, services.cache, event=event)
    globex_results = await call_for_tenant(globex, "porchside_event", services.plugins, services.cache, event=event)
    assert reviews.received == [("acme", "invoice.issued")]
    assert sorted(acme_results) == ["ledger", "reviews saw invoice.issued"]
    assert globex_results == ["ledger"]
    assert ledger.events == ["invoice.issued", "invoice.issued"]

    # Turning it off takes effect at once (the cached state is dropped).
    await enable(plugin_app, acme, "reviews", on=False)
    assert (await acme_client.get("/reviews")).status_code == 404
    assert "/reviews" not in await (await acme_client.get("/")).get_data(as_text=True)


async def test_failing_plugin_is_logged_and_the_page_renders_without_it(plugin_app, acme, signed_in, caplog):
    """porchside_nav_tabs, porchside_header_links and porchside_event of a broken plugin."""
    caplog.set_level(logging.ERROR, logger="porchside.plugins")
    client = await signed_in(acme)

    page = await client.get("/")
    html = await page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'href="/contact"' in html and "Welcome to Acme Pool Care" in html
    assert "Broken" not in html
    # workorders' async header link is awaited and shown next to broken's failure.
    assert 'href="https://acme.example/book"' in html and "Book online" in html
    logged = log_lines(caplog)
    assert "plugin broken failed in is_shown of 'broken_shown'" in logged
    assert "plugin broken failed in nav tab 'broken_endpoint' (broken.nowhere)" in logged
    assert "plugin broken failed in header link 'broken_link'" in logged

    # A failing event hook does not stop the other plugins.
    services = services_of(plugin_app)
    results = await call_for_tenant(acme, "porchside_event", services.plugins, services.cache, event=Event("quote.decided"))
    assert results == ["ledger"] and ledger.events == ["quote.decided"]
    assert "plugin broken failed in porchside_event" in log_lines(caplog)


async def test_job_tabs_and_actions_follow_async_is_shown(plugin_app, acme, make_customer, client_for, caplog):
    """porchside_job_tabs and porchside_actions, shown per job by async predicates."""
    caplog.set_level(logging.ERROR, logger="porchside.plugins")
    account = await make_customer(acme, "Pat Customer", emails=["pat@acme.example"])
    host = services_of(plugin_app).plugins
    services = services_of(plugin_app)
    with use_tenant(acme):
        enabled = await enabled_plugins(host, services.cache)
        portal = Portal(tenant=acme, account=account, enabled_plugins=enabled)
        scheduled = await Job.create(account=account, number="J-1", title="Open the pool")
        done = await Job.create(account=account, number="J-2", title="Close the pool", status="completed")

    # Only the test plugins' records: built-in plugins add job tabs of their own (Messages).
    test_plugins = {name for name, _ in TEST_PLUGINS}
    job_tabs = [d for d in host.declared.job_tabs if d.plugin in test_plugins]
    job_actions = [d for d in host.actions_for("job") if d.plugin in test_plugins]
    assert await host.visible(job_tabs, enabled, scheduled, portal) == []
    assert [t.id for t in await host.visible(job_tabs, enabled, done, portal)] == ["checklist"]
    assert await host.visible(job_actions, enabled, scheduled, portal) == []
    [rebook] = await host.visible(job_actions, enabled, done, portal)
    assert rebook.href(done) == f"/book?job={done.public_id}"
    assert "plugin broken failed in is_shown of 'broken_job_tab'" in log_lines(caplog)

    # The job tab's route is the plugin's own (behind sign-in, like every plugin route that does not say otherwise).
    pat = client_for(acme, plugin_app)
    await pat.sign_in_as("pat@acme.example")
    page = await pat.get(f"/jobs/{done.public_id}/checklist")
    assert await page.get_data(as_text=True) == f"checklist of {done.public_id}"

    # Disabled for the tenant: none of its tabs or actions, whatever is_shown says.
    assert await host.visible(job_tabs, frozenset(), done, portal) == []


async def test_notify_reaches_enabled_plugins_with_async_results(plugin_app, acme, globex):
    """porchside_notify: async, and only for tenants that have the plugin on."""
    services = services_of(plugin_app)
    await enable(plugin_app, globex, "ledger", on=False)
    for tenant in (acme, globex):
        with use_tenant(tenant):
            notification = await Notification.create(kind="quote.decided", title=f"Quote approved at {tenant.name}")
        results = await call_for_tenant(
            tenant, "porchside_notify", services.plugins, services.cache, notification=notification, recipients=[]
        )
        assert results == (["ledger"] if tenant is acme else [])
    assert ledger.notified == [("acme", "Quote approved at Acme Pool Care", 0)]


async def test_plugin_settings_are_stored_per_tenant(plugin_app, acme, globex, signed_in):
    """porchside_settings_fields: checked, stored per tenant, secrets encrypted."""
    host = services_of(plugin_app).plugins
    with use_tenant(acme):
        saved = await save_plugin_settings(
            "reviews",
            {"greeting": "Hello from Acme", "per_month": "6", "publish": "on", "site": "yelp",
             "profile_url": "https://yelp.example/acme", "api_token": "tok-acme"},
            host, SECRET,
        )
        assert saved == {"greeting": "Hello from Acme", "per_month": 6, "publish": True, "site": "yelp", "profile_url": "https://yelp.example/acme"}
    with use_tenant(globex):
        await save_plugin_settings("reviews", {"greeting": "Globex says hi"}, host, SECRET)

    with use_tenant(acme):
        assert (await plugin_settings("reviews", host))["greeting"] == "Hello from Acme"
        assert await plugin_secret("reviews", "api_token", host, SECRET) == "tok-acme"
        row = await PluginConfig.get(plugin="reviews")
        assert "tok-acme" not in str(row.secrets) and "api_token" not in row.settings
        assert await plugin_secret("reviews", "api_token", host, "another-secret-key-" + "y" * 30) is None
        # An empty secret keeps the stored one (it is never shown back); clear removes it.
        await save_plugin_settings("reviews", {"greeting": "Hello again", "api_token": ""}, host, SECRET)
        assert await plugin_secret("reviews", "api_token", host, SECRET) == "tok-acme"
        await save_plugin_settings("reviews", {"greeting": "Hello again"}, host, SECRET, clear=["api_token"])
        assert await stored_secrets("reviews", host) == set()
    with use_tenant(globex):
        assert await plugin_settings("reviews", host) == {
            "greeting": "Globex says hi", "per_month": 4, "publish": False, "site": "google", "profile_url": None,
        }
        assert await plugin_secret("reviews", "api_token", host, SECRET) is None

        with pytest.raises(SettingsError) as refused:
            await save_plugin_settings("reviews", {"per_month": "many", "site": "myspace", "profile_url": "ftp://x"}, host, SECRET)
        assert refused.value.errors == {
            "per_month": "Requests per month must be a whole number.",
            "site": "Review site must be one of: Google, Yelp.",
            "profile_url": "Profile page must be a web address starting with https:// or http://.",
        }
        assert (await plugin_settings("reviews", host))["greeting"] == "Globex says hi"

        # Saving settings keeps the on/off state: workorders stays on by default.
        await save_plugin_settings("workorders", {}, host, SECRET)
        assert "workorders" in await enabled_plugins(host, services_of(plugin_app).cache)

    # The plugin's own route reads its tenant's settings.
    await enable(plugin_app, acme, "reviews")
    await enable(plugin_app, globex, "reviews")
    assert "Hello again" in await (await (await signed_in(acme)).get("/reviews")).get_data(as_text=True)
    assert "Globex says hi" in await (await (await signed_in(globex)).get("/reviews")).get_data(as_text=True)


async def test_hosts_with_different_plugins_share_the_enabled_cache(plugin_app, acme):
    """Instances loading different plugins share Redis: the cache holds choices, not results."""
    cache = services_of(plugin_app).cache
    only_reviews = PluginHost().load(extra=[("reviews", reviews)], load_entry_points=False)
    with_workorders = PluginHost().load(extra=[("reviews", reviews), ("workorders", workorders)], load_entry_points=False)
    with use_tenant(acme):
        assert await enabled_plugins(only_reviews, cache) == frozenset()
        assert await enabled_plugins(with_workorders, cache) == {"workorders"}


async def test_template_and_static_folders(make_app, client_for):
    """porchside_template_dirs (with a core override) and porchside_static_dirs."""
    async with make_app(plugins=[("reviews", reviews), ("override", override)]) as app:
        acme = await create_tenant("acme", "Acme Pool Care", contact_phone="555-0100")
        client = client_for(acme, app)

        css = await client.get("/plugin-static/reviews/reviews.css")
        assert css.status_code == 200 and ".reviews-greeting" in await css.get_data(as_text=True)
        for path in ("/plugin-static/reviews/../__init__.py", "/plugin-static/reviews/%2e%2e/__init__.py", "/plugin-static/other/reviews.css"):
            assert (await client.get(path)).status_code == 404, path

        # The override extends core's page through the "core:" prefix.
        contact = await (await client.get("/contact")).get_data(as_text=True)
        assert "We also answer on Saturdays." in contact
        assert "<h1>Contact us</h1>" in contact and "555-0100" in contact


async def test_model_app_of_a_plugin_is_migrated_and_tenant_scoped(make_app, porchside_settings_factory):
    """porchside_model_apps: the plugin's own migrations create a tenant-scoped table."""
    from core.db import run_migrations, tortoise_config

    settings = porchside_settings_factory()
    host = PluginHost().load(extra=[("pets", pets)], load_entry_points=False)
    await run_migrations(tortoise_config(settings, host.model_apps()))
    async with make_app(settings=settings, plugins=[("pets", pets)]):
        from tests.plugins.pets.models import Pet

        acme = await create_tenant("acme", "Acme Pool Care")
        globex = await create_tenant("globex", "Globex Plumbing")
        with use_tenant(acme):
            rex = await Pet.create(name="Rex")
            assert rex.public_id.startswith("pet_")
        with use_tenant(globex):
            assert await Pet.all().count() == 0
            assert await Pet.get_or_none(public_id=rex.public_id) is None
        with use_tenant(acme):
            assert [p.name for p in await Pet.all()] == ["Rex"]
        with pytest.raises(NoTenantError):
            await Pet.all()
