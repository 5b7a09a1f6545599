"""Creating tenants and changing their web addresses.

Every change of a tenant's hosts goes through here so the resolver's cache
is dropped in the same step.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tortoise.transactions import in_transaction

from core.models.base import new_public_id
from tenants.hosts import clean_host
from tenants.models import Domain, Tenant, default_portal_settings, validate_slug
from tenants.resolver import TenantResolver

OLD_ADDRESS_REDIRECT_DAYS = 90


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


async def add_custom_domain(tenant: Tenant, host: str, resolver: TenantResolver, primary: bool = False) -> Domain:
    cleaned = clean_host(host)
    if cleaned is None or "." not in cleaned:
        raise TenantError(f"“{host}” is not a valid domain name.")
    if resolver.lookup_of(cleaned) != ("custom", cleaned):
        raise TenantError("Use a domain of your own, outside the platform's domain.")
    async with in_transaction():
        if await Domain.filter(kind="custom", host=cleaned).exists():
            raise TenantError(f"The domain “{cleaned}” is already in use.")
        if primary:
            await Domain.filter(tenant_id=tenant.id).update(is_primary=False)
        domain = await Domain.create(tenant=tenant, kind="custom", host=cleaned, is_primary=primary)
    await resolver.invalidate(tenant)
    return domain


async def remove_custom_domain(tenant: Tenant, host: str, resolver: TenantResolver) -> None:
    cleaned = clean_host(host) or host
    domain = await Domain.get_or_none(tenant_id=tenant.id, kind="custom", host=cleaned)
    if domain is None:
        raise TenantError(f"“{host}” is not one of this business's domains.")
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
