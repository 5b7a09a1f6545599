"""Creating tenants and changing their web addresses.

Every change of a tenant's hosts goes through here so the resolver's cache
is dropped in the same step.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.models.base import new_public_id
from tenants.domain_verification import DomainVerifier, Proof, new_token, record_name, record_value
from tenants.hosts import clean_host, custom_domain_refusal
from tenants.models import Domain, DomainClaim, Tenant, default_portal_settings, validate_slug
from tenants.resolver import TenantResolver

OLD_ADDRESS_REDIRECT_DAYS = 90
# An unproved custom-domain claim lasts this long (see claim_custom_domain).
CLAIM_DAYS = 7


class TenantError(ValueError):
    """A tenant operation was refused; the message says why."""


async def _free_subdomain(slug: str, tenant: Tenant | None) -> Domain | None:
    """Make sure ``slug`` may become the address of ``tenant`` (None: a new one).

    Returns the tenant's own earlier row for that address (moving back to an
    old address), or None when the address is unused. An old address of
    another tenant whose redirect has expired is released: after 90 days it
    is free for anyone.
    """
    taken = TenantError(f"The address “{slug}” is already taken.")
    others = Tenant.filter(slug=slug)
    if tenant is not None:
        others = others.exclude(id=tenant.id)
    if await others.exists():
        raise taken
    domain = await Domain.get_or_none(kind="subdomain", host=slug)
    if domain is None:
        return None
    if tenant is not None and domain.tenant_id == tenant.id:
        return domain
    if domain.redirect and domain.expired():
        await domain.delete()
        return None
    raise taken


async def create_tenant(slug: str, name: str, **fields) -> Tenant:
    slug = (slug or "").strip().lower()
    if problem := validate_slug(slug):
        raise TenantError(problem)
    if not (name or "").strip():
        raise TenantError("A business name is required.")
    async with in_transaction():
        await _free_subdomain(slug, None)
        tenant = await Tenant.create(
            public_id=new_public_id("tnt"),
            slug=slug,
            name=name.strip(),
            portal_settings=default_portal_settings(),
            **fields,
        )
        await Domain.create(tenant=tenant, kind="subdomain", host=slug, is_primary=True)
    return tenant


async def change_slug(tenant: Tenant, new_slug: str, resolver: TenantResolver) -> Tenant:
    """Move the tenant to a new subdomain; the old one redirects for 90 days."""
    new_slug = (new_slug or "").strip().lower()
    if new_slug == tenant.slug:
        return tenant
    if problem := validate_slug(new_slug):
        raise TenantError(problem)
    async with in_transaction():
        existing = await _free_subdomain(new_slug, tenant)
        await resolver.invalidate(tenant)
        now = datetime.now(timezone.utc)
        custom_primary = await Domain.filter(tenant_id=tenant.id, kind="custom", is_primary=True).exists()
        old = await Domain.get_or_none(kind="subdomain", host=tenant.slug, tenant_id=tenant.id)
        if old is None:  # a tenant created without its subdomain row
            old = Domain(tenant=tenant, kind="subdomain", host=tenant.slug)
        old.redirect = True
        old.is_primary = False
        old.expires_at = now + timedelta(days=OLD_ADDRESS_REDIRECT_DAYS)
        await old.save()
        if existing is not None:  # moving back to an address it had before
            existing.redirect = False
            existing.expires_at = None
            existing.is_primary = not custom_primary
            await existing.save()
        else:
            await Domain.create(tenant=tenant, kind="subdomain", host=new_slug, is_primary=not custom_primary)
        tenant.slug = new_slug
        await tenant.save(update_fields=["slug"])
    await resolver.invalidate(tenant)
    return tenant


def claim_expires_at(claim: DomainClaim) -> datetime:
    """When an unproved claim stops counting (it is deleted on the next look)."""
    return claim.created_at + timedelta(days=CLAIM_DAYS)


async def forget_expired_claims() -> None:
    """Delete every claim older than :data:`CLAIM_DAYS`, of any tenant."""
    cutoff = datetime.now(timezone.utc) - timedelta(days=CLAIM_DAYS)
    await DomainClaim.filter(created_at__lte=cutoff).delete()


async def pending_claims(tenant: Tenant) -> list[DomainClaim]:
    """The tenant's custom domains still waiting for their DNS record."""
    await forget_expired_claims()
    return await DomainClaim.filter(tenant_id=tenant.id).order_by("host")


