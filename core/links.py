"""Absolute links to a tenant's portal, for emails and redirects.

Links always use the tenant's configured primary host, never the request's
Host header, so a forged Host can never reach an email.
"""

from __future__ import annotations

from core.services import Services
from tenants.models import Tenant


async def portal_url(services: Services, tenant: Tenant, path: str = "/") -> str:
    settings = services.settings
    host = await services.resolver.primary_host(tenant)
    port = f":{settings.public_port}" if settings.public_port else ""
    if not path.startswith("/"):
        path = "/" + path
    return f"{settings.public_scheme}://{host}{port}{path}"
