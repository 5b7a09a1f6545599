"""Tenants: businesses, their web addresses, and which one a request is for."""

from tenants.context import (
    CrossTenantError,
    NoTenantError,
    current_tenant,
    current_tenant_id,
    current_tenant_or_none,
    use_tenant,
)

__all__ = [
    "CrossTenantError",
    "NoTenantError",
    "current_tenant",
    "current_tenant_id",
    "current_tenant_or_none",
    "use_tenant",
]
