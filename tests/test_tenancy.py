"""Host -> tenant routing through real HTTP requests (K1)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tenants.models import Domain
from tenants.resolver import Resolution
from tenants.service import (
    OLD_ADDRESS_REDIRECT_DAYS,
    TenantError,
    change_slug,
    claim_custom_domain,
    create_tenant,
    remove_custom_domain,
    set_active,
)

TENANT_NAMES = ("Acme", "acme", "Globex", "globex")
PAGE = "/sign-in"  # a public page of each tenant's portal that shows its name
JSON = {"Accept": "application/json"}


@pytest.fixture
def resolver(app):
    return app.extensions["porchside"].resolver


async def text(response) -> str:
    return await response.get_data(as_text=True)


def assert_no_tenant_data(body: str) -> None:
    for name in TENANT_NAMES:
        assert name not in body, f"{name!r} leaked into a page of no tenant"


async def test_each_tenant_gets_its_own_portal(client, other_client) -> None:
    acme = await text(await client.get(PAGE))
    globex = await text(await other_client.get(PAGE))
    assert "Acme Pool Care" in acme and "Globex" not in acme
    assert "Globex Plumbing" in globex and "Acme" not in globex


SAME_TENANT_HOSTS = ["acme.localhost:8000", "ACME.LocalHost", "Acme.localhost:443", "acme.localhost.", "  acme.localhost  "]
UNKNOWN_HOSTS = [
    "nobody.localhost",
    "nobody.localhost:8000",
    "acme-pools.localhost",  # a near miss of a real slug
    "www.localhost",
    "deep.acme.localhost",  # a name under a tenant's subdomain
    "acme.localhost.evil.example",  # the base domain inside another domain
    "evil.example",
    "acme",
    "127.0.0.1",
]
MALFORMED_HOSTS = [
    "acme.localhost:abc",
    "acme.localhost:",
    "acme.localhost:99999",
    "acme.localhost:80:80",
    "ac me.localhost",
    "acme_pools.localhost",
    "user@acme.localhost",
    "[::1]:8000",
    "-acme.localhost",
    "acme..localhost",  # Werkzeug itself cannot encode an empty label
    "acmé.localhost",
    "a" * 64 + ".localhost",
]


async def test_port_case_and_trailing_dot_do_not_matter(client_for, tenant) -> None:
    for host in SAME_TENANT_HOSTS:
        response = await client_for(host).get(PAGE)
        assert response.status_code == 200, host
        assert "Acme Pool Care" in await text(response), host


async def test_an_unknown_host_is_404_and_never_another_tenant(client_for, tenant, other_tenant) -> None:
    for host in UNKNOWN_HOSTS:
        response = await client_for(host).get(PAGE)
        assert response.status_code == 404, host
        assert_no_tenant_data(await text(response))
        as_json = await client_for(host).get("/", headers=JSON)
        assert as_json.status_code == 404, host
        assert (await as_json.get_json())["error"]["code"] == "unknown_host", host


async def test_the_bare_base_domain_is_the_platform_page(client_for, tenant, other_tenant) -> None:
    for host in ("localhost", "LOCALHOST:8000"):
        response = await client_for(host).get("/")
        assert response.status_code == 200
        body = await text(response)
        assert "Porchside" in body
        assert_no_tenant_data(body)
    # Tenant pages do not exist on the platform host.
    for path in (PAGE, "/contact"):
        page = await client_for("localhost").get(path)
        assert page.status_code == 404
        assert_no_tenant_data(await text(page))


async def test_a_malformed_host_is_400(client_for, tenant) -> None:
    for host in MALFORMED_HOSTS:
        response = await client_for(host).get("/", headers=JSON)
        assert response.status_code == 400, host
        assert (await response.get_json())["error"]["code"] == "bad_host", host
        page = await client_for(host).get(PAGE)
        assert page.status_code == 400, host
        assert_no_tenant_data(await text(page))


async def test_portal_switched_off_shows_a_friendly_page(client, other_client, tenant) -> None:
    tenant.portal_enabled = False
    await tenant.save(update_fields=["portal_enabled"])

    response = await client.get(PAGE)
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    body = await text(response)
    assert "Acme Pool Care" in body and "not available" in body
    assert "office@acme.test" in body  # how to reach the business instead
    assert (await client.get("/contact")).status_code == 503
    # Other tenants are untouched.
    assert (await other_client.get(PAGE)).status_code == 200


async def test_a_disabled_tenant_is_404(client, other_client, tenant, resolver) -> None:
    await set_active(tenant, False, resolver)
    response = await client.get(PAGE)
    assert response.status_code == 404
    assert_no_tenant_data(await text(response))
    assert (await other_client.get(PAGE)).status_code == 200

    await set_active(tenant, True, resolver)
    assert (await client.get(PAGE)).status_code == 200


async def test_a_custom_domain_leads_to_its_tenant(client_for, tenant, other_tenant, verified_domain) -> None:
    await verified_domain(tenant, "Portal.AcmePools.com")

    for host in ("portal.acmepools.com", "portal.acmepools.com:8443", "PORTAL.acmepools.com."):
        response = await client_for(host).get(PAGE)
        assert response.status_code == 200
        body = await text(response)
        assert "Acme Pool Care" in body and "Globex" not in body
    # The subdomain keeps working; the bare custom domain was never added.
    assert (await client_for("acme.localhost").get(PAGE)).status_code == 200
    assert (await client_for("acmepools.com").get(PAGE)).status_code == 404


async def test_custom_domains_are_checked(tenant, other_tenant, resolver, verified_domain) -> None:
    await verified_domain(tenant, "portal.acmepools.com")
    with pytest.raises(TenantError, match="already in use"):
        await claim_custom_domain(other_tenant, "PORTAL.acmepools.com", resolver)
    with pytest.raises(TenantError, match="localhost"):
        await claim_custom_domain(other_tenant, "acme.localhost", resolver)
    with pytest.raises(TenantError, match="localhost"):
        await claim_custom_domain(other_tenant, "shop.acme.localhost", resolver)
    for bad, problem in (
        ("not a domain", "not a valid domain"),
        ("intranet", "not a full domain"),
        ("http://x.example", "without https://"),
        ("", "Enter a domain name"),
    ):
        with pytest.raises(TenantError, match=problem):
            await claim_custom_domain(other_tenant, bad, resolver)
    with pytest.raises(TenantError, match="not one of this business"):
        await remove_custom_domain(other_tenant, "portal.acmepools.com", resolver)


async def test_a_primary_custom_domain_becomes_the_tenants_address(tenant, resolver, verified_domain) -> None:
    await verified_domain(tenant, "portal.acmepools.com", primary=True)
    assert await resolver.primary_host(tenant) == "portal.acmepools.com"
    await remove_custom_domain(tenant, "portal.acmepools.com", resolver)
    assert await resolver.primary_host(tenant) == "acme.localhost"


async def test_old_address_redirects_to_the_new_one_keeping_the_path(client_for, tenant, resolver) -> None:
    await change_slug(tenant, "acme-pools", resolver)

    response = await client_for("acme.localhost").get("/contact?tab=hours&x=%2F")
    assert response.status_code == 301
    assert response.headers["Location"] == "http://acme-pools.localhost/contact?tab=hours&x=%2F"
    with_port = await client_for("ACME.localhost:8000").get("/contact")
    assert with_port.status_code == 301
    assert with_port.headers["Location"] == "http://acme-pools.localhost:8000/contact"

    new = await client_for("acme-pools.localhost").get(PAGE)
    assert new.status_code == 200
    assert "Acme Pool Care" in await text(new)

    old = await Domain.get(kind="subdomain", host="acme")
    assert old.redirect and not old.is_primary
    expected = datetime.now(timezone.utc) + timedelta(days=OLD_ADDRESS_REDIRECT_DAYS)
    assert abs((old.expires_at - expected).total_seconds()) < 60


async def test_an_expired_redirect_is_404_and_the_address_is_free_again(client_for, tenant, resolver) -> None:
    await change_slug(tenant, "acme-pools", resolver)
    assert (await client_for("acme.localhost").get(PAGE)).status_code == 301
    with pytest.raises(TenantError, match="already taken"):
        await create_tenant("acme", "Another Acme")

    await Domain.filter(kind="subdomain", host="acme").update(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
    await resolver.forget("acme.localhost")  # what the cache would do on its own within minutes
    response = await client_for("acme.localhost").get(PAGE)
    assert response.status_code == 404
    assert_no_tenant_data(await text(response))

    # After the redirect period anyone may take the old address.
    newcomer = await create_tenant("acme", "Acme Newcomer Ltd")
    page = await client_for("acme.localhost").get(PAGE)
    assert page.status_code == 200
    assert "Acme Newcomer Ltd" in await text(page)
    assert "Acme Pool Care" in await text(await client_for("acme-pools.localhost").get(PAGE))
    assert newcomer.id != tenant.id


async def test_moving_back_to_an_old_address(client_for, tenant, resolver) -> None:
    await change_slug(tenant, "acme-pools", resolver)
    await change_slug(tenant, "acme", resolver)
    assert (await client_for("acme.localhost").get(PAGE)).status_code == 200
    back = await client_for("acme-pools.localhost").get("/x?y=1")
    assert back.status_code == 301
    assert back.headers["Location"] == "http://acme.localhost/x?y=1"
    assert await resolver.primary_host(tenant) == "acme.localhost"


async def test_slug_changes_are_checked(tenant, other_tenant, resolver) -> None:
    with pytest.raises(TenantError, match="already taken"):
        await change_slug(tenant, "globex", resolver)
    with pytest.raises(TenantError, match="reserved"):
        await change_slug(tenant, "www", resolver)
    with pytest.raises(TenantError, match="lowercase letters"):
        await change_slug(tenant, "acme.pools", resolver)
    # An address another tenant left recently is still its redirect.
    await change_slug(other_tenant, "globex-plumbing", resolver)
    with pytest.raises(TenantError, match="already taken"):
        await change_slug(tenant, "globex", resolver)


async def test_lookups_are_cached_and_dropped_on_change(tenant, resolver, verified_domain) -> None:
    cache = resolver.cache
    assert await resolver.resolve("acme.localhost") == Resolution("tenant", tenant.id)
    assert await cache.get("host:acme.localhost") is not None

    # A change behind the service's back is not seen: the answer is cached...
    await Domain.filter(kind="subdomain", host="acme").update(host="sneaky")
    assert await resolver.resolve("acme.localhost") == Resolution("tenant", tenant.id)
    await Domain.filter(kind="subdomain", host="sneaky").update(host="acme")

    # ...while a change through the service is seen at once.
    await change_slug(tenant, "acme-pools", resolver)
    assert await resolver.resolve("acme.localhost") == Resolution("redirect", tenant.id)
    assert await resolver.resolve("acme-pools.localhost") == Resolution("tenant", tenant.id)

    await verified_domain(tenant, "portal.acmepools.com")
    assert await resolver.resolve("portal.acmepools.com") == Resolution("tenant", tenant.id)
    await remove_custom_domain(tenant, "portal.acmepools.com", resolver)
    assert await resolver.resolve("portal.acmepools.com") == Resolution("unknown")


async def test_unknown_hosts_are_not_cached(app, resolver) -> None:
    assert await resolver.resolve("newco.localhost") == Resolution("unknown")
    assert await resolver.cache.get("host:newco.localhost") is None
    newco = await create_tenant("newco", "NewCo Services")
    assert await resolver.resolve("newco.localhost:8000") == Resolution("tenant", newco.id)


async def test_the_resolver_classifies_hosts(app, resolver) -> None:
    assert await resolver.resolve("localhost") == Resolution("platform")
    assert await resolver.resolve(None) == Resolution("invalid")
    assert await resolver.resolve("") == Resolution("invalid")
    assert await resolver.resolve("a.b.localhost") == Resolution("unknown")
