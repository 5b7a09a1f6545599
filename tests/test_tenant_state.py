"""The per-tenant snapshot (core.tenant_state): no queries while nothing changes, every change seen at once.

A request takes the tenant row, its plugin rows and its webhook flag from
the process's snapshot after reading one version key in the cache; a
change made anywhere sets a new version, so each instance reloads on its
next request.
"""

from __future__ import annotations

import pytest

from core.plugin_state import plugin_secret, plugin_settings, save_plugin_settings, set_enabled
from core.tenant_state import tenant_changed, tenant_states
from tenants.context import use_tenant
from tenants.models import Tenant
from tests.portal_data import page_of


def _tenant_statements(statements: list[str]) -> list[str]:
    return [s for s in statements if 'FROM "tenant"' in s or 'FROM "plugin_config"' in s or 'FROM "webhook_endpoint"' in s]


async def test_a_warm_request_reads_no_tenant_or_plugin_row(client, tenant, count_queries):
    await page_of(client, "/sign-in")
    with count_queries() as counted:
        await page_of(client, "/sign-in")
    assert _tenant_statements(counted.statements) == []


async def test_saved_tenant_and_plugin_settings_show_on_the_next_request(app, client, tenant):
    services = app.extensions["porchside"]
    assert "Acme Pool Care" in await page_of(client, "/sign-in")
    tenant.name = "Acme Pools & Spas"
    await tenant.save(update_fields=["name"])
    assert "Acme Pools &amp; Spas" in await page_of(client, "/sign-in")

    with use_tenant(tenant):
        await page_of(client, "/sign-in")  # the snapshot is warm
        await save_plugin_settings("payments", {"publishable_key": "pk_test_1", "secret_key": "sk_test_1"}, services.plugins, services.settings.secret_key)
        async with app.app_context():
            assert (await plugin_settings("payments", services.plugins))["publishable_key"] == "pk_test_1"
            assert await plugin_secret("payments", "secret_key", services.plugins, services.settings.secret_key) == "sk_test_1"
            await save_plugin_settings("payments", {"publishable_key": "pk_test_2", "secret_key": "sk_test_2"}, services.plugins, services.settings.secret_key)
            assert (await plugin_settings("payments", services.plugins))["publishable_key"] == "pk_test_2"
            assert await plugin_secret("payments", "secret_key", services.plugins, services.settings.secret_key) == "sk_test_2"


async def test_a_plugin_switched_off_closes_its_routes_at_once(app, tenant, client):
    services = app.extensions["porchside"]
    assert (await client.get("/quotes")).status_code != 404  # a sign-in redirect: the route exists
    with use_tenant(tenant):
        await set_enabled("quotes", False, services.plugins, services.cache)
    assert (await client.get("/quotes")).status_code == 404


async def test_a_disabled_business_answers_404_on_its_next_request(app, tenant, client):
    from tenants.service import set_active

    assert (await client.get("/sign-in")).status_code == 200
    await set_active(tenant, False, app.extensions["porchside"].resolver)
    assert (await client.get("/sign-in")).status_code == 404


async def test_a_request_changing_its_tenant_copy_changes_no_other_request(client, tenant):
    await page_of(client, "/sign-in")
    from quart import g

    async with client.app.test_request_context("/sign-in", headers={"Host": "acme.localhost"}):
        await client.app.preprocess_request()
        g.tenant.name = "Changed but not saved"
        g.tenant.portal_settings["sections"]["invoices"] = False
    html = await page_of(client, "/sign-in")
    assert "Changed but not saved" not in html and "Acme Pool Care" in html


async def test_another_instance_sees_a_change_through_the_shared_version_key(make_app, porchside_backend):
    if porchside_backend.redis_url is None:
        pytest.skip("instances share a version key only through Redis")
    from core.testing import TenantClient
    from tenants.service import create_tenant

    async with make_app() as first, make_app() as second:
        tenant = await create_tenant("acme", "Acme Pool Care")
        on_second = TenantClient(second, "acme.localhost")
        assert "Acme Pool Care" in await page_of(on_second, "/sign-in")
        # A write with no signal (a bulk update) changes nothing the second instance holds...
        await Tenant.filter(id=tenant.id).update(name="Acme Pools")
        assert "Acme Pool Care" in await page_of(on_second, "/sign-in")
        # ...until the first instance's store sets a new version in the shared cache.
        await tenant_states(first.extensions["porchside"].cache).changed(tenant.id)
        assert "Acme Pools" in await page_of(on_second, "/sign-in")
        await Tenant.filter(id=tenant.id).update(name="Acme Pools Two")
        await tenant_changed(tenant.id)
        assert "Acme Pools Two" in await page_of(on_second, "/sign-in")


async def test_a_request_reads_its_tenants_version_key_once(app, client, tenant):
    """Plugin rows, secrets and cards in one request reuse the snapshot its first check found (issue 13)."""
    cache = app.extensions["porchside"].cache
    read: list[str] = []
    real_get = cache.get

    async def recording_get(key: str) -> str | None:
        read.append(key)
        return await real_get(key)

    await page_of(client, "/sign-in")
    cache.get = recording_get
    try:
        await page_of(client, "/sign-in")
        await page_of(client, "/sign-in")
    finally:
        del cache.get
    assert read.count(f"t:{tenant.id}:state") == 2


async def test_a_change_made_during_a_request_is_seen_later_in_that_request(app, tenant):
    from quart import g

    from core.plugin_state import enabled_plugins

    services = app.extensions["porchside"]
    async with app.test_request_context("/sign-in", headers={"Host": "acme.localhost"}):
        await app.preprocess_request()
        assert "quotes" in g.enabled_plugins
        await set_enabled("quotes", False, services.plugins, services.cache)
        assert "quotes" not in await enabled_plugins(services.plugins, services.cache)


async def test_services_closed_while_redis_is_away_are_told_of_no_later_change(app, tenant, porchside_settings_factory, caplog):
    """A command's services closed with Redis away (the queue's close fails) are closed all the same:
    a later change in the process no longer tries that Redis (each one waited on it before)."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    from core.plugins import PluginHost
    from core.services import Services
    from tests.private_services import PrivateRedis

    away = Services.build(porchside_settings_factory(redis_url=PrivateRedis().url), PluginHost().load())  # never started
    with pytest.raises(RedisConnectionError):
        await away.close()
    assert away.cache.closed
    caplog.set_level("INFO", logger="porchside")
    await tenant_changed(tenant.id)
    assert "could not be told" not in caplog.text
