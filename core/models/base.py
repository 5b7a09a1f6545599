"""The one tenant-scoping path for every tenant-owned table.

:class:`TenantModel` gives each row a ``tenant`` and an opaque ``public_id``.
Its default manager filters every query by the current tenant (see
:mod:`tenants.context`) and raises :class:`~tenants.context.NoTenantError`
when none is current; new rows take the current tenant automatically. Writes
are guarded too: a row of another tenant cannot be saved, deleted or
refreshed under this one, a row cannot move to another tenant, and a link to
another tenant-owned row must point at a row of the current tenant
(:class:`~tenants.context.CrossTenantError`). Plugins subclass it for their
own tables and get the same guarantees.

Every subclass gets a :class:`TenantManager` whether or not its ``Meta``
names one: Tortoise does not inherit ``Meta.manager``, and a subclass that
silently fell back to the plain manager would read every tenant's rows.
"""

from __future__ import annotations

import secrets
from typing import Any, Iterable, Iterator

from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.manager import Manager
import tortoise.models
from tortoise.models import Model
from tortoise.queryset import BulkCreateQuery, BulkUpdateQuery, QuerySet, UpdateQuery

from tenants.context import CrossTenantError, current_tenant_id

# Tortoise reads every model class's source (inspect.getsource, the module
# tokenized again for each class) for "#:" comments above its fields: 0.8 s
# of CPU in each process that loads the models (every ``porchside`` command,
# every test process). No Porchside model has such comments (fields say
# ``description=``), so the search is skipped; Tortoise's own switch, a
# ``_no_comments`` attribute, would be needed in every class body.
if hasattr(tortoise.models, "_get_comments"):
    tortoise.models._get_comments = lambda cls: {}

PUBLIC_ID_BYTES = 16  # 128 random bits
TENANT_FIELDS = frozenset({"tenant", "tenant_id"})
# Instance attribute holding the tenant id and link ids as last read or written.
_STORED = "_porchside_stored_refs"


def new_public_id(prefix: str) -> str:
    """An unguessable identifier for URLs: ``prefix`` + 128 random bits."""
    return f"{prefix}_{secrets.token_urlsafe(PUBLIC_ID_BYTES)}"


def _refuse_tenant_change(names: Iterable[str]) -> None:
    if TENANT_FIELDS & set(names):
        raise CrossTenantError("a row's tenant cannot be changed")


class _LinkCheckedUpdate(UpdateQuery):
    """An UPDATE that first checks that the ids it links to are the current tenant's rows."""

    __slots__ = ("links_to_check",)

    async def _execute(self) -> int:
        for remote, key, value in self.links_to_check:
            if not await remote.filter(**{key: value}).using_db(self._db).exists():
                raise CrossTenantError(f"{self.model.__name__} cannot link to a {remote.__name__} of another tenant")
        return await super()._execute()


class TenantQuerySet(QuerySet):
    """A queryset over the current tenant's rows that cannot write another's.

    ``update`` refuses to change the tenant and checks new links;
    ``bulk_create`` and ``bulk_update`` check that every row is the current
    tenant's (links in bulk writes are the caller's responsibility).
    """

    def update(self, **kwargs: Any) -> UpdateQuery:
        _refuse_tenant_change(kwargs)
        tenant_id = current_tenant_id()
        checks = []
        for name, source, remote_key, remote in self.model._links():
            linked = kwargs.get(name)
            if linked is not None and getattr(linked, "tenant_id", None) != tenant_id:
                raise CrossTenantError(f"{self.model.__name__}.{name} cannot link to a row of another tenant")
            if kwargs.get(source) is not None:
                checks.append((remote, remote_key, kwargs[source]))
        if not checks:
            return super().update(**kwargs)
        query = _LinkCheckedUpdate(
            db=self._db,
            model=self.model,
            update_kwargs=kwargs,
            q_objects=self._q_objects,
            annotations=self._annotations,
            custom_filters=self._custom_filters,
            limit=self._limit,
            orderings=self._orderings,
        )
        query.links_to_check = checks
        return query

    def bulk_create(
        self,
        objects: Iterable[Model],
        batch_size: int | None = None,
        ignore_conflicts: bool = False,
        update_fields: Iterable[str] | None = None,
        on_conflict: Iterable[str] | None = None,
    ) -> BulkCreateQuery:
        objects = list(objects)
        tenant_id = current_tenant_id()
        for row in objects:
            row._check_owner(tenant_id)  # type: ignore[attr-defined]
        _refuse_tenant_change(update_fields or ())
        return super().bulk_create(objects, batch_size, ignore_conflicts, update_fields, on_conflict)

    def bulk_update(
        self, objects: Iterable[Model], fields: Iterable[str], batch_size: int | None = None
    ) -> BulkUpdateQuery:
        objects, fields = list(objects), list(fields)
        tenant_id = current_tenant_id()
        for row in objects:
            row._check_owner(tenant_id)  # type: ignore[attr-defined]
        _refuse_tenant_change(fields)
        return super().bulk_update(objects, fields, batch_size)


