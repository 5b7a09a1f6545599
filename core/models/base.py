"""The one tenant-scoping path for every tenant-owned table.

:class:`TenantModel` gives each row a ``tenant`` and an opaque ``public_id``.
Its default manager filters every query by the current tenant (see
:mod:`tenants.context`) and raises :class:`~tenants.context.NoTenantError`
when none is current; new rows take the current tenant automatically, and a
row of another tenant cannot be saved under this one. Plugins subclass it for
their own tables and get the same guarantees.
"""

from __future__ import annotations

import secrets
from typing import Any

from tortoise import fields
from tortoise.manager import Manager
from tortoise.models import Model
from tortoise.queryset import QuerySet

from tenants.context import NoTenantError, current_tenant_id


def new_public_id(prefix: str) -> str:
    """An unguessable identifier for URLs: ``prefix`` + 128 random bits."""
    return f"{prefix}_{secrets.token_urlsafe(16)}"


class TenantManager(Manager):
    """Default manager of tenant-owned models: scopes every query."""

    def get_queryset(self) -> QuerySet:
        return QuerySet(self._model).filter(tenant_id=current_tenant_id())


class TenantModel(Model):
    """Base class of every tenant-owned table.

    Subclasses set ``public_id_prefix`` (``"job"``, ``"inv"``, ...) and use
    ``public_id`` in every URL, never the sequential primary key.
    """

    public_id_prefix: str = "obj"

    id = fields.IntField(primary_key=True)
    tenant = fields.ForeignKeyField("core.Tenant", related_name=False, on_delete=fields.CASCADE, db_index=True)
    public_id = fields.CharField(max_length=40, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        abstract = True
        manager = TenantManager()

    def __init__(self, **kwargs: Any) -> None:
        if "tenant" not in kwargs and "tenant_id" not in kwargs:
            kwargs["tenant_id"] = current_tenant_id()
        kwargs.setdefault("public_id", new_public_id(self.public_id_prefix))
        super().__init__(**kwargs)

    async def save(self, *args: Any, **kwargs: Any) -> None:
        if self.tenant_id != current_tenant_id():
            raise NoTenantError(
                f"{type(self).__name__} belongs to tenant {self.tenant_id}, "
                f"not to the current tenant {current_tenant_id()}"
            )
        await super().save(*args, **kwargs)

    async def delete(self, *args: Any, **kwargs: Any) -> None:
        if self.tenant_id != current_tenant_id():
            raise NoTenantError(f"{type(self).__name__} belongs to another tenant")
        await super().delete(*args, **kwargs)
