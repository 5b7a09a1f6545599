"""Custom domains serve a portal only after their owner proves control through DNS (issue 14, item 5).

The app's lookups go to a real DNS server on loopback (tests/dns_server.py),
configured the way an operator does it: ``PORCHSIDE_DNS_NAMESERVERS``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from core.console.testing import sign_in_staff
from tenants.domain_verification import DomainVerifier, Proof, build_dns_resolver
from tenants.models import Domain, DomainClaim
from tenants.resolver import TenantResolver
from tenants.service import (
    CLAIM_DAYS,
    TenantError,
    claim_custom_domain,
    create_tenant,
    remove_custom_domain,
    verify_custom_domain,
)
from tests.dns_server import LoopbackDns

PORTAL = "/console/settings/portal"
HOST = "portal.acmepools.example"
TOKEN_VALUE = re.compile(r"porchside-verify=[0-9a-f]{32}")


@pytest.fixture
async def app(make_app, loopback_dns):
    """The app, its custom-domain lookups sent to the loopback DNS server by configuration."""
    async with make_app(dns_nameservers=(("127.0.0.1", loopback_dns.port),)) as started:
        yield started


@pytest.fixture
def services(app):
    return app.extensions["porchside"]


@pytest.fixture
async def owner(client, tenant):
    await sign_in_staff(client, "owner@acme.test", role="owner")
    return client


async def body(response) -> str:
    return await response.get_data(as_text=True)


async def test_the_console_shows_the_record_and_serves_the_domain_only_once_it_is_found(
    owner, client_for, loopback_dns
) -> None:
    r = await owner.submit(f"{PORTAL}/domains", {"host": HOST})
    assert r.status_code == 302 and r.headers["Location"] == f"{PORTAL}?done=domain_claimed"
    page = await body(await owner.get(PORTAL))
    assert f"_porchside.{HOST}" in page and "Not verified" in page
    value = TOKEN_VALUE.search(page)[0]
    visitor = client_for(HOST)
    assert (await visitor.get("/sign-in")).status_code == 404

    # Verify before the record exists: a clear message, and still not served.
    r = await owner.submit(f"{PORTAL}/domains/verify", {"host": HOST})
    assert r.status_code == 400
    assert f"No TXT record “{value}” was found at _porchside.{HOST}" in await body(r)
    assert (await visitor.get("/sign-in")).status_code == 404
    assert f"_porchside.{HOST}" in loopback_dns.queries  # the app really asked DNS

    # A record with another value (someone else's token) does not count.
    loopback_dns.publish(f"_porchside.{HOST}", "porchside-verify=" + "0" * 32)
    assert (await owner.submit(f"{PORTAL}/domains/verify", {"host": HOST})).status_code == 400

    loopback_dns.publish(f"_porchside.{HOST}", value)
    r = await owner.submit(f"{PORTAL}/domains/verify", {"host": HOST})
    assert r.status_code == 302 and r.headers["Location"] == f"{PORTAL}?done=domain_verified"
    assert "Acme Pool Care" in await body(await visitor.get("/sign-in"))
    page = await body(await owner.get(PORTAL))
    assert "Verified" in page and "Not verified" not in page


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("127.0.0.1", "Use a domain name, not an IP address."),
        ("10.1", "Use a domain name, not an IP address."),
        ("::1", "Use a domain name, not an IP address."),
        ("[2001:db8::1]", "Use a domain name, not an IP address."),
        ("localhost", "“localhost” names only work on one computer"),
        ("shop.acme.localhost", "“localhost” names only work on one computer"),
        ("portal.acme.example:8443", "without a port"),
    ],
)
async def test_ip_addresses_and_localhost_are_refused_with_a_message(owner, host, message) -> None:
    r = await owner.submit(f"{PORTAL}/domains", {"host": host})
    assert r.status_code == 400
    assert message in await body(r)
    assert not await DomainClaim.exists()


async def test_names_under_the_base_domain_are_refused(tenant, services) -> None:
    platform = TenantResolver("porchside.example", services.cache)
    for host in ("porchside.example", "globex.porchside.example", "a.b.porchside.example"):
        with pytest.raises(TenantError, match="Names under porchside.example are the platform's own addresses"):
            await claim_custom_domain(tenant, host, platform)
    assert not await DomainClaim.exists()


async def test_a_stale_claim_by_another_business_never_blocks_the_owner(
    tenant, other_tenant, services, loopback_dns, client_for
) -> None:
    # Globex claims Acme's domain first and cannot prove it.
    squatter = await claim_custom_domain(other_tenant, HOST, services.resolver)
    with pytest.raises(TenantError, match="No TXT record"):
        await verify_custom_domain(other_tenant, HOST, services.resolver, services.domain_verifier)

    # Acme claims it too, with a token of its own, and proves it.
    claim = await claim_custom_domain(tenant, HOST, services.resolver, primary=True)
    assert claim.token != squatter.token
    loopback_dns.publish(f"_porchside.{HOST}", f"porchside-verify={claim.token}")
    domain = await verify_custom_domain(tenant, HOST, services.resolver, services.domain_verifier)
    assert domain.tenant_id == tenant.id and domain.verified_at is not None and domain.is_primary

    # Globex's claim is gone, and it cannot claim or verify the host again.
    assert not await DomainClaim.filter(tenant_id=other_tenant.id).exists()
    with pytest.raises(TenantError, match="not waiting for verification"):
        await verify_custom_domain(other_tenant, HOST, services.resolver, services.domain_verifier)
    with pytest.raises(TenantError, match="already in use"):
        await claim_custom_domain(other_tenant, HOST, services.resolver)
    assert "Acme Pool Care" in await body(await client_for(HOST).get("/sign-in"))


async def test_unverified_claims_expire_after_seven_days(tenant, services, loopback_dns) -> None:
    claim = await claim_custom_domain(tenant, HOST, services.resolver)
    loopback_dns.publish(f"_porchside.{HOST}", f"porchside-verify={claim.token}")
    old = datetime.now(timezone.utc) - timedelta(days=CLAIM_DAYS, seconds=1)
    await DomainClaim.filter(id=claim.id).update(created_at=old)
    with pytest.raises(TenantError, match="claims expire after 7 days"):
        await verify_custom_domain(tenant, HOST, services.resolver, services.domain_verifier)
    assert not await DomainClaim.exists()
    # Claiming again starts over with a new token.
    again = await claim_custom_domain(tenant, HOST, services.resolver)
    assert again.token != claim.token


async def test_claims_stay_with_their_business(owner, tenant, other_tenant, services, loopback_dns) -> None:
    """Acme's console neither shows, verifies nor cancels Globex's claim."""
    theirs = await claim_custom_domain(other_tenant, "portal.globex.example", services.resolver)
    loopback_dns.publish("_porchside.portal.globex.example", f"porchside-verify={theirs.token}")
    assert "portal.globex.example" not in await body(await owner.get(PORTAL))
    r = await owner.submit(f"{PORTAL}/domains/verify", {"host": "portal.globex.example"})
    assert r.status_code == 400 and "not waiting for verification" in await body(r)
    r = await owner.submit(f"{PORTAL}/domains/remove", {"host": "portal.globex.example"})
    assert r.status_code == 400
    assert await DomainClaim.filter(tenant_id=other_tenant.id).exists()
    assert not await Domain.filter(kind="custom").exists()


async def test_only_one_business_can_hold_a_verified_domain(tenant, other_tenant) -> None:
    """The database refuses a second verified row for the same host, whatever the code does."""
    from tortoise.exceptions import IntegrityError

    now = datetime.now(timezone.utc)
    await Domain.create(tenant=tenant, kind="custom", host=HOST, verified_at=now)
    with pytest.raises(IntegrityError):
        await Domain.create(tenant=other_tenant, kind="custom", host=HOST, verified_at=now)


async def test_a_withdrawn_claim_is_gone(tenant, services) -> None:
    await claim_custom_domain(tenant, HOST, services.resolver)
    await remove_custom_domain(tenant, HOST, services.resolver)
    assert not await DomainClaim.exists()


async def test_dns_that_does_not_answer_gives_a_try_again_message(tenant, services) -> None:
    silent = await LoopbackDns().start()
    port = silent.port
    await silent.stop()  # nothing listens on that port any more
    services.domain_verifier = DomainVerifier(build_dns_resolver((("127.0.0.1", port),)), lifetime=0.1)  # nothing listens: no answer will come, however long
    assert await services.domain_verifier.check(HOST, "x") is Proof.UNAVAILABLE
    await claim_custom_domain(tenant, HOST, services.resolver)
    with pytest.raises(TenantError, match="did not answer"):
        await verify_custom_domain(tenant, HOST, services.resolver, services.domain_verifier)
    assert await DomainClaim.exists()


async def test_the_tls_ask_endpoint_answers_200_only_for_served_names(
    app, tenant, other_tenant, services, loopback_dns, client_for
) -> None:
    claim = await claim_custom_domain(tenant, HOST, services.resolver)
    await claim_custom_domain(other_tenant, "portal.globex.example", services.resolver)
    caddy = client_for("127.0.0.1")  # Caddy asks over loopback

    async def ask(domain: str) -> int:
        return (await caddy.get("/_domains/check", query_string={"domain": domain})).status_code

    assert await ask(HOST) == 404  # claimed, not verified
    loopback_dns.publish(f"_porchside.{HOST}", f"porchside-verify={claim.token}")
    await verify_custom_domain(tenant, HOST, services.resolver, services.domain_verifier)
    assert await ask(HOST) == 200
    assert await ask(HOST.upper() + ".") == 200
    assert await ask("acme.localhost") == 200  # a live tenant subdomain
    assert await ask("localhost") == 200  # the base domain
    for refused in ("portal.globex.example", "nobody.localhost", "a.b.localhost", "127.0.0.1", "example.com"):
        assert await ask(refused) == 404, refused
    r = await caddy.get("/_domains/check", query_string={"domain": "bad host!"})
    assert r.status_code == 400 and (await r.get_json())["error"] == "invalid_domain"
    assert (await caddy.get("/_domains/check")).status_code == 400

    # A second business on its own: disabled tenants' names get no certificate.
    from tenants.service import set_active

    await set_active(tenant, False, services.resolver)
    assert await ask(HOST) == 404
    assert await ask("acme.localhost") == 404
    assert await ask("globex.localhost") == 200


async def test_a_new_tenant_created_after_startup_gets_a_certificate_for_its_subdomain(app, client_for) -> None:
    caddy = client_for("127.0.0.1")
    assert (await caddy.get("/_domains/check", query_string={"domain": "newco.localhost"})).status_code == 404
    await create_tenant("newco", "NewCo Services")
    assert (await caddy.get("/_domains/check", query_string={"domain": "newco.localhost"})).status_code == 200


def test_dns_nameservers_are_read_from_the_environment(tmp_path) -> None:
    from core.config import ConfigError, Settings

    def nameservers(value: str):
        env = {"PORCHSIDE_DNS_NAMESERVERS": value}
        return Settings.from_env(env, data_dir=tmp_path, secret_key="k" * 40).dns_nameservers

    assert nameservers("127.0.0.1:5353, [fd00::53]:53,9.9.9.9,::1") == (
        ("127.0.0.1", 5353), ("fd00::53", 53), ("9.9.9.9", 53), ("::1", 53),
    )
    assert Settings.from_env({}, data_dir=tmp_path, secret_key="k" * 40).dns_nameservers == ()
    for bad, problem in (("dns.google", "is not an IP address"), ("10.0.0.2:0", "at least 1"), ("10.0.0.2:x", "whole number")):
        with pytest.raises(ConfigError, match=f"PORCHSIDE_DNS_NAMESERVERS: .*{problem}"):
            nameservers(bad)