async def claim_custom_domain(tenant: Tenant, host: str, resolver: TenantResolver, primary: bool = False) -> DomainClaim:
    """Ask for ``host``: a claim with its own token, served only once verified.

    Other businesses' unproved claims of the same host do not stand in the
    way (whoever controls its DNS verifies first); a verified owner does.
    Claiming again returns the same claim and token.
    """
    cleaned, problem = custom_domain_refusal(host, resolver.base_domain)
    if problem:
        raise TenantError(problem)
    await forget_expired_claims()
    owner = await Domain.get_or_none(kind="custom", host=cleaned)
    if owner is not None:
        if owner.tenant_id == tenant.id:
            raise TenantError(f"“{cleaned}” is already one of this business's domains.")
        raise TenantError(f"The domain “{cleaned}” is already in use.")
    claim = await DomainClaim.get_or_none(tenant_id=tenant.id, host=cleaned)
    if claim is None:
        try:
            claim = await DomainClaim.create(tenant=tenant, host=cleaned, token=new_token(), make_primary=primary)
        except IntegrityError:  # the same form sent twice at once: one claim
            claim = await DomainClaim.get(tenant_id=tenant.id, host=cleaned)
    elif claim.make_primary != primary:
        claim.make_primary = primary
        await claim.save(update_fields=["make_primary"])
    return claim


async def verify_custom_domain(
    tenant: Tenant, host: str, resolver: TenantResolver, verifier: DomainVerifier
) -> Domain:
    """Look for the claim's TXT record; when found, the domain serves the portal.

    Every other claim of the host, by any business, goes in the same
    transaction; the unique (kind, host) of Domain keeps one verified owner
    even when two businesses verify at the same moment.
    """
    cleaned = clean_host(host) or (host or "").strip().lower()
    await forget_expired_claims()
    claim = await DomainClaim.get_or_none(tenant_id=tenant.id, host=cleaned)
    if claim is None:
        raise TenantError(
            f"“{cleaned}” is not waiting for verification: claims expire after {CLAIM_DAYS} days. Add the domain again."
        )
    proof = await verifier.check(cleaned, claim.token)
    claim.checked_at = datetime.now(timezone.utc)
    await claim.save(update_fields=["checked_at"])
    if proof is Proof.UNAVAILABLE:
        raise TenantError("The DNS servers did not answer. Nothing changed: try again in a few minutes.")
    if proof is Proof.MISSING:
        raise TenantError(
            f"No TXT record “{record_value(claim.token)}” was found at {record_name(cleaned)}. "
            "Check the record; new records can take up to an hour to be seen, then try again."
        )
    try:
        async with in_transaction():
            if claim.make_primary:
                await Domain.filter(tenant_id=tenant.id).update(is_primary=False)
            domain = await Domain.create(
                tenant=tenant, kind="custom", host=cleaned, is_primary=claim.make_primary,
                verified_at=datetime.now(timezone.utc),
            )
            await DomainClaim.filter(host=cleaned).delete()
    except IntegrityError:
        raise TenantError(f"The domain “{cleaned}” is already in use.") from None
    await resolver.forget(cleaned)
    await resolver.invalidate(tenant)
    return domain


async def remove_custom_domain(tenant: Tenant, host: str, resolver: TenantResolver) -> None:
    """Remove a verified domain or withdraw a claim of the tenant's."""
    cleaned = clean_host(host) or host
    domain = await Domain.get_or_none(tenant_id=tenant.id, kind="custom", host=cleaned)
    withdrawn = await DomainClaim.filter(tenant_id=tenant.id, host=cleaned).delete()
    if domain is None:
        if not withdrawn:
            raise TenantError(f"“{host}” is not one of this business's domains.")
        return
    await domain.delete()
    if domain.is_primary:
        await Domain.filter(tenant_id=tenant.id, kind="subdomain", host=tenant.slug).update(is_primary=True)
    await resolver.forget(cleaned)
    await resolver.invalidate(tenant)


async def set_active(tenant: Tenant, active: bool, resolver: TenantResolver) -> Tenant:
    tenant.disabled_at = None if active else datetime.now(timezone.utc)
    await tenant.save(update_fields=["disabled_at"])
    await resolver.invalidate(tenant)
    return tenant
