"""The tenant of the work in progress, held in a ContextVar.

Every request, background job and CLI command that touches tenant data runs
inside :func:`use_tenant`. Tenant-owned models read :func:`current_tenant_id`
for every query and raise :class:`NoTenantError` when nothing is current, so a
forgotten scope fails loudly instead of leaking another tenant's rows.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from tenants.models import Tenant

_current: ContextVar["Tenant | None"] = ContextVar("porchside_tenant", default=None)


class NoTenantError(RuntimeError):
    """A tenant-owned table was queried outside of any tenant scope."""


class CrossTenantError(NoTenantError):
    """A row of one tenant was written, or linked to, from another tenant's scope.

    A subclass of :class:`NoTenantError` so code guarding tenant scope with
    one ``except`` catches both mistakes.
    """


def current_tenant() -> "Tenant":
    tenant = _current.get()
    if tenant is None:
        raise NoTenantError("no tenant is current: wrap the work in use_tenant(tenant)")
    return tenant


def current_tenant_or_none() -> "Tenant | None":
    return _current.get()


def current_tenant_id() -> int:
    return current_tenant().id


@contextmanager
def use_tenant(tenant: "Tenant | None") -> Iterator["Tenant | None"]:
    """Make ``tenant`` current for the enclosed block (``None`` clears it)."""
    token = _current.set(tenant)
    try:
        yield tenant
    finally:
        _current.reset(token)


def set_tenant(tenant: "Tenant | None") -> None:
    """Set the current tenant for the rest of this task (a request's handler)."""
    _current.set(tenant)