class TenantManager(Manager):
    """Default manager of tenant-owned models: scopes every query."""

    def get_queryset(self) -> QuerySet:
        return TenantQuerySet(self._model).filter(tenant_id=current_tenant_id())


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

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        manager = cls._meta.manager
        if isinstance(manager, TenantManager):
            return
        if type(manager) is not Manager:
            raise TypeError(f"{cls.__name__}: the manager of a tenant-owned model must subclass TenantManager")
        cls._meta.manager = TenantManager()

    def __init__(self, **kwargs: Any) -> None:
        if "tenant" not in kwargs and "tenant_id" not in kwargs:
            kwargs["tenant_id"] = current_tenant_id()
        kwargs.setdefault("public_id", new_public_id(self.public_id_prefix))
        super().__init__(**kwargs)

    @classmethod
    def _init_from_db(cls, **kwargs: Any) -> Any:
        row = super()._init_from_db(**kwargs)
        row.__dict__[_STORED] = row._refs()
        return row

    # -- guards -----------------------------------------------------------

    @classmethod
    def _links(cls) -> Iterator[tuple[str, str, str, type[TenantModel]]]:
        """``(field, id attribute, remote key, model)`` of each link to a tenant-owned table."""
        meta = cls._meta
        for name in (*meta.fk_fields, *meta.o2o_fields):
            if name == "tenant":
                continue
            field = meta.fields_map[name]
            remote = field.related_model  # type: ignore[attr-defined]
            if isinstance(remote, type) and issubclass(remote, TenantModel):
                yield name, field.source_field, field.to_field_instance.model_field_name, remote  # type: ignore[attr-defined]

    def _refs(self) -> dict[str, Any]:
        refs = {"tenant_id": getattr(self, "tenant_id", None)}
        for _, source, _, _ in self._links():
            refs[source] = getattr(self, source, None)
        return refs

    def _check_owner(self, tenant_id: int) -> None:
        """Refuse to write a row that is not, or was not loaded as, the current tenant's."""
        stored = (self.__dict__.get(_STORED) or {}).get("tenant_id")
        if self.tenant_id != tenant_id or (stored is not None and stored != tenant_id):
            raise CrossTenantError(
                f"{type(self).__name__} {self.public_id} belongs to tenant {stored or self.tenant_id}, "
                f"not to the current tenant {tenant_id}"
            )

    async def _check_links(
        self, tenant_id: int, update_fields: Iterable[str] | None, using_db: BaseDBAsyncClient | None
    ) -> None:
        """Refuse links to rows the current tenant cannot see (a forged or stale id)."""
        stored = self.__dict__.get(_STORED) or {}
        only = set(update_fields) if update_fields is not None and self._saved_in_db else None
        for name, source, remote_key, remote in self._links():
            if only is not None and name not in only and source not in only:
                continue
            value = getattr(self, source, None)
            if value is None or stored.get(source) == value:
                continue
            cached = self.__dict__.get(f"_{name}")
            if isinstance(cached, TenantModel) and getattr(cached, remote_key) == value:
                if cached.tenant_id == tenant_id:
                    continue
            elif await remote.filter(**{remote_key: value}).using_db(using_db).exists():
                continue
            raise CrossTenantError(
                f"{type(self).__name__}.{name} points at a {remote.__name__} of another tenant"
            )

    # -- writes -----------------------------------------------------------

    async def save(
        self,
        using_db: BaseDBAsyncClient | None = None,
        update_fields: Iterable[str] | None = None,
        force_create: bool = False,
        force_update: bool = False,
    ) -> None:
        tenant_id = current_tenant_id()
        self._check_owner(tenant_id)
        await self._check_links(tenant_id, update_fields, using_db)
        await super().save(using_db, update_fields, force_create, force_update)
        self.__dict__[_STORED] = self._refs()

    async def delete(self, using_db: BaseDBAsyncClient | None = None) -> None:
        self._check_owner(current_tenant_id())
        await super().delete(using_db)

    async def refresh_from_db(
        self, fields: Iterable[str] | None = None, using_db: BaseDBAsyncClient | None = None
    ) -> None:
        # Tortoise refreshes through an unscoped queryset.
        self._check_owner(current_tenant_id())
        await super().refresh_from_db(fields, using_db)
