"""The API's OpenAPI 3.1 document and reference page (issue 12), and the porchside_api_resources hook."""

from __future__ import annotations

import pytest

from core.plugin_state import set_enabled
from core.plugins import PluginError, PluginHost
from core.api.resources import ApiResource
from core.api.registry import ResourceRegistry
from core.models.customers import CustomerAccount
from core.models.jobs import Job
from tests.api_helpers import ALL, bearer
from tests.plugins import dispatch


async def test_openapi_document_describes_the_registered_resources(client, tenant):
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = await response.get_json()
    assert document["openapi"] == "3.1.0"
    assert {"/api/v1/customers", "/api/v1/customers/{id}", "/api/v1/customers/by-external-id/{external_id}", "/api/v1/contacts/{id}"} <= set(document["paths"])
    create = document["paths"]["/api/v1/customers"]["post"]
    assert create["security"] == [{"oauth2": ["customers:write"]}]
    schema_name = create["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "name" in document["components"]["schemas"][schema_name]["required"]
    assert "delete" in document["paths"]["/api/v1/contacts/{id}"]
    assert "delete" not in document["paths"]["/api/v1/customers/{id}"]
    flows = document["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"]
    assert flows["tokenUrl"] == "/oauth/token" and "contacts:write" in flows["scopes"]


async def test_reference_page_is_rendered_from_local_assets(client, tenant):
    response = await client.get("/api/docs")
    assert response.status_code == 200
    page = await response.get_data(as_text=True)
    assert "PUT /api/v1/customers/by-external-id/{external_id}" in page and "customers:write" in page
    assert "https://" not in page  # no CDN: scripts, styles and fonts are the app's own
    assert 'id="error-idempotency_key_reused"' in page  # problem "type" links land on their code


async def test_a_plugins_resource_exists_only_where_the_plugin_is_on(make_app, client_for, in_tenant):
    """porchside_api_resources: a plugin adds a resource exactly as core does; per tenant it follows the plugin switch."""
    from tenants.service import create_tenant

    async with make_app(plugins=[("dispatch", dispatch)]) as app:
        tenant = await create_tenant("acme", "Acme Pool Care")
        http = client_for(tenant, app)
        services = app.extensions["porchside"]
        with in_tenant(tenant):
            await set_enabled("dispatch", True, services.plugins, services.cache)
            account = await CustomerAccount.create(number="C-1", name="A")
            await Job.create(account=account, number="J-1", title="Pool", status="scheduled")
        auth = await bearer(http, tenant, [*ALL, "dispatch_jobs:read"])
        listed = await http.get("/api/v1/dispatch_jobs?status=scheduled", headers=auth)
        assert listed.status_code == 200
        assert [j["number"] for j in (await listed.get_json())["data"]] == ["J-1"]
        assert (await http.post("/api/v1/dispatch_jobs", json={}, headers=auth)).status_code == 405
        assert "/api/v1/dispatch_jobs" in (await (await http.get("/api/v1/openapi.json")).get_json())["paths"]
        with in_tenant(tenant):
            await set_enabled("dispatch", False, services.plugins, services.cache)
        assert (await http.get("/api/v1/dispatch_jobs", headers=auth)).status_code == 404
        assert "/api/v1/dispatch_jobs" not in (await (await http.get("/api/v1/openapi.json")).get_json())["paths"]


def test_bad_or_duplicate_resource_declarations_stop_start_up():
    """porchside_api_resources: a duplicate name or an invalid declaration names the plugin."""
    import types

    from core import hookimpl

    def plugin(resource: ApiResource):
        module = types.ModuleType("api_plugin")
        module.porchside_api_resources = hookimpl(lambda: [resource])
        module.porchside_api_resources.__name__ = "porchside_api_resources"
        return module

    duplicate = dispatch.porchside_api_resources()[0]
    with pytest.raises(PluginError, match="duplicate API resource id 'dispatch_jobs'"):
        PluginHost().load(extra=[("dispatch", dispatch), ("copycat", plugin(duplicate))], load_entry_points=False)
    broken = ApiResource(name="Bad Name", object="thing", model=Job, schema=dispatch.DispatchJob, serialize=dispatch.serialize, create=lambda ctx, data: None)
    host = PluginHost().load(extra=[("broken_api", plugin(broken))], load_entry_points=False)
    with pytest.raises(PluginError, match="plugin 'broken_api': API resource 'Bad Name'.*name 'Bad Name'.*create and create_schema"):
        ResourceRegistry.from_host(host)
